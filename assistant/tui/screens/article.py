"""The article screen: one indexed article, in full, scrolled to the cited passage.

Following a citation ends here. The article is fetched from the index in a thread worker;
its text is shown paragraph by paragraph as plain rich `Text` (cleaned of control
characters, never parsed as markup), with the cited span highlighted and scrolled into view.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static
from textual.worker import Worker

from ...text import clean, one_line
from ..messages import ArticleLoaded, worker_error
from ..widgets.citations import verdict

if TYPE_CHECKING:
    from ...api import Assistant
    from ...types import Article, Citation

PARAGRAPH = re.compile(r"[^\n]+")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the non-blank lines of `text`."""
    return [m.span() for m in PARAGRAPH.finditer(text) if m[0].strip()]


def highlighted(text: str, start: int, end: int, span: tuple[int, int], style: Style | str) -> Text:
    """`text[start:end]` as Text, with the part inside `span` (article offsets) styled."""
    lo, hi = max(start, span[0]), min(end, span[1])
    if lo >= hi:
        return Text(clean(text[start:end]))
    return Text.assemble(clean(text[start:lo]), (clean(text[lo:hi]), style), clean(text[hi:end]))


class Paragraph(Static):
    """One paragraph of article text."""

    DEFAULT_CSS = """
    Paragraph { margin: 0 0 1 0; }
    Paragraph.-passage { border-left: outer $warning; padding-left: 1; }
    """


class ArticleScreen(Screen[None]):
    """The whole article, with the cited passage highlighted."""

    DEFAULT_CSS = """
    ArticleScreen {
        & > #head { height: auto; padding: 0 2; background: $boost; }
        & > #head > #title { text-style: bold; color: $text-primary; }
        & > #head > .meta { color: $text-muted; }
        & > #body { padding: 1 2; }
        & .article--passage { background: $warning 25%; text-style: bold; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"article--passage"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("p", "passage", "Passage"),
        Binding("home", "top", "Top", show=False),
    ]

    def __init__(
        self, assistant: Assistant, article_id: str, citation: Citation | None = None
    ) -> None:
        super().__init__()
        self.assistant = assistant
        self.article_id = article_id
        self.citation = citation
        self.article: Article | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="head"):
            yield Label(Text(one_line(self.citation.title if self.citation else "")), id="title")
            yield Label("", id="meta", classes="meta")
            yield Label("", id="note", classes="meta")
        yield VerticalScroll(id="body")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Article"
        self.query_one("#body").loading = True
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        self.post_message(ArticleLoaded(self.assistant.article(self.article_id)))

    async def on_article_loaded(self, message: ArticleLoaded) -> None:
        body = self.query_one("#body", VerticalScroll)
        body.loading = False
        article = self.article = message.article
        if article is None:
            self.notify("This article is no longer in the index.", severity="warning")
            self.dismiss()
            return
        self.query_one("#title", Label).update(Text(one_line(article.title or article.id)))
        meta = [article.author, article.source, article.published, article.url or article.id]
        self.query_one("#meta", Label).update(Text(one_line(" · ".join(m for m in meta if m))))
        span = (-1, -1)
        if self.citation is not None and self.citation.end > self.citation.start:
            span = (self.citation.start, self.citation.end)
            label, _ = verdict(self.citation)
            self.query_one("#note", Label).update(
                Text(f"Passage [{self.citation.n}] highlighted ({label}) · p jumps to it")
            )
        style = self.get_component_rich_style("article--passage")
        widgets = []
        for start, end in paragraphs(article.text) or [(0, len(article.text))]:
            paragraph = Paragraph(highlighted(article.text, start, end, span, style))
            paragraph.set_class(start < span[1] and span[0] < end, "-passage")
            widgets.append(paragraph)
        await body.mount_all(widgets)
        body.focus()
        self.call_after_refresh(self.action_passage)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = worker_error(event)
        if error is not None:
            self.notify(error, title="Cannot open the article", severity="error", markup=False)
            self.dismiss()

    def action_passage(self) -> None:
        """Scroll the first highlighted paragraph to the top third of the view."""
        first = next(iter(self.query(".-passage")), None)
        if first is not None:
            body = self.query_one("#body", VerticalScroll)
            body.scroll_to_widget(first, animate=False, top=True)

    def action_top(self) -> None:
        self.query_one("#body", VerticalScroll).scroll_home(animate=False)
