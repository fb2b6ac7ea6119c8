"""One story of the briefing: its title, the outlets that carry it, and its cited summary.

It only displays the `Story` it is given. The summary is markdown with every `[n]` marker a
`cite:n` link (the same links as an answer's), so a click opens the cited article at its
quote; the citations follow, each with its outlet and quote, as plain text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Static

from ...text import one_line
from .conversation import CITED_MARKDOWN_CSS, link_citations

if TYPE_CHECKING:
    from ...types import Citation, Story


class StoryView(Vertical):
    """A story: title, outlets, summary with citation links, and the quotes."""

    DEFAULT_CSS = (
        """
    StoryView {
        height: auto;
        margin: 1 1 0 1;
        padding: 0 1;
        border-left: outer $accent;
        & > .title { text-style: bold; }
        & > .outlets { color: $text-accent; }
        & > .quotes { color: $text-muted; }
"""
        + CITED_MARKDOWN_CSS
        + """
    }
    """
    )

    def __init__(self, number: int, story: Story) -> None:
        super().__init__()
        self.number = number
        self.story = story

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown

        story = self.story
        yield Label(Text(f"{self.number}. {one_line(story.title)}"), classes="title")
        count = len(story.articles)
        outlets = " · ".join(story.sources)
        yield Label(
            Text(one_line(f"{outlets}  ({count} article{'s' if count > 1 else ''})")),
            classes="outlets",
        )
        yield Markdown(link_citations(one_line(story.summary)), open_links=False)
        quotes = Text()
        for c in story.citations:
            quotes.append(f"[{c.n}] {one_line(c.source or c.article_id)}: ", style="bold")
            quotes.append(f"“{one_line(c.quote)}”\n", style="italic")
        yield Static(quotes, classes="quotes")

    def citation(self, n: int) -> Citation | None:
        return next((c for c in self.story.citations if c.n == n), None)
