"""The conversation view's widgets: a question as typed, an answer as it streams in.

They only display what they are given: answers arrive as text chunks and finished `Answer`
values from the chat screen's worker. The answer is rendered as markdown, with every `[n]`
marker turned into a link that opens the cited article; questions and notes are shown as
plain text, never as markup. The model's own links (Markdown links, autolinks, bare URLs,
images) are shown as their text: an answer links only to its citations and to the URLs of
the articles it cites, so a link a model was talked into writing cannot be clicked.
`ConversationLog` holds them and knows which answer's sources the panel shows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from ...text import CITATION_MARK, clean, one_line, quoted

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

    from ...types import Answer, Citation

CITE_SCHEME = "cite:"
CITED_MARKDOWN_CSS = """
        & > Markdown {
            margin: 0;
            padding: 0;
            background: transparent;
            link-color: $text-accent;
            link-style: bold underline;
        }
        & > Markdown > MarkdownBlock:last-child { margin-bottom: 0; }
"""
"""The CSS of markdown with citation links inside a view (answers, briefing stories)."""


def answer_note(answer: Answer) -> str:
    """The line under a finished answer: partial, or markers that were removed."""
    if answer.partial:
        return f"Partial answer: {one_line(answer.error or 'the model stopped early')}"
    if answer.dropped_markers:
        return f"{answer.dropped_markers} marker(s) pointing at no source were removed"
    return ""


def link_allowed(href: str, urls: Collection[str]) -> bool:
    """A citation link (`cite:3`) or the URL of a cited article."""
    if href.startswith(CITE_SCHEME):
        return href[len(CITE_SCHEME) :].isdigit()
    return href in urls


def answer_parser(cited_urls: Callable[[], Collection[str]]) -> Callable[[], MarkdownIt]:
    """A factory of Textual's markdown parser that unlinks every link but citations and
    `cited_urls()`: the link's text stays, as plain text; an image becomes its alt text."""

    def unlink(state: StateCore) -> None:
        from markdown_it.token import Token

        urls = {state.md.normalizeLink(url) for url in cited_urls()} | set(cited_urls())
        for block in state.tokens:
            if block.type != "inline" or not block.children:
                continue
            kept: list[Token] = []
            opened: list[bool] = []  # for each open link: was it kept?
            for token in block.children:
                if token.type == "link_open":
                    opened.append(link_allowed(str(token.attrs.get("href", "")), urls))
                    if opened[-1]:
                        kept.append(token)
                elif token.type == "link_close" and opened:
                    if opened.pop():
                        kept.append(token)
                elif token.type == "image":
                    kept.append(Token("text", "", 0, content=token.content))
                else:
                    kept.append(token)
            block.children = kept

    def factory() -> MarkdownIt:
        from markdown_it import MarkdownIt

        parser = MarkdownIt("gfm-like")
        parser.core.ruler.push("unlink_untrusted", unlink)
        return parser

    return factory


def link_citations(text: str) -> str:
    """Markdown for an answer: control characters removed, `[n]` made a `cite:n` link.

    The answer stream never splits a marker across chunks (the `Renumberer` holds partial
    ones back), so chunks can be converted one at a time."""
    return CITATION_MARK.sub(lambda m: f"[\\[{m[1]}\\]]({CITE_SCHEME}{m[1]})", clean(text))


