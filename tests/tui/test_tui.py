"""The chat TUI, driven headless with Textual's pilot over a real Assistant.

Every test gets its own copy of a small index (the seed article, ingested once per module
with the extractive provider), so conversations saved by one test never show in another.
Slow streaming answers come from a tiny OpenAI-compatible SSE server run in a thread.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Markdown, ProgressBar

from assistant import Assistant
from assistant.tui.app import NewsApp
from assistant.tui.screens.article import ArticleScreen
from assistant.tui.screens.chat import ChatScreen
from assistant.tui.screens.confirm import ConfirmScreen
from assistant.tui.screens.conversations import ConversationsScreen
from assistant.tui.screens.library import LibraryScreen
from assistant.tui.widgets.conversation import AnswerView, QuestionView

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
CONFIG = REPO / "config.toml"
QUESTION = "How many Boeing jets might China buy?"
TITLE = "Media: Trump’s China visit paves way for Xi Jinping’s US trip"
SIZE = (100, 30)


def assistant_on(data_dir: Path, **overrides: Any) -> Assistant:
    options: dict[str, Any] = {"llm__provider": "extractive", **overrides}
    return Assistant.from_config(CONFIG, store__data_dir=str(data_dir), **options)


@pytest.fixture(scope="module")
def seeded_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the seed article, built once for the module."""
    data_dir = tmp_path_factory.mktemp("tui-index")
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(("ASSISTANT_", "OPENAI_")):
                mp.delenv(name)
        report = assistant_on(data_dir).ingest(SEEDS)
    assert report.added == 1, report
    return data_dir


@pytest.fixture
def index(seeded_index: Path, tmp_path: Path) -> Path:
    """This test's own copy of the seeded data dir."""
    return Path(shutil.copytree(seeded_index, tmp_path / "data"))


async def until(pilot: Pilot[Any], ready: Callable[[], object], timeout: float = 30.0) -> None:
    """Let the app run until `ready()` is true."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.05)


async def settle(app: NewsApp, pilot: Pilot[Any]) -> None:
    """Wait for every worker to finish and for their messages to be handled."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def ask(app: NewsApp, pilot: Pilot[Any], question: str = QUESTION) -> None:
    await until(pilot, lambda: app.chat.status.articles is not None)
    asked = len(answers(app))
    app.chat.input.value = question
    await pilot.press("enter")
    await until(pilot, lambda: len(answers(app)) > asked)


def answers(app: NewsApp) -> list[AnswerView]:
    return list(app.chat.query(AnswerView))


def notifications(app: NewsApp) -> list[str]:
    return [n.message for n in app._notifications]


# -- a slow OpenAI-compatible server --------------------------------------------------------
class SlowCompletions(BaseHTTPRequestHandler):
    """POST /v1/chat/completions with stream=true: one word every 0.2 s, 50 words."""

    words = 50
    delay = 0.2

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert body.get("stream") is True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            for n in range(self.words):
                chunk = {"choices": [{"index": 0, "delta": {"content": f"word{n} "}}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                time.sleep(self.delay)
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client cancelled

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowCompletions)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


# -- flows ----------------------------------------------------------------------------------
async def test_answer_streams_with_sources_and_status(index: Path) -> None:
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot)
        await settle(app, pilot)
        [answer] = answers(app)
        assert "500" in answer.text
        assert "[\\[1\\]](cite:1)" in answer.markdown.source  # the marker is a link
        sources = app.chat.sources
        assert [c.title for c in sources.citations] == [TITLE]
        assert TITLE in str(sources.get_option_at_index(0).prompt)
        status = app.chat.status
        assert (status.provider, status.articles) == ("extractive", 1)
        assert status.seconds is not None and status.activity == ""
        assert "1 article indexed" in str(status.render())
        assert app.chat.input.value == ""
        assert len(app.chat.turns) == 1


async def test_citation_opens_the_article_at_the_passage(index: Path) -> None:
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot)
        await settle(app, pilot)
        await pilot.press("tab")  # focus leaves the input: digits open sources
        assert not isinstance(app.focused, Input)
        await pilot.press("1")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        await until(pilot, lambda: screen.article is not None)
        await pilot.pause()
        passage = screen.query(".-passage")
        assert len(passage) == 1
        shown = str(passage.first().render())
        assert "500 Boeing commercial jets" in shown
        assert screen.citation is not None and screen.citation.n == 1
        assert screen.query_one("#body").scroll_y > 0  # scrolled down to the passage
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)


async def test_clicking_a_source_or_a_marker_opens_it(index: Path) -> None:
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot)
        await settle(app, pilot)
        await pilot.click("#sources", offset=(4, 1))
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        await until(pilot, lambda: getattr(app.screen, "article", None) is not None)
        await pilot.press("escape")
        # a click on the [1] link in the answer
        markdown = answers(app)[0].markdown
        markdown.post_message(Markdown.LinkClicked(markdown, "cite:1"))
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert app.screen.citation is not None
        # let the screen finish mounting before the app exits (its Header sets its title)
        await until(pilot, lambda: getattr(app.screen, "article", None) is not None)


async def test_llm_failure_is_a_notification_and_the_question_returns(index: Path) -> None:
    bot = assistant_on(
        index, llm__provider="openai", llm__base_url="http://127.0.0.1:9/v1", llm__timeout=2
    )
    app = NewsApp(bot)
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot)
        await until(pilot, lambda: notifications(app))
        await pilot.pause()
        assert not app.chat.answering
        assert app.chat.input.value == QUESTION
        assert any("cannot reach the LLM server" in m for m in notifications(app))
        assert not answers(app) and not app.chat.query(QuestionView)
        assert app.is_running


