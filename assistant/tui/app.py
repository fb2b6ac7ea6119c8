"""The Textual application: screens, key bindings, commands, and opening the index.

`NewsApp` is given an `Assistant` and paints at once: nothing heavy happens in `__init__`
or `compose`. The store and the embedding model are opened by a thread worker after the
first paint, which posts `IndexOpened`; answers and ingests run in the screens' workers.
Every action is a key binding shown in the footer (F1 lists them all) and a command in the
palette (ctrl+p). The theme and the questions asked outlast a restart (in the data dir).
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
    ArticlesCounted,
    ExportDone,
    FeedsRefreshed,
    IndexFailed,
    IndexOpened,
    IngestDone,
    PreferencesLoaded,
    describe_error,
    worker_error,
)
from .screens.article import ArticleScreen
from .screens.chat import ChatScreen

if TYPE_CHECKING:
    from ..api import Assistant
    from ..history import ConversationStore
    from .screens.help import Keys
    from .screens.library import LibraryScreen

DARK, LIGHT = "textual-dark", "textual-light"
RECOUNT_SECONDS = 2.0
"""How often the article count is read again (an ingest in another process shows up)."""
THEME = "tui.theme"
"""The name of the saved theme preference."""


class NewsApp(App[None]):
    """Chat with your news articles, with citations you can follow."""

    TITLE = "News assistant"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f1,question_mark",
            "help",
            "Help",
            key_display="F1",
            tooltip="This help (? works outside the question box)",
        ),
        Binding("ctrl+n", "new_conversation", "New", tooltip="Start a new conversation"),
        Binding("ctrl+o", "conversations", "Chats", tooltip="Saved conversations: resume, delete"),
        Binding("ctrl+l", "library", "Library", tooltip="The articles: browse, filter, ingest"),
        Binding("ctrl+b", "briefing", "Briefing", tooltip="What happened: stories across outlets"),
        Binding("ctrl+t", "toggle_dark", "Theme", tooltip="Light or dark theme (kept)"),
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
        self.load_preferences()

    # -- what the last session left ---------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="preferences")
    def load_preferences(self) -> None:
        store = self.conversations
        self.post_message(PreferencesLoaded(store.preference(THEME), store.questions()))

    def on_preferences_loaded(self, message: PreferencesLoaded) -> None:
        if message.theme in self.available_themes:
            self.theme = message.theme
        self.chat.input.history[:0] = message.questions  # before any asked meanwhile
        self.theme_changed_signal.subscribe(self, lambda theme: self.save_theme(theme.name))

    @work(thread=True, exit_on_error=False, group="preferences")
    def save_theme(self, name: str) -> None:
        self.conversations.set_preference(THEME, name)

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
        notices = tuple(self.assistant.notices)
        self.post_message(IndexOpened(articles, provider, model, notices))
        if articles:
            try:  # while the user types: the first answer then starts sooner
                self.assistant.warm_up()
            except Exception:  # noqa: BLE001 - the first question reports what is wrong
                pass

    def on_index_opened(self, message: IndexOpened) -> None:
        self.chat.status.show_index(message.articles, message.provider, message.model)
        for notice in message.notices:  # what opening the store repaired
            self.notify(notice, title="Index repaired", markup=False)
        if not message.articles:
            self.notify("The index is empty: open the Library (ctrl+l) to ingest articles.")
        self.set_interval(RECOUNT_SECONDS, self.recount)
        every = self.assistant.settings.feeds.watch_minutes * 60
        self.set_interval(min(max(every / 4, 0.5), 60.0), self.refresh_due_feeds)

    @work(thread=True, exclusive=True, exit_on_error=False, group="counts")
    def recount(self) -> None:
        """Read the article count again, off the event loop (a cheap Chroma count)."""
        try:
            articles = self.assistant.counts()[0]
        except Exception:  # noqa: BLE001 - the next search reports a broken store
            return
        self.post_message(ArticlesCounted(articles))

    def on_articles_counted(self, message: ArticlesCounted) -> None:
        self.chat.status.articles = message.articles

    # -- feeds, on the watch schedule -----------------------------------------------------
    def refresh_due_feeds(self) -> None:
        """Each tick: refresh the feeds that are due (`feeds watch`'s schedule), unless a
        refresh is still running."""
        if not any(w.group == "feeds" and not w.is_finished for w in self.workers):
            self.feeds_worker()

    @work(thread=True, exit_on_error=False, group="feeds")
    def feeds_worker(self) -> None:
        if not self.assistant.feeds_list():
            return
        done = self.assistant.feeds_refresh_due()
        new = sum(r.report.added for r in done)
        updated = sum(r.report.updated for r in done)
        if new or updated:
            articles = self.assistant.counts()[0]
            self.post_message(FeedsRefreshed(new, updated, len(done), articles))

    def on_feeds_refreshed(self, message: FeedsRefreshed) -> None:
        self.chat.status.articles = message.articles
        said = f"{message.new} new article{'s' if message.new != 1 else ''}"
        if message.updated:
            said += f", {message.updated} updated"
        self.notify(f"{said} from your feeds.", title="Feeds refreshed")

    def on_index_failed(self, message: IndexFailed) -> None:
        self.chat.status.show_index(None, error=message.error)
        self.notify(message.error, title="Cannot open the index", severity="error", markup=False)

    def on_ingest_done(self, message: IngestDone) -> None:
        """Bubbled up from the library: keep the chat's article count current."""
        self.chat.status.show_index(len(message.articles))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = worker_error(event)
        if error is None:
            return
        if event.worker.group == "index":  # a bug, not a failure the worker expected
            self.chat.status.show_index(None, error=error)
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

    def action_briefing(self) -> None:
        from .screens.briefing import BriefingScreen

        self._back_to_chat()
        self.push_screen(BriefingScreen(self.assistant))

    # -- conversations out ----------------------------------------------------------------
    def action_export_conversation(self) -> None:
        """Write the open conversation to Markdown (with its sources and quotes)."""
        conversation_id = self.chat.conversation_id
        if conversation_id is None:
            self.notify("Nothing to export yet: ask a question first.")
            return
        self.export_worker(conversation_id)

    @work(thread=True, exit_on_error=False, group="export")
    def export_worker(self, conversation_id: int) -> None:
        folder = self.assistant.settings.data_path / "exports"
        path = folder / f"conversation-{conversation_id}.md"
        try:
            markdown = self.conversations.export(conversation_id, "md")
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(markdown, encoding="utf-8")
        except (OSError, KeyError) as exc:
            self.post_message(ExportDone(None, describe_error(exc)))
            return
        self.post_message(ExportDone(str(path)))

    def on_export_done(self, message: ExportDone) -> None:
        if message.path is None:
            self.notify(f"Export failed: {message.error}", severity="error", markup=False)
        else:
            self.notify(f"Exported to {message.path}", title="Conversation", markup=False)

    def action_copy_answer(self) -> None:
        """Copy the latest answer, with its sources and quotes, as Markdown."""
        from ..history import SavedTurn, turn_markdown

        latest = self.chat.latest_answer()
        if latest is None:
            self.notify("No answer to copy yet.")
            return
        question, answer = latest
        self.copy_to_clipboard(turn_markdown(SavedTurn(question, answer.text, answer.citations)))
        self.notify("The latest answer and its sources are on the clipboard.", timeout=3)

    def action_toggle_dark(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(help_sections()))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):  # its "Keys" lists widget keys
            if command.title != "Keys":
                yield command
        yield SystemCommand("Help", "Every key of the news assistant (F1)", self.action_help)
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
            "Briefing", "What happened today, story by story, with citations", self.action_briefing
        )
        yield SystemCommand(
            "Export conversation",
            "Write the open conversation to Markdown with its sources and quotes",
            self.action_export_conversation,
        )
        yield SystemCommand(
            "Copy latest answer",
            "Copy the latest answer with its sources (Markdown)",
            self.action_copy_answer,
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


def help_sections() -> list[tuple[str, Keys]]:
    """The help screen's sections: the app's keys, the chat's (with the keys its widgets
    handle), then each other screen's."""
    from .screens.conversations import ConversationsScreen
    from .screens.help import keys_of
    from .screens.library import LibraryScreen

    chat = [
        ("Enter", "Ask the question in the box"),
        ("↑ / ↓", "Earlier questions, in the question box"),
        ("Tab", "Go to the Sources panel: ↑ ↓ choose, Enter opens the article"),
        *keys_of(ChatScreen.BINDINGS),
        ("alt+↑ / alt+↓", "Show the sources of the answer before / after"),
        ("PageUp / PageDown", "Scroll the conversation"),
    ]
    return [
        ("Everywhere", [*keys_of(NewsApp.BINDINGS), ("ctrl+p", "Command palette")]),
        ("Chat", chat),
        ("Library", keys_of(LibraryScreen.BINDINGS)),
        ("Conversations", keys_of(ConversationsScreen.BINDINGS)),
        ("Article", keys_of(ArticleScreen.BINDINGS)),
    ]


def run_app(assistant: Assistant) -> None:
    """Run the chat in the terminal until the user quits."""
    NewsApp(assistant).run()
