"""The `assistant eval` command: score retrieval, answers and citations on a question set.

`app.py` registers it. The scoring itself is `assistant.eval`, imported only when the
command runs.
"""

from __future__ import annotations

import json
from typing import Any

import click

from .common import echo_json, err_console, make_assistant, provider_option


@click.command(name="eval")
@click.option("--corpus", required=True, type=click.Path(exists=True), help="JSONL file or folder.")
@click.option(
    "--questions",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Questions with their answers and evidence (JSONL).",
)
@provider_option
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N questions.")
@click.option("--sample", type=click.IntRange(1), default=None, help="A random N of the questions.")
@click.option("--seed", type=int, default=0, show_default=True, help="The seed of --sample.")
@click.option(
    "--retrieval-only", is_flag=True, help="Measure retrieval only: no answers, no model runs."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the report here.")
@click.pass_context
def eval_command(
    ctx: click.Context,
    corpus: str,
    questions: str,
    provider: str | None,
    limit: int | None,
    sample: int | None,
    seed: int,
    retrieval_only: bool,
    as_json: bool,
    out: str | None,
) -> None:
    """Score retrieval, answers and citations on a question set (JSONL; see the README)."""
    from pathlib import Path

    from ..eval import evaluate, index_dir, load_questions, select

    base = make_assistant(ctx, llm__provider=provider)
    data_dir = index_dir(base.settings.data_path, Path(corpus), base)
    bot = make_assistant(ctx, llm__provider=provider, store__data_dir=str(data_dir))
    qs = select(load_questions(Path(questions)), limit=limit, sample=sample, seed=seed)
    err = err_console()
    report = bot.ingest(corpus)
    err.print(f"index: {bot.counts()[0]} articles ({report.added} added) in {data_dir}")

    def on_question(i: int, n: int, row: dict[str, Any]) -> None:
        mark = "ok " if row["correct"] else ("abs" if row["abstained"] else "-- ")
        if retrieval_only:
            mark = "r@4" if (row.get("fact_first_rank") or 99) <= 4 else "   "
        err.print(f"[{i}/{n}] {mark} {row['id']} {row['seconds']:.1f}s", highlight=False)

    result = evaluate(
        bot, qs, on_question=None if as_json else on_question, answers=not retrieval_only
    )
    result["provider"], result["model"] = bot.provider, bot.answerer().model
    result["corpus"], result["questions_file"] = corpus, questions
    if out:
        Path(out).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    if as_json:
        echo_json({k: v for k, v in result.items() if k != "questions"})
        return
    from rich.console import Console
    from rich.table import Table

    def cell(value: Any) -> str:  # a metric a question type has no data for stays blank
        return "" if value is None else str(value)

    table = Table("metric", "all", *result["by_type"].keys(), box=None)
    for name, value in result["metrics"].items():
        cells = [cell(result["by_type"][t].get(name)) for t in result["by_type"]]
        table.add_row(name, cell(value), *cells)
    Console(highlight=False).print(table)
