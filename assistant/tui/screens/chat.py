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
from textual.containers import Horizontal
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
from ..widgets.conversation import CITE_SCHEME, AnswerView, ConversationLog, QuestionView
from ..widgets.question_input import HistoryInput
from ..widgets.status_line import StatusLine
from .article import ArticleScreen

if TYPE_CHECKING:
    from textual.widgets import Markdown

    from ...api import AnswerStream, Assistant
    from ...history import ConversationStore
    from ...types import Citation

WELCOME = (
    "Ask a question about your articles. Answers cite their sources as [n]: click one to read "
    "the article, or press Tab to reach the Sources panel, then Enter (or 1-9) opens one. "
    "alt+↑ shows the sources of earlier answers, ctrl+y copies the answer. F1 lists every key."
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
        Binding("ctrl+y", "copy_answer", "Copy answer"),
        Binding("alt+up", "show_answer(-1)", "Sources of the answer before", show=False),
        Binding("alt+down", "show_answer(1)", "Sources of the answer after", show=False),
        Binding("pageup", "scroll_log(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_log(1)", "Scroll down", show=False),
    ]

    def __init__(self, assistant: Assistant, store: ConversationStore) -> None:
        super().__init__()
        self.assistant = assistant
        self.store = store
        self.turns: list[Turn] = []
        """The conversation so far; each answer's worker continues it from a copy (nothing
        heavy happens here: building a chat opens the index and loads the models)."""
        self.status = StatusLine()
        """Made here, so what the index worker says lands even before the screen mounts."""
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
            with ConversationLog(id="conversation"):
                yield Static(WELCOME, id="welcome", markup=False)
            yield CitationsPanel(id="sources")
        yield HistoryInput(placeholder="Ask about your articles  (↑ ↓ history)", id="question")
        yield self.status
        yield Footer()

    def on_key(self, event: events.Key) -> None:
        """Typing a letter anywhere on the chat screen types into the question box (digits
        stay bindings for opening sources, ? opens the help)."""
        char = event.character
        if (
            event.is_printable
            and char
            and not char.isdigit()
            and char != "?"
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
    def conversation(self) -> ConversationLog:
        return self.query_one(ConversationLog)

    @property
    def sources(self) -> CitationsPanel:
        return self.query_one(CitationsPanel)

    @property
    def input(self) -> HistoryInput:
        return self.query_one("#question", HistoryInput)

    @property
    def answering(self) -> bool:
        return self._current is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.answering
        if action in ("copy_answer", "show_answer"):
            return bool(self.conversation.answers())
        if action == "open_source" and parameters:
            panel = next(iter(self.query(CitationsPanel)), None)
            return panel is not None and panel.citation(int(str(parameters[0]))) is not None
        return True

    # -- asking ---------------------------------------------------------------------------
    @on(Input.Submitted, "#question")
    async def submit(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            self.input.value = ""  # nothing to ask: the box is left empty, not full of spaces
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
        self._worker = self.answer(self._asks, question, self.conversation_id, list(self.turns))
        self.refresh_bindings()

    @work(thread=True, exclusive=True, exit_on_error=False, group="answer")
    def answer(
        self, ask: int, question: str, conversation_id: int | None, turns: list[Turn]
    ) -> None:
        """Stream the answer to `question` after `turns`, save it, and post what happens."""
        worker = get_current_worker()
        started = time.perf_counter()
        stream: AnswerStream | None = None
        try:
            if worker.is_cancelled:
                return
            stream = self._handle = self.assistant.chat(turns).stream(question)
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
        self.turns.append(Turn(answer.question, answer.text))
        await widget.finish(answer)
        self.show_sources(widget, answer.abstained)
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
    def show_sources(self, view: AnswerView | None, abstained: bool = False) -> None:
        """Show `view`'s citations in the panel (None: no answer yet)."""
        self.conversation.show(view)
        answers = self.conversation.answers()
        if view is None:
            self.sources.show([])
        else:
            empty = ": the articles don't answer this" if abstained else " for this answer"
            self.sources.show(view.citations, f"No sources{empty}.")
        later = view is not None and view is not answers[-1]
        number = f" of answer {answers.index(view) + 1}" if later and view else ""
        self.sources.border_title = f"Sources{number}"

    def action_show_answer(self, step: int) -> None:
        """Show the sources of an earlier (alt+up) or later (alt+down) answer."""
        view = self.conversation.step(step)
        if view is not None:
            self.show_sources(view)

    def action_copy_answer(self) -> None:
        """Copy the answer whose sources show (the latest by default), with its sources."""
        view = self.conversation.shown or next(reversed(self.conversation.answers()), None)
        if view is not None:
            self.app.copy_to_clipboard(view.as_text())
            self.notify("Answer and sources copied.", timeout=2)

    def action_scroll_log(self, pages: int) -> None:
        if pages < 0:
            self.conversation.scroll_page_up()
        else:
            self.conversation.scroll_page_down()

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

    def latest_answer(self) -> tuple[str, AnswerView] | None:
        """The latest finished answer on screen and the question it answers."""
        views = [w for w in self.conversation.children if isinstance(w, QuestionView | AnswerView)]
        for i in range(len(views) - 1, 0, -1):
            view, before = views[i], views[i - 1]
            if isinstance(view, AnswerView) and view.text and isinstance(before, QuestionView):
                if view is not self._answering:
                    return before.question, view
        return None

    # -- conversations --------------------------------------------------------------------
    async def new_conversation(self) -> None:
        await self.action_cancel()
        self.turns = []
        self.conversation_id = None
        self.sub_title = "New conversation"
        await self.conversation.remove_children()
        await self.conversation.mount(Static(WELCOME, id="welcome", markup=False))
        self.show_sources(None)
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
        self.turns = [Turn(t.question, t.answer) for t in message.turns]
        self.conversation_id = message.conversation_id
        self.sub_title = clean(message.title)
        view = []
        for turn in message.turns:
            note = "Partial answer: the model stopped before it finished" if turn.partial else ""
            view += [
                QuestionView(turn.question),
                AnswerView(turn.answer, turn.citations, note, partial=turn.partial),
            ]
        await self.conversation.remove_children()
        await self.conversation.mount_all(view or [Static(WELCOME, id="welcome", markup=False)])
        self.conversation.anchor()
        answers = self.conversation.answers()
        self.show_sources(answers[-1] if answers else None)
        for turn in message.turns:
            self.input.remember(turn.question)
        self.input.focus()
