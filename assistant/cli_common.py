"""Helpers shared by the `assistant` command and its sub-command modules.

`cli.py` holds the group and the core commands; `cli_feeds.py` and `cli_eval.py` hold the
`feeds` group and the `eval` command. All of them build the `Assistant`, print JSON, draw
progress and report an ingest the same way, so those pieces live here, in a module that
imports none of the command modules and so cannot form an import cycle with them.
"""

from __future__ import annotations

import json
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
