"""The status line under the chat: who answers, how many articles, what is going on."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ...text import clean, one_line


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
    error: reactive[str] = reactive("")
    """Why the index could not be opened (shown instead of "opening the index…")."""

    def show_index(
        self, articles: int | None, provider: str = "", model: str = "", error: str = ""
    ) -> None:
        """The index is open with `articles` (or could not be opened, with `error`)."""
        if provider:
            self.provider, self.model = provider, model
        self.articles, self.error = articles, error

    def render(self) -> Text:
        parts: list[Text] = []
        if self.provider:
            label = (
                self.provider if self.model in ("", "none") else f"{self.provider} · {self.model}"
            )
            parts.append(Text(clean(label), style="bold"))
        if self.error:
            parts.append(Text(f"index not open: {one_line(self.error)}", style="bold red"))
        elif self.articles is None:
            parts.append(Text("opening the index…"))
        else:
            noun = "article" if self.articles == 1 else "articles"
            parts.append(Text(f"{self.articles} {noun} indexed"))
        if self.seconds is not None:
            parts.append(Text(f"last answer {self.seconds:.1f} s"))
        if self.activity:
            parts.append(Text(self.activity, style="italic"))
        return Text("  │  ").join(parts)
