"""The `assistant feeds` group: add (a feed, or the one a home page names), list, remove,
refresh and watch subscriptions, and import or export them as OPML.

`app.py` registers this group; only `common` is imported here, never `app`, so there is
no import cycle.
"""

from __future__ import annotations

import click

from ..errors import AssistantError
from ..text import clean, one_line
from .common import echo_json, err_console, make_assistant, show_report, with_progress


@click.group()
def feeds() -> None:
    """News feeds (RSS, Atom, RDF) that `feeds refresh` fetches into the index."""


@feeds.command(name="add")
@click.argument("url")
@click.pass_context
def feeds_add(ctx: click.Context, url: str) -> None:
    """Subscribe to the feed at URL, or to the feed a site's page at URL names (read by
    `assistant feeds refresh`)."""
    bot = make_assistant(ctx)
    found = bot.feeds_discover(url)
    added = bot.feeds_add(found.feed_url)
    feed = found.feed_url
    said = f"subscribed to {feed}" if added else f"already subscribed to {feed}"
    if found.page_url:
        named = f" ({found.title})" if found.title else ""
        said += f": the feed{named} that {found.page_url} names"
    err_console().print(clean(said), markup=False)


@feeds.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def feeds_import(ctx: click.Context, path: str) -> None:
    """Subscribe to every feed of an OPML file (as feed readers export it)."""
    from pathlib import Path

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise AssistantError(f"cannot read {path}: {exc.strerror}") from None
    result = make_assistant(ctx).feeds_import(data, Path(path).name)
    out = err_console()
    out.print(
        f"{len(result.added)} feeds subscribed, {len(result.known)} already subscribed, "
        f"{len(result.skipped)} skipped"
    )
    for skip in result.skipped:
        out.print(clean(f"  skipped {skip.path}: {skip.reason}"), style="yellow", markup=False)
    if not result.added and not result.known:
        raise AssistantError(f"{path}: no feed could be read from it")


@feeds.command(name="export")
@click.pass_context
def feeds_export(ctx: click.Context) -> None:
    """Print the subscriptions as OPML 2.0 (for another feed reader)."""
    click.echo(make_assistant(ctx).feeds_export())


@feeds.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def feeds_list(ctx: click.Context, as_json: bool) -> None:
    """List the subscribed feeds."""
    items = make_assistant(ctx).feeds_list()
    if as_json:
        echo_json([item.to_dict() for item in items])
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    if not items:
        console.print("No feeds. Add one with: assistant feeds add URL")
        return
    table = Table("url", "title", "entries", "checked", box=None)
    for item in items:
        title = Text(one_line(item.title or "")[:40])  # the feed's words, never markup
        table.add_row(Text(item.url), title, str(item.entries), item.checked or "never")
    console.print(table)


@feeds.command(name="remove")
@click.argument("url")
@click.pass_context
def feeds_remove(ctx: click.Context, url: str) -> None:
    """Unsubscribe from the feed at URL (its articles stay indexed)."""
    if not make_assistant(ctx).feeds_remove(url):
        raise AssistantError(f"not subscribed to {url}")
    err_console().print(f"unsubscribed from {url}; its articles stay indexed")


@feeds.command(name="refresh")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def feeds_refresh(ctx: click.Context, as_json: bool) -> None:
    """Fetch every subscribed feed and index new and changed entries."""
    bot = make_assistant(ctx)
    if not bot.feeds_list() and not as_json:
        err_console().print("No feeds. Add one with: assistant feeds add URL")
        return
    show_report(with_progress("fetching", as_json, bot.feeds_refresh), as_json)


@feeds.command(name="watch")
@click.option(
    "--every",
    default=None,
    help="How often to refresh each feed: 30m, 1h, 90s (default: feeds.watch_minutes).",
)
@click.pass_context
def feeds_watch(ctx: click.Context, every: str | None) -> None:
    """Refresh the subscribed feeds until stopped (Ctrl-C or SIGTERM end it between
    feeds). A feed that fails backs off; Cache-Control and Retry-After are honoured. The
    feeds are refreshed in a worker thread; the main thread only hears signals and sets
    the stop, outside the signal handler."""
    import signal
    import threading
    from datetime import datetime

    from ..text import parse_duration
    from ..types import FeedRefresh

    seconds = parse_duration(every) if every else None
    if every and not seconds:
        raise click.BadParameter(f"{every!r}: give a duration such as 30m, 1h or 90s")
    bot = make_assistant(ctx)
    stop = threading.Event()
    out = err_console()
    signals: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        # only a list append: a handler runs between any two bytecodes of the main thread,
        # and one that took a lock (Event.set, a print) could wait on a lock held under it
        signals.append(signum)

    def on_feed(done: FeedRefresh) -> None:
        when = datetime.now().strftime("%H:%M:%S")
        next_at = datetime.fromtimestamp(done.next_due).strftime("%H:%M:%S")
        r = done.report
        if done.error:
            said = f"failed: {done.error}; next try at {next_at}"
        else:
            said = f"{r.added} new, {r.updated} updated, {r.unchanged} unchanged; next at {next_at}"
        out.print(clean(f"{when} {done.url}: {said}"), markup=False, soft_wrap=True)

    failed: list[BaseException] = []

    def run() -> None:
        try:
            bot.feeds_watch(stop, seconds, on_feed)
        except BaseException as exc:  # handed to the main thread, raised there
            failed.append(exc)

    every_s = seconds or bot.settings.feeds.watch_minutes * 60
    out.print(f"watching {len(bot.feeds_list())} feeds every {every_s:g} s (Ctrl-C stops)")
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    worker = threading.Thread(target=run, name="feeds-watch", daemon=True)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
            if signals and not stop.is_set():
                out.print(f"stopping ({signal.Signals(signals[0]).name})…")
                stop.set()
    finally:
        stop.set()
        worker.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if failed:
        raise failed[0]
    out.print("stopped")
