"""The smaller things a new user noticed in the TUI (issue 15, items 8 and 10): a question of
spaces leaves the box empty, a quote of quoted speech is quoted once in the sources panel,
and the ingest progress reads "35% embedding", not "35%embedding"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import build_store, write
from test_tui import SIZE, ask, assistant_on, index, seeded_index, settle, until  # noqa: F401
from textual.pilot import Pilot
from textual.widgets import ProgressBar

from assistant.tui.app import NewsApp
from assistant.tui.messages import IngestProgress
from assistant.tui.screens.library import LibraryScreen

MINISTER = (
    "“The deliverables are ready for the summit,” the trade minister said on Monday, "
    "adding that the Boeing order would be signed in Beijing."
)


def screen_lines(app: NewsApp) -> list[str]:
    """The rows of the screen as the user sees them."""
    return [strip.text for strip in app.screen._compositor.render_strips()]  # noqa: SLF001


async def test_a_question_of_spaces_leaves_the_box_empty(index: Path) -> None:  # noqa: F811
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.chat.status.articles is not None)
        await pilot.press("space", "space", "space", "enter")
        await pilot.pause()
        assert app.chat.input.value == ""
        assert not app.chat.answering


async def test_a_quote_of_quoted_speech_is_quoted_once(tmp_path: Path) -> None:
    record = {"id": "minister", "title": "Trade minister", "text": MINISTER}
    corpus = write(tmp_path / "minister.jsonl", json.dumps(record) + "\n")
    build_store(tmp_path / "data", corpus)
    app = NewsApp(assistant_on(tmp_path / "data"))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot, "What did the trade minister say about the deliverables?")
        await settle(app, pilot)
        entry = str(app.chat.sources.get_option_at_index(0).prompt)
        assert "“The deliverables are ready" in entry
        assert "““" not in entry


async def test_the_progress_label_is_apart_from_the_percentage(tmp_path: Path) -> None:
    app = NewsApp(assistant_on(tmp_path / "none-yet"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.chat.status.articles == 0)
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await settle(app, pilot)
        library.set_busy(True)  # what an ingest's first progress message finds
        library.post_message(IngestProgress("embedding", 35, 100))
        await wait_for_text(pilot, app, "embedding: 35 of 100")
        await until(pilot, lambda: library.query_one(ProgressBar).region.width > 0)
        [row] = [line for line in screen_lines(app) if "embedding: 35 of 100" in line]
        assert "35% embedding: 35 of 100" in row, row


async def wait_for_text(pilot: Pilot[Any], app: NewsApp, text: str) -> None:
    await until(pilot, lambda: any(text in line for line in screen_lines(app)))
