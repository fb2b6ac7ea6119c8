"""The `assistant feeds` group: add, list, remove and refresh news-feed subscriptions.

`app.py` registers this group; only `common` is imported here, never `app`, so there is
no import cycle.
"""

from __future__ import annotations

import click

from ..errors import AssistantError
from ..text import one_line
from .common import echo_json, err_console, make_assistant, show_report, with_progress


@click.group()
def feeds() -> None:
    """News feeds (RSS, Atom, RDF) that `feeds refresh` fetches into the index."""


@feeds.command(name="add")
@click.argument("url")
@click.pass_context
def feeds_add(ctx: click.Context, url: str) -> None:
    """Subscribe to the feed at URL (read by `assistant feeds refresh`)."""
    added = make_assistant(ctx).feeds_add(url)
    err_console().print(f"subscribed to {url}" if added else f"already subscribed to {url}")


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