async def test_escape_cancels_a_streaming_answer(index: Path, slow_server: str) -> None:
    bot = assistant_on(index, llm__provider="openai", llm__base_url=slow_server)
    app = NewsApp(bot)
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot)
        await until(pilot, lambda: "word2" in answers(app)[0].text)
        assert app.chat.status.activity
        started = time.monotonic()
        await pilot.press("escape")
        assert not app.chat.answering
        [answer] = answers(app)
        assert answer.has_class("-cancelled")
        streamed = answer.text
        await app.workers.wait_for_complete()
        assert time.monotonic() - started < 5  # stopped at the next token, not after 10 s
        await pilot.pause(0.3)
        assert answer.text == streamed  # nothing more arrived
        assert app.chat.turns == []  # a cancelled answer is not kept
        assert app.chat.conversation_id is None
        assert app.chat.status.activity == ""


async def test_input_history(index: Path) -> None:
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot)
        await settle(app, pilot)
        field = app.chat.input
        field.value = "draft"
        await pilot.press("up")
        assert field.value == QUESTION
        await pilot.press("down")
        assert field.value == "draft"


async def test_typing_anywhere_types_the_question(index: Path) -> None:
    """With focus on the sources panel, letters go to the question box; digits open sources."""
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot)
        await settle(app, pilot)
        app.chat.query_one("#sources").focus()
        await pilot.press("w", "h", "o")
        assert app.chat.input.has_focus
        assert app.chat.input.value == "who"


async def test_ingest_from_the_library(tmp_path: Path) -> None:
    app = NewsApp(assistant_on(tmp_path / "empty"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.chat.status.articles == 0)
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        library = app.screen
        await settle(app, pilot)
        assert library.query_one(DataTable).row_count == 0
        library.query_one("#path", Input).value = str(SEEDS)
        await pilot.click("#start")
        await until(pilot, lambda: library.query_one(DataTable).row_count == 1)
        summary = str(library.query_one("#summary").render())
        assert "1 added" in summary
        bar = library.query_one(ProgressBar)
        assert bar.total == 1 and bar.progress == 1
        assert not library.query_one("#path", Input).disabled
        await until(pilot, lambda: app.chat.status.articles == 1)  # bubbled up to the app
        library.query_one("#filter", Input).value = "no such title"
        await pilot.pause()
        assert library.query_one(DataTable).row_count == 0
        await pilot.press("escape")
        await ask(app, pilot)
        await settle(app, pilot)
        assert "500" in answers(app)[0].text


async def test_resume_and_delete_conversations(index: Path) -> None:
    first = NewsApp(assistant_on(index))
    async with first.run_test(size=SIZE) as pilot:
        await ask(first, pilot)
        await settle(first, pilot)
        assert first.chat.conversation_id is not None

    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, ConversationsScreen))
        await settle(app, pilot)
        await pilot.press("enter")
        await until(pilot, lambda: bool(answers(app)))
        await settle(app, pilot)
        assert app.chat.conversation_id is not None
        assert [(t.question, "500" in t.answer) for t in app.chat.turns] == [(QUESTION, True)]
        assert [c.title for c in app.chat.sources.citations] == [TITLE]
        assert app.chat.input.history == [QUESTION]
        # a follow-up continues the same conversation
        await ask(app, pilot, "Which city might Trump visit by rail?")
        await settle(app, pilot)
        assert len(app.chat.turns) == 2
        [saved] = app.conversations.recent()
        assert saved.turns == 2
        # delete it: the chat starts over
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, ConversationsScreen))
        await settle(app, pilot)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(app, pilot)
        assert app.conversations.recent() == []
        await pilot.press("escape")
        await pilot.pause()
        assert app.chat.conversation_id is None and not answers(app)


async def test_command_palette_lists_the_actions(index: Path) -> None:
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot)
        await settle(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("New conversation", "Conversations", "Library", "Ingest", "Open source [1]"):
            assert title in titles
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not answers(app) and app.chat.turns == []
        # through the palette itself: "Ingest" opens the library with the path focused
        await pilot.press("ctrl+p")
        await pilot.press(*"Ingest")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        await pilot.pause()
        assert app.focused is app.screen.query_one("#path")


# -- snapshots ------------------------------------------------------------------------------
def asked(then: Callable[[NewsApp, Pilot[Any]], Awaitable[None]] | None = None) -> Any:
    """A `run_before` that asks the question, freezes the timing, then runs `then`.

    The timing and the cursor blink vary from run to run; they are frozen."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, NewsApp)
        await ask(app, pilot)
        await settle(app, pilot)
        app.chat.status.seconds = 1.0  # the real timing varies from run to run
        if then is not None:
            await then(app, pilot)
            await settle(app, pilot)
        for field in app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor is caught on or off at random

    return run_before


async def open_first_source(app: NewsApp, pilot: Pilot[Any]) -> None:
    app.chat.action_open_source(1)
    await until(pilot, lambda: isinstance(app.screen, ArticleScreen))


async def open_library(app: NewsApp, pilot: Pilot[Any]) -> None:
    await pilot.press("ctrl+l")
    await until(pilot, lambda: isinstance(app.screen, LibraryScreen))


def test_snapshot_chat(index: Path, snap_compare: Any) -> None:
    assert snap_compare(NewsApp(assistant_on(index)), terminal_size=SIZE, run_before=asked())


def test_snapshot_article(index: Path, snap_compare: Any) -> None:
    app = NewsApp(assistant_on(index))
    assert snap_compare(app, terminal_size=SIZE, run_before=asked(open_first_source))


def test_snapshot_library(index: Path, snap_compare: Any) -> None:
    app = NewsApp(assistant_on(index))
    assert snap_compare(app, terminal_size=SIZE, run_before=asked(open_library))
