"""Helpers every command shares: building the `Assistant`, JSON, progress, ingest reports.

All commands build the `Assistant` from the group's options, print JSON, draw progress and
report an ingest the same way, so those pieces live here, in a module that imports none of
the command modules and so cannot form an import cycle with them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import AssistantError, redact_credentials
from ..text import clean, one_line
from ..types import IngestReport, Progress, ProgressFn

if TYPE_CHECKING:
    from rich.console import Console

    from ..api import Assistant

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

PROVIDERS = ("auto", "openai", "local", "extractive")


def provider_option(command: F) -> F:
    """The `--provider` option of the commands that answer."""
    return click.option(
        "--provider",
        type=click.Choice(PROVIDERS),
        default=None,
        help="Who answers (default: llm.provider from the config).",
    )(command)


def _remember(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None and param.name:
        ctx.ensure_object(dict)[param.name] = value


def add_group_options(command: click.Command) -> None:
    """Accept the group's --config and --data-dir after `command` too (`assistant articles
    --data-dir DIR`), and on every subcommand below it."""
    for name, kind, text in (
        ("--config", click.Path(dir_okay=False), "Config file (TOML)."),
        ("--data-dir", click.Path(file_okay=False), "Where the index lives."),
    ):
        command.params.append(
            click.Option([name], type=kind, help=text, expose_value=False, callback=_remember)
        )
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_group_options(sub)


def not_empty(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An argument that must hold some text: `ask ""` is a usage error, not a question."""
    if not value.strip():
        raise click.BadParameter("is empty", ctx=ctx, param=param)
    return value


def make_assistant(ctx: click.Context, **overrides: Any) -> Assistant:
    """The `Assistant` for this command: the group's --config and --data-dir, then
    `overrides` (None values are ignored)."""
    from ..api import Assistant

    opts = ctx.obj or {}
    if opts.get("data_dir"):
        overrides["store__data_dir"] = opts["data_dir"]
    bot = Assistant.from_config(opts.get("config"), **overrides)
    bot.on_notice = lambda message: click.echo(f"notice: {redact(message)}", err=True)
    return bot


def echo_json(data: Any) -> None:
    """`data` as indented JSON on stdout (non-ASCII kept)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def err_console() -> Console:
    """A rich console on stderr that highlights nothing."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def with_progress(label: str, as_json: bool, work: Callable[[ProgressFn], T]) -> T:
    """Run `work(progress_callback)` under a rich progress bar on stderr (when a terminal)."""
    from rich import progress as bars

    console = err_console()
    with bars.Progress(
        bars.TextColumn("{task.description:<14}"),
        bars.BarColumn(),
        bars.MofNCompleteColumn(),
        bars.TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json or not console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None)

        def on_progress(p: Progress) -> None:
            bar.update(task, description=p.phase, completed=p.done, total=p.total or None)

        return work(on_progress)


def show_report(report: IngestReport, as_json: bool) -> None:
    """The ingest report (JSON or a summary); an error when nothing could be read."""
    if as_json:
        echo_json(report.to_dict())
    elif report.ok:
        print_report(report)
    warn_skipped(report, as_json)
    if not report.ok:  # every input was skipped: one line that says why
        first = report.skipped[0]
        more = f" (and {len(report.skipped) - 1} more skipped)" if len(report.skipped) > 1 else ""
        raise AssistantError(f"nothing could be read: {first.path}: {first.reason}{more}")


def warn_skipped(report: IngestReport, as_json: bool) -> None:
    """Some inputs were skipped but others were read: say how many, on stderr."""
    if report.ok and report.skipped:
        where = "listed in the report" if as_json else "reasons above"
        click.echo(f"warning: {len(report.skipped)} skipped ({where})", err=True)


def print_report(report: IngestReport) -> None:
    """One summary line of an ingest on stderr, then the first 20 skipped inputs."""
    from rich.text import Text

    out = err_console()
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
    for twin, indexed in report.duplicates_of[:20]:
        line = Text("  duplicate ", style="dim")
        line.append(one_line(f"{twin}: duplicate of {indexed} (the same text, indexed once)"))
        out.print(line, soft_wrap=True)
    if len(report.duplicates_of) > 20:
        more = len(report.duplicates_of) - 20
        out.print(f"  … and {more} more duplicates (use --json to list all)")


def redact(message: str) -> str:
    """An error message never shows the API key or a URL's user:password, whatever a
    library put in it."""
    key = os.environ.get("OPENAI_API_KEY", "")
    message = redact_credentials(message)
    return message.replace(key, "***") if len(key) >= 8 else message


def provider_option_saying(
    help_text: str,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The `--provider` option with its own help: who answers (or writes)."""
    return click.option("--provider", type=click.Choice(PROVIDERS), default=None, help=help_text)
