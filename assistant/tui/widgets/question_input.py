"""The question box: an `Input` that recalls earlier questions with up and down."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input


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
