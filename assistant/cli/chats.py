"""The `assistant chats` group: list, show and export the saved conversations.

The conversations are the ones the chat saves (`Assistant.history`); `export` writes
Markdown (questions, answers, and each source with the quote that backs it) or JSON to
stdout, so `assistant chats export 3 > chat.md` keeps a conversation with its evidence.
"""

from __future__ import annotations

from datetime import datetime

import click

from ..errors import AssistantError
from ..text import clean
from .common import echo_json, make_assistant


@click.group()
def chats() -> None:
    """The saved conversations of the chat."""


@chats.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def chats_list(ctx: click.Context, as_json: bool) -> None:
    """List the saved conversations, most recent first."""
    items = make_assistant(ctx).history.recent()
    if as_json:
        echo_json(
            [
                {
                    "id": c.id,
                    "title": c.title,
                    "updated": datetime.fromtimestamp(c.updated).isoformat(timespec="seconds"),
                    "turns": c.turns,
                }
                for c in items
            ]
        )
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    if not items:
        console.print("No saved conversations yet: ask something in the chat (assistant).")
        return
    table = Table("id", "title", "questions", "updated", box=None)
    for c in items:
        when = datetime.fromtimestamp(c.updated).strftime("%Y-%m-%d %H:%M")
        table.add_row(str(c.id), Text(clean(c.title)), str(c.turns), when)
    console.print(table)


def _export(ctx: click.Context, conversation_id: int, fmt: str) -> str:
    try:
        return make_assistant(ctx).history.export(conversation_id, fmt)
    except KeyError:
        raise AssistantError(
            f"no conversation {conversation_id} (see: assistant chats list)"
        ) from None


@chats.command(name="show")
@click.argument("conversation_id", type=int)
@click.pass_context
def chats_show(ctx: click.Context, conversation_id: int) -> None:
    """Show a conversation with its sources."""
    from rich.console import Console
    from rich.markdown import Markdown

    Console(highlight=False).print(Markdown(clean(_export(ctx, conversation_id, "md"))))


@chats.command(name="export")
@click.argument("conversation_id", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"]),
    default="md",
    show_default=True,
    help="Markdown with the sources' quotes, or JSON.",
)
@click.pass_context
def chats_export(ctx: click.Context, conversation_id: int, fmt: str) -> None:
    """Print a conversation as Markdown (with its sources' quotes) or JSON."""
    click.echo(clean(_export(ctx, conversation_id, fmt)), nl=False)
