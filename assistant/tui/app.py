"""The Textual application: screens, key bindings, commands, and opening the index.

`NewsApp` is given an `Assistant` and paints at once: nothing heavy happens in `__init__`
or `compose`. The store and the embedding model are opened by a thread worker after the
first paint, which posts `IndexOpened`; answers and ingests run in the screens' workers.
Every action is a key binding shown in the footer and a command in the palette (ctrl+p).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker

from ..errors import NoIndexError
from ..text import one_line
from .messages import (
    IndexFailed,
    IndexOpened,
    IngestDone,
    describe_error,
    worker_error,
)
from .screens.article import ArticleScreen
from .screens.chat import ChatScreen

if TYPE_CHECKING:
    from ..api import Assistant
    from ..history import ConversationStore
    from .screens.library import LibraryScreen

DARK, LIGHT = "textual-dark", "textual-light"


class NewsApp(App[None]):
    """Chat with your news articles, with citations you can follow."""

    TITLE = "News assistant"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "new_conversation", "New"),
        Binding("ctrl+o", "conversations", "Chats"),
        Binding("ctrl+l", "library", "Library"),
        Binding("ctrl+t", "toggle_dark", "Theme"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self, assistant: Assistant, *, conversations: ConversationStore | None = None
    ) -> None:
        super().__init__()
        self.assistant = assistant
        self.conversations = conversations or assistant.history
        self._chat: ChatScreen | None = None
        self._library: LibraryScreen | None = None

    @property
    def chat(self) -> ChatScreen:
        """The chat screen, at the bottom of the screen stack."""
        if self._chat is None:
            self._chat = ChatScreen(self.assistant, self.conversations)
        return self._chat

    def get_default_screen(self) -> Screen[Any]:
        return self.chat

    def on_mount(self) -> None:
        self.call_after_refresh(self.open_index)

    # -- the index ------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="index")
    def open_index(self) -> None:
        """Open the store and load the embedding model, off the event loop. Whatever
        happens, a message says so: the status line never waits on a worker that died."""
        try:
            provider, model = self.assistant.provider, self.assistant.model
            try:
                self.assistant.open()
                articles = self.assistant.counts()[0]
            except NoIndexError:  # nothing indexed yet: the library's first ingest makes it
                articles = 0
        except Exception as exc:  # a notification and a status line that says so
            self.post_message(IndexFailed(describe_error(exc)))
            return
        self.post_message(IndexOpened(articles, provider, model))
        if articles:
            try:  # while the user types: the first answer then starts sooner
                self.assistant.warm_up()
            except Exception:  # noqa: BLE001 - the first question reports what is wrong
                pass

    def on_index_opened(self, message: IndexOpened) -> None:
        self.chat.show_index(message.articles, message.provider, message.model)
        if not message.articles:
            self.notify("The index is empty: open the Library (ctrl+l) to ingest articles.")

    def on_index_failed(self, message: IndexFailed) -> None:
        self.chat.show_index(None, error=message.error)
        self.notify(message.error, title="Cannot open the index", severity="error", markup=False)

    def on_ingest_done(self, message: IngestDone) -> None:
        """Bubbled up from the library: keep the chat's article count current."""
        self.chat.show_index(len(message.articles))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = worker_error(event)
        if error is None:
            return
        if event.worker.group == "index":  # a bug, not a failure the worker expected
            self.chat.show_index(None, error=error)
        self.notify(error, title="Something went wrong", severity="error", markup=False)

    # -- actions --------------------------------------------------------------------------
    def _back_to_chat(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    async def action_new_conversation(self) -> None:
        self._back_to_chat()
        await self.chat.new_conversation()

    def action_conversations(self) -> None:
        from .screens.conversations import ConversationsScreen

        self._back_to_chat()
        screen = ConversationsScreen(self.conversations, self.chat.conversation_id)
        self.push_screen(screen, callback=self._conversation_chosen)

    async def _conversation_chosen(self, choice: int | None) -> None:
        from .screens.conversations import NEW

        if choice == NEW:
            await self.chat.new_conversation()
        elif choice is not None and choice != self.chat.conversation_id:
            self.chat.resume(choice)

    def action_library(self, focus: str | None = None) -> None:
        from .screens.library import LibraryScreen

        self._back_to_chat()
        if self._library is None:  # installed: it lives on (with its ingest) when left
            self._library = LibraryScreen(self.assistant)
            self.install_screen(self._library, "library")
        self._library.focus_on = focus
        self.push_screen(self._library)

    def action_refresh_feeds(self) -> None:
        self.action_library()
        assert self._library is not None
        self._library.start_refresh()

    def action_toggle_dark(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "New conversation", "Start over with an empty chat", self.action_new_conversation
        )
        yield SystemCommand(
            "Conversations", "List, resume or delete saved conversations", self.action_conversations
        )
        yield SystemCommand(
            "Library", "Browse and filter the indexed articles", self.action_library
        )
        yield SystemCommand(
            "Ingest", "Add a file or folder to the index", partial(self.action_library, "path")
        )
        yield SystemCommand(
            "Refresh feeds", "Fetch what is new in the subscribed feeds", self.action_refresh_feeds
        )
        yield SystemCommand(
            "Light/dark theme",
            "Switch between textual-dark and textual-light",
            self.action_toggle_dark,
        )
        if isinstance(screen, ChatScreen):
            if screen.answering:
                yield SystemCommand(
                    "Cancel answer", "Stop the answer in progress", screen.action_cancel
                )
            for citation in screen.sources.citations:
                yield SystemCommand(
                    f"Open source [{citation.n}]",
                    one_line(citation.title or citation.article_id),
                    partial(screen.open_citation, citation),
                )
        if isinstance(screen, ArticleScreen):
            yield SystemCommand(
                "Go to passage", "Scroll to the cited passage", screen.action_passage
            )


def run_app(assistant: Assistant) -> None:
    """Run the chat in the terminal until the user quits."""
    NewsApp(assistant).run()
