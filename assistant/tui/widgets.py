"""The widgets of the conversation view: questions, streaming answers, input, status line.

They only display what they are given: answers arrive as text chunks and finished `Answer`
values from the chat screen's worker. The answer is rendered as markdown, with every `[n]`
marker turned into a link that opens the cited article; everything else (questions, notes,
status) is shown as plain text, never as markup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Input, Label, Static

from ..render import clean

if TYPE_CHECKING:
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

    from ..types import Citation

CITATION = re.compile(r"\[(\d{1,3})\]")
CITE_SCHEME = "cite:"


def link_citations(text: str) -> str:
    """Markdown for an answer: control characters removed, `[n]` made a `cite:n` link.

    The answer stream never splits a marker across chunks (the `Renumberer` holds partial
    ones back), so chunks can be converted one at a time."""
    return CITATION.sub(lambda m: f"[\\[{m[1]}\\]]({CITE_SCHEME}{m[1]})", clean(text))


class QuestionMessage(Vertical):
    """A question as the user typed it."""

    DEFAULT_CSS = """
    QuestionMessage {
        height: auto;
        margin: 1 1 0 1;
        padding: 0 1;
        border-left: outer $primary;
        & > .who { color: $text-primary; text-style: bold; }
        & > Static { text-style: bold; }
    }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        yield Label("You", classes="who")
        yield Static(Text(clean(self.question)))


class AnswerMessage(Vertical):
    """An answer: streamed markdown, then the verified text with its citations."""

    DEFAULT_CSS = """
    AnswerMessage {
        height: auto;
        margin: 1 1 0 1;
        padding: 0 1;
        border-left: outer $success;
        & > .who { color: $text-success; text-style: bold; }
        & > Markdown {
            margin: 0;
            padding: 0;
            background: transparent;
            link-color: $text-accent;
            link-style: bold underline;
        }
        & > Markdown > MarkdownBlock:last-child { margin-bottom: 0; }
        & > .note { color: $text-muted; text-style: italic; }
        & > .note.-empty { display: none; }
        &.-cancelled { border-left: outer $warning; }
        &.-cancelled > Markdown { opacity: 70%; }
    }
    """

    def __init__(
        self, text: str = "", citations: tuple[Citation, ...] = (), note: str = ""
    ) -> None:
        super().__init__()
        self.text = text
        self.citations = citations
        self._note = note
        self._stream: MarkdownStream | None = None

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown  # markdown-it is imported after the first paint

        yield Label("Assistant", classes="who")
        yield Markdown(link_citations(self.text), open_links=False)
        yield Label(Text(self._note), classes="note" if self._note else "note -empty")

    @property
    def markdown(self) -> Markdown:
        from textual.widgets import Markdown

        return self.query_one(Markdown)

    def citation(self, n: int) -> Citation | None:
        return next((c for c in self.citations if c.n == n), None)

    def set_note(self, note: str) -> None:
        label = self.query_one(".note", Label)
        label.update(Text(note))
        label.set_class(not note, "-empty")

    async def write(self, chunk: str) -> None:
        """Append streamed text."""
        if self._stream is None:
            from textual.widgets import Markdown

            self.set_note("")
            self._stream = Markdown.get_stream(self.markdown)
        self.text += chunk
        await self._stream.write(link_citations(chunk))

    async def _stop(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    async def finish(self, text: str, citations: tuple[Citation, ...], note: str = "") -> None:
        """Show the verified text (markers may have moved) and keep its citations."""
        await self._stop()
        self.text, self.citations = text, citations
        await self.markdown.update(link_citations(text))
        self.set_note(note)

    async def cancelled(self) -> None:
        await self._stop()
        self.add_class("-cancelled")
        self.set_note("cancelled" if self.text else "cancelled before any text arrived")


class HistoryInput(Input):
    """An Input that recalls earlier entries with up and down."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous question", show=False),
        Binding("down", "history(1)", "Next question", show=False),
    ]

    def __init__(self, placeholder: str = "", id: str | None = None) -> None:  # noqa: A002
        # no select-all on focus: a letter typed elsewhere on the screen lands here
        super().__init__(placeholder=placeholder, id=id, select_on_focus=False)
        self.history: list[str] = []
        self._index: int | None = None
        self._draft = ""

    def remember(self, entry: str) -> None:
        if entry and (not self.history or self.history[-1] != entry):
            self.history.append(entry)
        self._index = None

    def action_history(self, step: int) -> None:
        if not self.history or (self._index is None and step > 0):
            return
        if self._index is None:
            self._draft = self.value
            index = len(self.history) - 1
        else:
            index = max(0, self._index + step)
        if index >= len(self.history):
            self._index, self.value = None, self._draft
        else:
            self._index, self.value = index, self.history[index]
        self.cursor_position = len(self.value)


class StatusLine(Static):
    """Provider and model, indexed articles, the last answer's time, what is going on."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    provider: reactive[str] = reactive("")
    model: reactive[str] = reactive("")
    articles: reactive[int | None] = reactive(None)
    seconds: reactive[float | None] = reactive(None)
    activity: reactive[str] = reactive("")

    def render(self) -> Text:
        parts: list[Text] = []
        if self.provider:
            label = (
                self.provider if self.model in ("", "none") else f"{self.provider} · {self.model}"
            )
            parts.append(Text(clean(label), style="bold"))
        if self.articles is None:
            parts.append(Text("opening the index…"))
        else:
            noun = "article" if self.articles == 1 else "articles"
            parts.append(Text(f"{self.articles} {noun} indexed"))
        if self.seconds is not None:
            parts.append(Text(f"last answer {self.seconds:.1f} s"))
        if self.activity:
            parts.append(Text(self.activity, style="italic"))
        return Text("  │  ").join(parts)
