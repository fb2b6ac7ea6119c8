"""The conversation view's widgets: a question as typed, an answer as it streams in.

They only display what they are given: answers arrive as text chunks and finished `Answer`
values from the chat screen's worker. The answer is rendered as markdown, with every `[n]`
marker turned into a link that opens the cited article; questions and notes are shown as
plain text, never as markup. The model's own links (Markdown links, autolinks, bare URLs,
images) are shown as their text: an answer links only to its citations and to the URLs of
the articles it cites, so a link a model was talked into writing cannot be clicked.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Static

from ...text import CITATION_MARK, clean

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

    from ...types import Citation

CITE_SCHEME = "cite:"


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

    DEFAULT_CSS = """
    AnswerView {
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
