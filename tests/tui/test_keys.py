"""TUI keys and help (issue 15, item 9): a help screen of the app's own keys on F1 and ?
that Esc closes, a welcome text whose keys work as it says, the sources of earlier answers
by keyboard, a question before a conversation is deleted, the theme and the question history
kept across restarts, and the answer copied with its sources."""

from __future__ import annotations

from pathlib import Path

from test_tui import (  # noqa: F401
    QUESTION,
    SIZE,
    TITLE,
    answers,
    ask,
    assistant_on,
    index,
    seeded_index,
    settle,
    until,
)
from textual.widgets import Input, Static

from assistant.tui.app import NewsApp
from assistant.tui.screens.article import ArticleScreen
from assistant.tui.screens.chat import WELCOME
from assistant.tui.screens.confirm import ConfirmScreen
from assistant.tui.screens.conversations import ConversationsScreen
from assistant.tui.screens.help import HelpScreen

FOLLOW_UP = "Which city might Trump visit by rail?"


async def test_f1_and_question_mark_open_the_help_and_escape_closes_it(
    index: Path,  # noqa: F811
) -> None:
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.chat.status.articles is not None)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        shown = app.screen.text()  # type: ignore[attr-defined]
        for key, what in [
            ("F1 / ?", "This help"),
            ("ctrl+l", "The articles"),
            ("ctrl+o", "Saved conversations"),
            ("ctrl+y", "Copy answer"),
            ("alt+↑", "sources of the answer before"),
            ("1-9", "Open source"),
            ("d / delete", "Delete"),
        ]:
            assert key in shown and what in shown, (key, what)
        assert "Paste" not in shown and "cursor" not in shown  # not Input's editing keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        # ? types into the question box; elsewhere it opens the help
        await pilot.press("?")
        assert app.chat.input.value == "?" and not isinstance(app.screen, HelpScreen)
        app.chat.input.value = ""
        await pilot.press("tab")
        assert not isinstance(app.focused, Input)
        await pilot.press("?")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Help" in titles and "Keys" not in titles


async def test_the_welcome_keys_work_as_it_says(index: Path) -> None:  # noqa: F811
    """It says: Tab reaches the Sources panel, then Enter (or 1-9) opens one."""
    assert "Tab" in WELCOME and "Enter" in WELCOME and "F1" in WELCOME
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        welcome = str(app.chat.query_one("#welcome", Static).render())
        assert welcome == WELCOME
        await ask(app, pilot)
        await settle(app, pilot)
        await pilot.press("tab")
        assert app.focused is app.chat.sources
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        await pilot.press("escape")
        app.chat.input.focus()
        await pilot.press("tab", "1")  # from the question box: Tab, then a digit
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))


async def test_earlier_answers_sources_by_keyboard(index: Path) -> None:  # noqa: F811
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot)
        await settle(app, pilot)
        first = [c.quote for c in app.chat.sources.citations]
        await ask(app, pilot, FOLLOW_UP)
        await settle(app, pilot)
        second = [c.quote for c in app.chat.sources.citations]
        assert second and second != first
        await pilot.press("alt+up")
        assert [c.quote for c in app.chat.sources.citations] == first
        assert app.chat.sources.border_title == "Sources of answer 1"
        assert answers(app)[0].has_class("-selected")
        await pilot.press("tab", "1")  # a digit opens a source of the answer shown
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        screen = app.screen
        assert isinstance(screen, ArticleScreen) and screen.citation is not None
        assert screen.citation.quote == first[0]
        await pilot.press("escape")
        await pilot.press("alt+down")
        assert [c.quote for c in app.chat.sources.citations] == second
        assert app.chat.sources.border_title == "Sources"


async def test_deleting_a_conversation_asks_first(index: Path) -> None:  # noqa: F811
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot)
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, ConversationsScreen))
        await settle(app, pilot)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationsScreen)
        assert len(app.conversations.recent()) == 1
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await settle(app, pilot)
        assert len(app.conversations.recent()) == 1
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(app, pilot)
        assert app.conversations.recent() == []


async def test_theme_and_question_history_outlast_a_restart(index: Path) -> None:  # noqa: F811
    first = NewsApp(assistant_on(index))
    async with first.run_test(size=SIZE) as pilot:
        await ask(first, pilot)
        await settle(first, pilot)
        await pilot.press("ctrl+t")
        assert first.theme == "textual-light"
        await settle(first, pilot)

    again = NewsApp(assistant_on(index))
    async with again.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: again.theme == "textual-light")
        await settle(again, pilot)
        assert again.chat.input.history == [QUESTION]
        await pilot.press("up")
        assert again.chat.input.value == QUESTION


async def test_copy_the_answer_with_its_sources(index: Path) -> None:  # noqa: F811
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        await ask(app, pilot)
        await settle(app, pilot)
        await pilot.press("ctrl+y")
        copied = app.clipboard
        [answer] = answers(app)
        assert copied.startswith(answer.text.strip())
        assert "\nSources\n[1] " + TITLE in copied
        assert answer.citations[0].quote[:40] in copied
