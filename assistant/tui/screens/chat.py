"""The chat screen: ask questions, watch answers stream in, follow their citations.

Answers come from a thread worker that drives the conversation's `Chat` stream and posts
`AnswerChunk` / `AnswerDone` / `AnswerFailed` messages; this screen only updates widgets.
The view follows the stream while it is scrolled to the bottom (the scroll is anchored and
lets go as soon as the user scrolls up). Esc cancels an answer; a failure shows as a
notification and puts the question back into the input.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker, get_current_worker

from ...api import Step
from ...history import title_of
from ...text import clean
from ...types import Turn
from ..messages import (
    AnswerChunk,
    AnswerDone,
    AnswerFailed,
    AnswerStep,
    ConversationLoaded,
    describe_error,
    worker_error,
)
from ..widgets.citations import CitationsPanel
from ..widgets.conversation import CITE_SCHEME, AnswerView, QuestionView
from ..widgets.question_input import HistoryInput
from ..widgets.status_line import StatusLine
from .article import ArticleScreen

if TYPE_CHECKING:
    from textual.widgets import Markdown

    from ...api import AnswerStream, Assistant
    from ...history import ConversationStore
    from ...types import Answer, Citation

WELCOME = (
    "Ask a question about your articles. Answers cite their sources as [n]: click one, or "
    "pick it in the Sources panel (Tab, then Enter or 1-9), to read the article."
)


class ChatScreen(Screen[None]):
    """The conversation, the sources of the latest answer, the input and the status line."""

    DEFAULT_CSS = """
    ChatScreen {
        & > #main { height: 1fr; }
        & #conversation { width: 1fr; }
        & #welcome { color: $text-muted; padding: 1 2; }
        & > #question { margin: 0 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel answer"),
        Binding("1", "open_source(1)", "Open source", key_display="1-9"),
        *(Binding(str(n), f"open_source({n})", f"Source {n}", show=False) for n in range(2, 10)),
    ]

    def __init__(self, assistant: Assistant, store: ConversationStore) -> None:
        super().__init__()
        self.assistant = assistant
        self.store = store
        self.chat = assistant.chat()
        self.conversation_id: int | None = None
        self._asks = 0
        self._current: int | None = None
        """The number of the answer in progress (messages of any other are stale)."""
        self._answering: AnswerView | None = None
        self._question = ""
        self._handle: AnswerStream | None = None
        self._worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with VerticalScroll(id="conversation"):
                yield Static(WELCOME, id="welcome", markup=False)
            yield CitationsPanel(id="sources")
        yield HistoryInput(placeholder="Ask about your articles  (↑ ↓ history)", id="question")
        yield StatusLine()
        yield Footer()

    def on_key(self, event: events.Key) -> None:
        """Typing a letter anywhere on the chat screen types into the question box (digits
        stay bindings for opening sources)."""
        char = event.character
        if (
            event.is_printable
            and char
            and not char.isdigit()
            and not isinstance(self.focused, Input)
        ):
            self.input.focus()
            self.input.insert_text_at_cursor(char)
            event.stop()

    def on_mount(self) -> None:
        self.sub_title = "New conversation"
        self.conversation.anchor()
        self.query_one("#question").focus()

    @property
    def conversation(self) -> VerticalScroll:
        return self.query_one("#conversation", VerticalScroll)

    @property
    def sources(self) -> CitationsPanel:
        return self.query_one(CitationsPanel)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def input(self) -> HistoryInput:
        return self.query_one("#question", HistoryInput)

    @property
    def answering(self) -> bool:
        return self._current is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.answering
        if action == "open_source" and parameters:
            panel = next(iter(self.query(CitationsPanel)), None)
            return panel is not None and panel.citation(int(str(parameters[0]))) is not None
        return True

    # -- asking ---------------------------------------------------------------------------
    @on(Input.Submitted, "#question")
    async def submit(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        if self.answering:
            self.notify("An answer is on its way; Esc cancels it.", severity="warning")
            return
        self.input.value = ""
        self.input.remember(question)
        await self.ask(question)

    async def ask(self, question: str) -> None:
        """Show the question and start answering it in a worker."""
        await self.conversation.query("#welcome").remove()
        self._asks += 1
        self._current, self._question = self._asks, question
        self._answering = AnswerView(note="searching the articles…")
        await self.conversation.mount_all([QuestionView(question), self._answering])
        self.conversation.anchor()
        self.status.activity = "answering… (Esc cancels)"
        self._worker = self.answer(self._asks, question, self.conversation_id)
        self.refresh_bindings()

    @work(thread=True, exclusive=True, exit_on_error=False, group="answer")
    def answer(self, ask: int, question: str, conversation_id: int | None) -> None:
        """Stream the answer to `question`, save it, and post what happens."""
        worker = get_current_worker()
        chat = self.chat
        started = time.perf_counter()
        stream: AnswerStream | None = None
        try:
            if worker.is_cancelled:
                return
            stream = self._handle = chat.stream(question)
            for event in stream.events():
                if worker.is_cancelled:
                    stream.cancel()
                elif isinstance(event, Step):
                    self.post_message(AnswerStep(ask, event.text))
                else:
                    self.post_message(AnswerChunk(ask, event))
            answer = stream.answer()
        except Exception as exc:  # any failure becomes a notification, never a crash
            if not worker.is_cancelled:
                self.post_message(AnswerFailed(ask, question, describe_error(exc)))
            return
        finally:
            if stream is not None and self._handle is stream:
                self._handle = None
        if worker.is_cancelled:  # the chat did not record it either
            return
        seconds = time.perf_counter() - started
        warning = None
        try:
            conversation_id = self.store.add_turn(conversation_id, answer)
        except Exception as exc:
            warning = f"The conversation could not be saved: {exc}"
        self.post_message(AnswerDone(ask, answer, seconds, conversation_id, warning))

    def _end(self, ask: int) -> AnswerView | None:
        """Stop tracking answer `ask`; its widget, or None if the message is stale."""
        if ask != self._current:
            return None
        widget, self._answering, self._current = self._answering, None, None
        self.status.activity = ""
        self.refresh_bindings()
        return widget

    def on_answer_step(self, message: AnswerStep) -> None:
        if message.ask == self._current and self._answering is not None:
            self._answering.set_note(f"{message.text}…")

    async def on_answer_chunk(self, message: AnswerChunk) -> None:
        if message.ask == self._current and self._answering is not None:
            await self._answering.write(message.text)

    async def on_answer_done(self, message: AnswerDone) -> None:
        widget = self._end(message.ask)
        if widget is None:
            return
        answer = message.answer
        await widget.finish(answer.text, answer.citations, self.note(answer))
        self.sources.show(
            answer.citations,
            empty="No sources: the articles don't answer this."
            if answer.abstained
            else "No sources for this answer.",
        )
        self.status.provider, self.status.model = answer.provider, answer.model
        self.status.seconds = message.seconds
        if message.conversation_id is not None and self.conversation_id is None:
            self.sub_title = title_of(clean(answer.question))
        self.conversation_id = message.conversation_id
        if message.warning:
            self.notify(message.warning, severity="warning", markup=False)
        if answer.partial:
            self.notify(f"The answer is incomplete: {answer.error}", markup=False)
        self.refresh_bindings()

    @staticmethod
    def note(answer: Answer) -> str:
        if answer.partial:
            return f"incomplete: {answer.error}"
        if answer.dropped_markers:
            return f"{answer.dropped_markers} marker(s) pointing at no source were removed"
        return ""

    async def on_answer_failed(self, message: AnswerFailed) -> None:
        widget = self._end(message.ask)
        if widget is None:
            return
        await self._retract(widget, message.question)
        self.notify(message.error, title="No answer", severity="error", markup=False)

    async def _retract(self, widget: AnswerView, question: str) -> None:
        """Remove an unanswered question from the view and put it back into the input."""
        self.input.value = question
        self.input.cursor_position = len(question)
        self.input.focus()
        asked = self.conversation.children[-2:]
        if asked and asked[-1] is widget:
            await self.conversation.remove_children(list(asked))

    async def action_cancel(self) -> None:
        """Stop the answer in progress (Esc)."""
        if self._handle is not None:
            self._handle.cancel()
        if self._worker is not None:
            self._worker.cancel()
        question = self._question
        widget = self._end(self._current) if self._current is not None else None
        if widget is None:
            return
        if widget.text:
            await widget.cancelled()
        else:
            await self._retract(widget, question)
        self.notify("Answer cancelled.", timeout=2)

    # -- citations ------------------------------------------------------------------------
    def open_citation(self, citation: Citation) -> None:
        self.app.push_screen(ArticleScreen(self.assistant, citation.article_id, citation))

    def on_citations_panel_selected(self, message: CitationsPanel.Selected) -> None:
        self.open_citation(message.citation)

    def action_open_source(self, n: int) -> None:
        citation = self.sources.citation(n)
        if citation is not None:
            self.open_citation(citation)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        href = event.href
        if href.startswith(CITE_SCHEME) and href[len(CITE_SCHEME) :].isdigit():
            owner = event.markdown.parent
            if isinstance(owner, AnswerView):
                citation = owner.citation(int(href[len(CITE_SCHEME) :]))
                if citation is not None:
                    self.open_citation(citation)
        elif href.startswith(("http://", "https://")):
            self.app.open_url(href)

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = worker_error(event)
        if error is None:
            return
        if event.worker is self._worker and self._current is not None:
            await self.on_answer_failed(AnswerFailed(self._current, self._question, error))
        else:
            self.notify(error, title="Something went wrong", severity="error", markup=False)

    # -- conversations --------------------------------------------------------------------
    async def new_conversation(self) -> None:
        await self.action_cancel()
        self.chat = self.assistant.chat()
        self.conversation_id = None
        self.sub_title = "New conversation"
        await self.conversation.remove_children()
        await self.conversation.mount(Static(WELCOME, id="welcome", markup=False))
        self.sources.show([])
        self.input.focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="conversation")
    def resume(self, conversation_id: int) -> None:
        """Load a saved conversation (then `on_conversation_loaded` shows it)."""
        turns = self.store.turns(conversation_id)
        self.post_message(
            ConversationLoaded(conversation_id, self.store.title(conversation_id), turns)
        )

    async def on_conversation_loaded(self, message: ConversationLoaded) -> None:
        await self.action_cancel()
        self.chat = self.assistant.chat([Turn(t.question, t.answer) for t in message.turns])
        self.conversation_id = message.conversation_id
        self.sub_title = clean(message.title)
        view = []
        for turn in message.turns:
            note = "incomplete" if turn.partial else ""
            view += [
                QuestionView(turn.question),
                AnswerView(turn.answer, turn.citations, note),
            ]
        await self.conversation.remove_children()
        await self.conversation.mount_all(view or [Static(WELCOME, id="welcome", markup=False)])
        self.conversation.anchor()
        self.sources.show(message.turns[-1].citations if message.turns else [])
        for turn in message.turns:
            self.input.remember(turn.question)
        self.input.focus()
