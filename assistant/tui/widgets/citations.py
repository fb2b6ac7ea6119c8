"""The citations panel ("Sources"): the latest answer's citations with their quotes.

Each entry shows the citation number (styled like the `[n]` links in the answer), the
article's title, source and date, whether the check found the passage supports the claim,
and the passage itself. Selecting an entry (click or Enter) posts `CitationsPanel.Selected`;
the chat screen opens the article. Titles and passages are article text: plain `Text` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...text import one_line, quoted
from ...types import Citation

QUOTE_LIMIT = 280


def verdict(citation: Citation) -> tuple[str, str]:
    """The support label of a citation and its style."""
    if citation.attached:
        return "attached", "dim"
    if citation.supported:
        return "supported", "green"
    return "weak", "yellow"


def describe(citation: Citation) -> Text:
    """The panel entry of one citation: number and title, metadata, quoted passage."""
    entry = Text()
    entry.append(f"[{citation.n}] ", style="bold reverse")
    entry.append(" ")
    entry.append(one_line(citation.title or citation.article_id), style="bold")
    meta = " · ".join(one_line(x) for x in (citation.source, citation.published) if x)
    entry.append("\n")
    if meta:
        entry.append(meta + "  ", style="dim")
    label, style = verdict(citation)
    entry.append(label, style=style)
    quote = one_line(citation.quote)
    if len(quote) > QUOTE_LIMIT:
        quote = quote[: QUOTE_LIMIT - 1].rstrip() + "…"
    entry.append(f"\n{quoted(quote)}", style="italic")
    return entry


class CitationsPanel(OptionList):
    """The citations of one answer; select one to open its article."""

    DEFAULT_CSS = """
    CitationsPanel {
        width: 40%;
        max-width: 60;
        height: 1fr;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        padding: 0 1;
        &:focus { border: round $accent; border-title-color: $text-accent; }
    }
    """

    @dataclass
    class Selected(Message):
        """A citation was chosen."""

        citation: Citation

    def __init__(self, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.citations: tuple[Citation, ...] = ()
        self.border_title = "Sources"

    def on_mount(self) -> None:
        self.show([])

    def show(self, citations: Sequence[Citation], empty: str = "No sources yet.") -> None:
        """Replace the entries with `citations` (or a disabled line saying `empty`)."""
        self.citations = tuple(citations)
        self.clear_options()
        if not self.citations:
            self.add_option(Option(Text(empty, style="dim italic"), disabled=True))
            return
        options: list[Option | None] = []
        for citation in self.citations:
            if options:
                options.append(None)  # a separator line
            options.append(Option(describe(citation), id=str(citation.n)))
        self.add_options(options)
        self.highlighted = 0 if self.has_focus else None

    def on_focus(self) -> None:
        if self.highlighted is None and self.citations:
            self.highlighted = 0

    def citation(self, n: int) -> Citation | None:
        return next((c for c in self.citations if c.n == n), None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            citation = self.citation(int(event.option.id))
            if citation is not None:
                self.post_message(self.Selected(citation))
