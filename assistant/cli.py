"""The `assistant` command: ingest, search, articles, ask, chat.

A thin shell over `Assistant`: it parses flags into config overrides, draws progress with
rich, prints JSON with `--json`, and turns every failure into one line on stderr and a
non-zero exit status (set ASSISTANT_DEBUG=1 for the traceback).

The core commands live here; the `feeds` group is in `cli_feeds.py`, the `eval` command in
`cli_eval.py`, and the helpers they share in `cli_common.py` (which imports neither, so
there is no import cycle). This module registers them with `cli.add_command(...)`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from .cli_common import _assistant, _echo_json, _show_report, _with_progress

# Re-exported so `assistant.cli._err` etc. still resolve (they were defined here before).
from .cli_common import _err as _err
from .cli_common import _print_report as _print_report
from .cli_common import _warn_skipped as _warn_skipped
from .cli_eval import eval_command
from .cli_feeds import feeds
from .errors import AssistantError


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


cli.add_command(eval_command)
cli.add_command(feeds)


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
