"""The core commands: ingest, search, articles, ask, chat and `model prepare`.

Each builds the `Assistant` from the command line's options, calls one of its methods and
prints the result (JSON with `--json`); `app.py` registers them on the `assistant` group.
"""

from __future__ import annotations

import sys

import click

from ..api import ServerState
from ..errors import AssistantError, NoIndexError
from ..text import clean, one_line
from .common import (
    echo_json,
    err_console,
    make_assistant,
    not_empty,
    provider_option,
    redact,
    show_report,
    with_progress,
)
from .printer import print_answer

SCORE_LABELS = {
    "hybrid": "rank-fusion score",  # 1/(rrf_k + rank) summed over two rankings: ~0.016-0.033
    "vector": "similarity",  # cosine similarity of the passage to the query, 0-1
    "bm25": "bm25 score",  # the keyword score, unbounded
}
"""What a search score is, by retrieval mode: a fused rank is not a similarity."""

EXIT_PARTIAL = 3
"""`assistant ask`'s exit status for a partial answer (see "Exit status" in the README)."""


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--prune", is_flag=True, help="Remove articles whose files are gone from PATHS.")
@click.option(
    "--yes", is_flag=True, help="With --prune: also prune a PATH that is missing or empty."
)
@click.option(
    "--follow-links", is_flag=True, help="Follow symlinks that lead out of a folder in PATHS."
)
@click.option("--if-empty", is_flag=True, help="Do nothing when the index has articles.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    prune: bool,
    yes: bool,
    follow_links: bool,
    if_empty: bool,
    as_json: bool,
) -> None:
    """Index articles from files and folders (txt, md, html, json, jsonl) and from http(s)
    URLs of feeds (RSS, Atom, RDF) or article pages."""
    bot = make_assistant(ctx)
    if if_empty:
        try:
            if bot.counts()[0] > 0:
                return
        except NoIndexError:  # no index yet: this ingest makes it
            pass
    report = with_progress(
        "reading",
        as_json,
        lambda progress: bot.ingest(
            *paths, prune=prune, confirm=yes, follow_links=follow_links, progress=progress
        ),
    )
    show_report(report, as_json)


@click.command()
@click.argument("query", callback=not_empty)
@click.option("-k", "k", type=click.IntRange(1, 100), default=None, help="Passages to return.")
@click.option("--source", default=None, help="Only articles from this source.")
@click.option("--since", default=None, help="Only articles published on or after (YYYY-MM-DD).")
@click.option("--until", default=None, help="Only articles published on or before (YYYY-MM-DD).")
@click.option(
    "--mode",
    type=click.Choice(["hybrid", "vector", "bm25"]),
    default=None,
    help="How to rank: both fused (hybrid), meaning (vector) or words (bm25).",
)
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
    bot = make_assistant(ctx, retrieval__mode=mode)
    hits = bot.search(query, k, source=source, since=since, until=until)
    others = bot.coverage([h.article_id for h in hits])  # the same story, other outlets
    if as_json:
        echo_json([{**h.to_dict(), "also_reported_by": list(others[h.article_id])} for h in hits])
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    console.soft_wrap = not console.is_terminal  # piped: a line per hit and per passage
    if not hits:
        console.print("No matching passages.")
    score = SCORE_LABELS[bot.settings.retrieval.mode]
    for n, hit in enumerate(hits, 1):  # article text is shown without escapes or controls
        head = Text(f"{n}. ", style="bold")
        head.append(one_line(hit.title or hit.article_id), style="bold")
        meta = " · ".join(x for x in (hit.source, hit.published, hit.article_id) if x)
        head.append(f"  {one_line(meta)}  {score} {hit.score:.3f}", style="dim")
        if others[hit.article_id]:
            also = others[hit.article_id]
            head.append(f"\n   also reported by {len(also)} outlet{'s' * (len(also) > 1)}: ")
            head.append(one_line(", ".join(also)), style="cyan")
        console.print(head)
        console.print(Text("   " + " ".join(clean(hit.text).split())[:400]))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def articles(ctx: click.Context, as_json: bool) -> None:
    """List the indexed articles."""
    items = make_assistant(ctx).articles()
    if as_json:
        echo_json([a.to_dict() for a in items])
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    if not console.is_terminal:  # piped: one plain, tab-separated row per article
        for a in items:
            row = (a.id, a.title, a.source or "", a.published or "", str(a.chunks))
            click.echo("\t".join(one_line(cell).replace("\t", " ") for cell in row))
        click.echo(f"{len(items)} articles", err=True)
        return
    table = Table("id", "title", "source", "published", "chunks", box=None)
    for a in items:
        cells = (a.id, a.title[:60], a.source or "", a.published or "")
        table.add_row(*(Text(one_line(cell)) for cell in cells), str(a.chunks))
    console.print(table)
    console.print(f"{len(items)} articles", style="dim")


@click.command()
@click.argument("question", callback=not_empty)
@provider_option
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
    """Answer QUESTION from the indexed articles, citing them. Exits with 3 when the
    answer is partial (the model stopped before it finished)."""
    bot = make_assistant(ctx, llm__provider=provider)
    stream = bot.stream(question, source=source, since=since, until=until)
    if as_json:
        answer = stream.answer()
        echo_json(answer.to_dict())
    else:
        answer = print_answer(stream, bot)
    if answer.partial:
        ctx.exit(EXIT_PARTIAL)


@click.command()
@provider_option
@click.pass_context
def chat(ctx: click.Context, provider: str | None = None) -> None:
    """Open the chat (the default when no command is given)."""
    bot = make_assistant(ctx, llm__provider=provider)
    bot.require_index()  # before the TUI paints: no chat over an index that does not exist
    if sys.stdin.isatty() and sys.stdout.isatty():
        from ..tui.app import run_app

        run_app(bot)
        return
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
            click.echo(f"error: {redact(str(exc))}", err=True)


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (this machine)."
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="Port to listen on (0: a free one)."
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Keep the embedded model loaded: `ask` and `chat` on this data dir then answer through
    it instead of loading the model each time. Runs until Ctrl-C."""
    bot = make_assistant(ctx)
    where = bot.settings.data_path
    running = bot.model_server
    if running is not None:
        raise AssistantError(
            f"a model server for {where} already runs at {running.base_url} (pid {running.pid})"
        )
    err = err_console()
    err.print("loading the model…", style="dim")

    def ready(state: ServerState) -> None:
        err.print(f"serving {state.model} at {state.base_url} for {where}; Ctrl-C stops")

    bot.serve_model(host, port, on_ready=ready)


@click.group()
def model() -> None:
    """The embedded language model."""


@model.command()
def prepare() -> None:
    """Assemble and verify the embedded model (done once; ~10 s)."""
    from ..api import Assistant

    click.echo(Assistant.prepare_model(), err=True)
