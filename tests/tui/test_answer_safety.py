"""What an article or a model can put on the screen (issue 12, items 5 and 6, the TUI side):
titles stay on one line in the sources panel, the library and the article head; an answer
links only to its citations and to the articles it cites (any other link the model writes is
text); an answer whose stream broke is shown as partial.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from answering import SPOOF_ARTICLE, SPOOF_TITLE_SHOWN
from conftest import build_store, write
from servers.llm_server import FakeLLM, Reply
from test_tui import SIZE, answers, ask, assistant_on, notifications, settle, until
from textual.widgets import DataTable
from textual.widgets.markdown import MarkdownBlock

from assistant.tui.app import NewsApp
from assistant.tui.screens.article import ArticleScreen
from assistant.tui.screens.library import LibraryScreen

ARTICLE_URL = SPOOF_ARTICLE["url"]
ONE_LINE_TITLE = SPOOF_TITLE_SHOWN
QUESTION = "How many Boeing jets might China buy?"


@pytest.fixture(scope="module")
def spoof_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = write(
        tmp_path_factory.mktemp("spoof") / "trade.jsonl", json.dumps(SPOOF_ARTICLE) + "\n"
    )
    data_dir = tmp_path_factory.mktemp("spoof-index")
    build_store(data_dir, corpus)
    return data_dir


def served(index: Path, server: FakeLLM) -> Any:
    return assistant_on(
        index,
        llm__provider="openai",
        llm__base_url=server.url + "/v1",
        llm__model="test-model",
        answer__context_words=0,
    )


def links_in(app: NewsApp) -> list[str]:
    """The targets of every clickable link in the answers on screen."""
    found = []
    for answer in answers(app):
        for block in answer.markdown.query(MarkdownBlock):
            for span in block._content.spans:  # noqa: SLF001 - what the block renders
                action = getattr(span.style, "meta", {}).get("@click", "")
                found += re.findall(r"link\('([^']*)'\)", action)
    return found


async def test_an_answer_links_only_to_its_sources(spoof_index: Path, llm_server: FakeLLM) -> None:
    llm_server.script(
        "China may buy 500 Boeing commercial jets [1], says [the report](" + ARTICLE_URL + "). "
        "See the [Official notice](https://evil.example/phish), <https://evil.example/auto>, "
        "https://evil.example/bare and ![a chart](https://evil.example/chart.png)."
    )
    app = NewsApp(served(spoof_index, llm_server))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot, QUESTION)
        await settle(app, pilot)
        [answer] = answers(app)
        assert answer.citations and answer.citations[0].url == ARTICLE_URL
        links = links_in(app)
        assert "cite:1" in links and ARTICLE_URL in links
        assert not [link for link in links if "evil" in link], links
        shown = "\n".join(str(b._content) for b in answer.markdown.query(MarkdownBlock))  # noqa: SLF001
        assert "Official notice" in shown and "https://evil.example/bare" in shown


async def test_titles_stay_on_one_line(spoof_index: Path, llm_server: FakeLLM) -> None:
    llm_server.script("China may buy 500 Boeing commercial jets [1].")
    app = NewsApp(served(spoof_index, llm_server))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot, QUESTION)
        await settle(app, pilot)
        entry = str(app.chat.sources.get_option_at_index(0).prompt)
        assert ONE_LINE_TITLE in entry
        assert not any(line.startswith("[9]") for line in entry.splitlines()), entry
        assert "Wire Desk" in entry
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert any("Open source [1]" in t for t in titles)
        app.chat.action_open_source(1)
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        await until(pilot, lambda: screen.article is not None)
        await pilot.pause()
        assert str(screen.query_one("#title").render()) == ONE_LINE_TITLE
        assert "\n" not in str(screen.query_one("#meta").render())
        await pilot.press("escape")
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        library = app.screen
        table: DataTable[Any] = library.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1)
        cells = [str(cell) for cell in table.get_row_at(0)]
        assert cells[0] == ONE_LINE_TITLE and cells[1] == "Wire Desk"


async def test_a_partial_answer_is_shown_as_partial(spoof_index: Path, llm_server: FakeLLM) -> None:
    llm_server.script(Reply.cut(["China may buy 500 ", "Boeing commercial jets [1].", " And"]))
    app = NewsApp(served(spoof_index, llm_server))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot, QUESTION)
        await settle(app, pilot)
        [answer] = answers(app)
        assert answer.has_class("-partial")
        note = str(answer.query_one(".note").render())
        assert note.startswith("Partial answer: ") and llm_server.url in note
        assert any("incomplete" in m or "Partial" in m for m in notifications(app))
