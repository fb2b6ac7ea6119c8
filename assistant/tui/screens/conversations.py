"""The conversations screen: list saved conversations to resume, delete, or start anew.

The list is read from the `ConversationStore` in a thread worker. The screen is dismissed
with the id of the conversation to resume, `NEW` to start a new one, or None to go back.
Deleting asks first: it cannot be undone.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker

from ...text import one_line
from ..messages import ConversationsLoaded, worker_error
from .confirm import ConfirmScreen

if TYPE_CHECKING:
    from ...history import ConversationInfo, ConversationStore

NEW = -1
"""Dismissal value meaning "start a new conversation"."""


def entry(info: ConversationInfo, current: bool) -> Text:
    when = datetime.fromtimestamp(info.updated).strftime("%Y-%m-%d %H:%M")
    line = Text(one_line(info.title), style="bold")
    turns = "1 question" if info.turns == 1 else f"{info.turns} questions"
    line.append(f"\n{when} · {turns}" + (" · open now" if current else ""), style="dim")
    return line


class ConversationsScreen(Screen[int | None]):
    """Saved conversations, most recent first."""

    DEFAULT_CSS = """
    ConversationsScreen {
        & > OptionList { height: 1fr; margin: 1 1 0 1; }
        & > #hint { color: $text-muted; padding: 0 2; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("n", "new", "New"),
        Binding("d,delete", "delete", "Delete"),
    ]

    def __init__(self, store: ConversationStore, current: int | None) -> None:
        super().__init__()
        self.store = store
        self.current = current
        self.current_deleted = False
        self.conversations: list[ConversationInfo] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield OptionList()
        yield Label("Enter resumes the highlighted conversation; d deletes it.", id="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Conversations"
        self.query_one(OptionList).loading = True
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self, delete: int | None = None) -> None:
        if delete is not None:
            self.store.delete(delete)
        self.post_message(ConversationsLoaded(self.store.recent()))

    def on_conversations_loaded(self, message: ConversationsLoaded) -> None:
        self.conversations = message.conversations
        options = self.query_one(OptionList)
        options.loading = False
        highlighted = options.highlighted
        options.clear_options()
        if not self.conversations:
            options.add_option(Option(Text("No saved conversations yet.", "dim"), disabled=True))
            return
        options.add_options(
            Option(entry(c, c.id == self.current), id=str(c.id)) for c in self.conversations
        )
        options.highlighted = min(highlighted or 0, len(self.conversations) - 1)
        options.focus()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = worker_error(event)
        if error is not None:
            self.query_one(OptionList).loading = False
            self.notify(error, title="Something went wrong", severity="error", markup=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(int(event.option.id))

    def action_back(self) -> None:
        self.dismiss(NEW if self.current_deleted else None)

    def action_new(self) -> None:
        self.dismiss(NEW)

    def action_delete(self) -> None:
        """Ask, then delete the highlighted conversation."""
        option = self.query_one(OptionList).highlighted_option
        if option is None or option.id is None:
            return
        conversation_id = int(option.id)
        info = next((c for c in self.conversations if c.id == conversation_id), None)
        what = f"“{one_line(info.title)}”" if info else "this conversation"
        self.app.push_screen(
            ConfirmScreen(f"Delete {what}? Its questions and answers cannot be restored."),
            callback=partial(self._delete, conversation_id),
        )

    def _delete(self, conversation_id: int, yes: bool | None) -> None:
        if not yes:
            return
        if conversation_id == self.current:
            self.current, self.current_deleted = None, True
        self.load(delete=conversation_id)
        self.notify("Conversation deleted.")