class QuestionView(Vertical):
    """A question as the user typed it."""

    DEFAULT_CSS = """
    QuestionView {
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


class AnswerView(Vertical):
    """An answer: streamed markdown, then the verified text with its citations."""

    DEFAULT_CSS = (
        """
    AnswerView {
        height: auto;
        margin: 1 1 0 1;
        padding: 0 1;
        border-left: outer $success;
        & > .who { color: $text-success; text-style: bold; }
"""
        + CITED_MARKDOWN_CSS
        + """        & > .note { color: $text-muted; text-style: italic; }
        & > .note.-empty { display: none; }
        &.-cancelled { border-left: outer $warning; }
        &.-partial { border-left: outer $warning; }
        &.-partial > .note { color: $text-warning; text-style: bold; }
        &.-selected { border-left: thick $accent; background: $boost; }
        &.-cancelled > Markdown { opacity: 70%; }
    }
    """
    )

    def __init__(
        self,
        text: str = "",
        citations: tuple[Citation, ...] = (),
        note: str = "",
        *,
        partial: bool = False,
    ) -> None:
        super().__init__(classes="-partial" if partial else "")
        self.text = text
        self.citations = citations
        self.done = bool(text)
        """True once the answer is finished (or cancelled): its sources can be shown."""
        self._note = note
        self._stream: MarkdownStream | None = None

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown  # markdown-it is imported after the first paint

        yield Label("Assistant", classes="who")
        yield Markdown(
            link_citations(self.text),
            open_links=False,
            parser_factory=answer_parser(self.cited_urls),
        )
        yield Label(Text(self._note), classes="note" if self._note else "note -empty")

    @property
    def markdown(self) -> Markdown:
        from textual.widgets import Markdown

        return self.query_one(Markdown)

    def citation(self, n: int) -> Citation | None:
        return next((c for c in self.citations if c.n == n), None)

    def cited_urls(self) -> set[str]:
        """The URLs of the articles this answer cites: the only links it may show besides
        its citations (none while it streams)."""
        return {c.url for c in self.citations if c.url}

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

    async def finish(self, answer: Answer) -> None:
        """Show the verified text (markers may have moved) and keep its citations; a
        partial answer says so."""
        await self._stop()
        self.text, self.citations, self.done = answer.text, answer.citations, True
        await self.markdown.update(link_citations(answer.text))
        self.set_class(answer.partial, "-partial")
        self.set_note(answer_note(answer))

    def as_text(self) -> str:
        """The answer and its sources as plain text, for the clipboard."""
        lines = [clean(self.text).strip()]
        if self.citations:
            lines.append("\nSources")
        for c in self.citations:
            meta = " · ".join(x for x in (c.source, c.published, c.url or c.article_id) if x)
            lines.append(f"[{c.n}] {one_line(c.title or c.article_id)} ({one_line(meta)})")
            lines.append(f"    {quoted(one_line(c.quote))}")
        return "\n".join(lines) + "\n"

    async def cancelled(self) -> None:
        await self._stop()
        self.done = True
        self.add_class("-cancelled")
        self.set_note("cancelled" if self.text else "cancelled before any text arrived")


class ConversationLog(VerticalScroll, can_focus=False):
    """The questions and answers. Not focusable, so Tab goes from the question box straight
    to the sources panel; the chat screen scrolls it with PageUp and PageDown."""

    def __init__(self, *children: Static, id: str | None = None) -> None:  # noqa: A002
        super().__init__(*children, id=id)
        self.shown: AnswerView | None = None
        """The answer whose sources the panel shows (None: the latest)."""

    def answers(self) -> list[AnswerView]:
        """The finished answers, oldest first."""
        return [view for view in self.query(AnswerView) if view.done]

    def show(self, view: AnswerView | None) -> None:
        """Mark `view` as the answer whose sources show (highlighted unless it is the
        latest, which is what the panel shows by default)."""
        answers = self.answers()
        self.shown = view if view in answers else None
        latest = answers[-1] if answers else None
        for answer in answers:
            answer.set_class(answer is self.shown and answer is not latest, "-selected")
        if self.shown is not None and self.shown is not latest:
            self.scroll_to_widget(self.shown, animate=False)

    def step(self, step: int) -> AnswerView | None:
        """The answer `step` places before (negative) or after the one shown."""
        answers = self.answers()
        if not answers:
            return None
        current = answers.index(self.shown) if self.shown in answers else len(answers) - 1
        return answers[max(0, min(len(answers) - 1, current + step))]
