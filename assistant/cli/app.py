"""The `assistant` command: the group, its options, and how failures are shown.

A thin shell over `Assistant`: commands parse flags into config overrides, draw progress
with rich, print JSON with `--json`, and every failure becomes one line on stderr and a
non-zero exit status (set ASSISTANT_DEBUG=1 for the traceback). The commands live in
`core.py`, `feeds.py`, `eval.py` and `index.py`; this module registers them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from ..errors import AssistantError
from .brief import brief
from .chats import chats
from .common import add_group_options, redact
from .core import articles, ask, chat, ingest, model, search, serve
from .eval import eval_command
from .feeds import feeds
from .index import index
from .mcp import mcp_command


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Config file (TOML).")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Where the index lives.")
@click.version_option(package_name="news-assistant", prog_name="assistant")
@click.pass_context
def cli(ctx: click.Context, config: str | None, data_dir: str | None) -> None:
    """Ask questions about your news articles, with citations."""
    ctx.ensure_object(dict).update(config=config, data_dir=data_dir)
    if ctx.invoked_subcommand is None:
        ctx.invoke(chat)


COMMANDS = (
    ingest,
    search,
    articles,
    ask,
    chat,
    serve,
    model,
    eval_command,
    feeds,
    brief,
    chats,
    mcp_command,
    index,
)
for command in COMMANDS:
    add_group_options(command)
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning errors into one line and an exit status."""
    return run(cli, argv)


def run(command: Callable[..., Any], argv: list[str] | None) -> int:
    try:
        status = command.main(args=argv, prog_name="assistant", standalone_mode=False)  # type: ignore[attr-defined]
        return status if isinstance(status, int) else 0  # `ctx.exit(n)` returns n here
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
        click.echo(f"error: {redact(str(exc))}", err=True)
        return 1
    except Exception as exc:  # last resort: one line, not a traceback
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        click.echo(f"error: unexpected {type(exc).__name__}: {redact(str(exc))}", err=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
