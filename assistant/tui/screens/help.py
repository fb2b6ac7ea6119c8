"""The help screen (F1, or ? outside the question box): the app's own keys, by screen.

Textual's built-in key panel lists the focused widget's editing keys; this lists what the
news assistant does, built from the screens' bindings plus the keys widgets handle (the
question box's history, the sources panel's Enter). Esc, F1, ? or q closes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

Keys = Sequence[tuple[str, str]]
"""(key as shown, what it does) rows."""


def keys_of(bindings: Iterable[BindingType]) -> Keys:
    """The shown bindings of a screen as help rows, each described by its tooltip (else its
    footer label); hidden ones are described by hand."""
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding) and binding.show and binding.description:
            keys = (
                binding.key.replace("escape", "Esc")
                .replace("question_mark", "?")
                .replace("f1", "F1")
            )
            shown = keys.replace(",", " / ") if "," in keys else binding.key_display or keys
            rows.append((shown, binding.tooltip or binding.description))
    return rows


class HelpScreen(ModalScreen[None]):
    """Every key of the app, in sections; any of Esc, F1, ? or q closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 72;
            max-width: 95%;
            height: auto;
            max-height: 90%;
            border: round $accent;
            border-title-color: $text-accent;
            background: $surface;
            padding: 0 1;
        }
        & .hint { color: $text-muted; margin-top: 1; }
        & .section { margin-top: 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark,q", "dismiss", "Close help"),
    ]

    def __init__(self, sections: Sequence[tuple[str, Keys]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            for title, rows in self.sections:
                table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
                table.add_column(style="bold", no_wrap=True)
                table.add_column()
                for key, what in rows:
                    table.add_row(Text(key), Text(what))
                yield Label(Text(title, style="bold underline"), classes="section")
                yield Static(table)
            yield Label("Esc closes this help.", classes="hint")

    def text(self) -> str:
        """Everything the screen lists, as plain lines (for tests and screen readers)."""
        return "\n".join(
            f"{title}\n" + "\n".join(f"  {key}  {what}" for key, what in rows)
            for title, rows in self.sections
        )
