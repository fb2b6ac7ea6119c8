"""The news workflow in the TUI, under Pilot with a real Assistant: the Briefing screen (key
and palette), exporting the open conversation and copying the latest answer, and the
background refresh that tells how many new articles arrived from the feeds."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from servers.feed_server import FeedServer, Route
from servers.wire import outlet_feed
from test_tui import SIZE, assistant_on, notifications, until
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Markdown

from assistant.tui.app import NewsApp
from assistant.tui.screens.article import ArticleScreen
from assistant.tui.screens.briefing import BriefingScreen
from assistant.tui.screens.library import LibraryScreen
from assistant.tui.widgets.conversation import AnswerView


def _copy(store: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(store, tmp_path / "data"))


async def _palette(pilot: Any, command: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause(0.2)
    for key in command:
        await pilot.press(key if key != " " else "space")
    await pilot.pause(0.5)
    await pilot.press("enter")


async def test_the_briefing_screen_shows_stories_across_outlets(
    wire_store: Path, tmp_path: Path
) -> None:
    app = NewsApp(assistant_on(_copy(wire_store, tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.chat.status.articles is not None)
        await pilot.press("ctrl+b")
        await until(pilot, lambda: isinstance(app.screen, BriefingScreen))
        screen = app.screen
        assert isinstance(screen, BriefingScreen)
        await until(pilot, lambda: screen.briefing_shown, timeout=90)
        stories = screen.stories
        assert stories, "the last 24 hours have stories"
        top = stories[0].story
        assert len(top.sources) == 3 and top.citations
        assert "Reserve Bank" in top.summary
        summary = stories[0].query_one(Markdown)
        assert "cite:1" in summary.source
        # a citation opens the article at its quote
        summary.post_message(Markdown.LinkClicked(summary, "cite:1"))
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert app.screen.citation == top.citations[0]  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, BriefingScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.chat)
        await _palette(pilot, "Briefing")
        await until(pilot, lambda: isinstance(app.screen, BriefingScreen))
        await pilot.press("ctrl+l")  # the library says who else reports a story
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 18, timeout=60)
        titles = [str(table.get_cell_at(Coordinate(r, 0))) for r in range(table.row_count)]
        assert sum("also reported by 2 outlets" in t for t in titles) == 6  # rates, strike
        assert sum("also reported by 1 outlet" in t for t in titles) == 6  # fire, final, recall


async def test_export_and_copy_the_conversation(wire_store: Path, tmp_path: Path) -> None:
    data_dir = _copy(wire_store, tmp_path)
    app = NewsApp(assistant_on(data_dir))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.chat.status.articles is not None)
        await _palette(pilot, "Export conversation")
        await until(pilot, lambda: any("Nothing to export" in m for m in notifications(app)))
        await pilot.press(*"What did the Reserve Bank do with its rate?", "enter")
        await until(pilot, lambda: app.chat.conversation_id is not None, timeout=90)
        answer = next(w for w in app.chat.conversation.children if isinstance(w, AnswerView))
        assert answer.citations
        await _palette(pilot, "Export conversation")
        path = data_dir / "exports" / f"conversation-{app.chat.conversation_id}.md"
        await until(pilot, lambda: path.is_file())
        markdown = path.read_text(encoding="utf-8")
        assert markdown.startswith("# What did the Reserve Bank do with its rate?")
        assert "## What did the Reserve Bank do with its rate?" in markdown
        assert "**Sources**" in markdown and f"> {answer.citations[0].quote[:40]}" in markdown
        await until(pilot, lambda: any("Exported to" in m for m in notifications(app)))
        await _palette(pilot, "Copy latest answer")
        await until(pilot, lambda: bool(app.clipboard))
        assert app.clipboard.startswith("## What did the Reserve Bank do")
        assert answer.citations[0].article_id in app.clipboard


async def test_the_chat_refreshes_feeds_in_the_background_and_says_what_arrived(
    tmp_path: Path,
) -> None:
    def report(name: str, title: str) -> dict[str, Any]:
        text = f"{title}. The council met on Tuesday to discuss the {name} for three hours."
        return {"id": name, "outlet": "planet", "title": title, "text": text, "hours_ago": 1}

    now = datetime.now(UTC)
    first = [report("bridge", "Harbour bridge opens")]
    server = FeedServer().start()
    server.routes["/rss.xml"] = Route(outlet_feed("planet", "Planet", first, now), etag='"a"')
    try:
        bot = assistant_on(tmp_path / "data", feeds__watch_minutes=0.02)  # every 1.2 s
        bot.feeds_add(server.url("/rss.xml"))
        app = NewsApp(bot)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.chat.status.articles is not None, timeout=60)
            await until(pilot, lambda: any("1 new article" in m for m in notifications(app)), 90)
            assert app.chat.status.articles == 1
            both = [*first, report("tram", "Tram line approved")]
            feed = outlet_feed("planet", "Planet", both, now)
            server.routes["/rss.xml"] = Route(feed, etag='"b"')
            await until(pilot, lambda: app.chat.status.articles == 2, timeout=90)
            assert sum("1 new article from your feeds." in m for m in notifications(app)) == 2
    finally:
        server.stop()
