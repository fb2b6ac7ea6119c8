"""The status line never sticks on "opening the index…" (issue 15, item 4).

The chat screen used to build its `Chat` in its constructor, which opened the store and
loaded the embedding (and local) models on the event loop before the first paint, and a
failure there ended the app; a failure in the index worker was a notification that faded
while the status line went on saying "opening the index…". Now the screen is light, the
worker's outcome (articles, no index yet, or the reason it failed) always reaches the status
line, and the screen shows it even when the message is handled before it is mounted.
"""

from __future__ import annotations

from pathlib import Path

from test_tui import SIZE, assistant_on, index, notifications, seeded_index, until  # noqa: F401

from assistant.tui.app import NewsApp

LAUNCHES = 12


async def launch_and_read_status(bot: object) -> str:
    app = NewsApp(bot)  # type: ignore[arg-type]
    async with app.run_test(size=SIZE) as pilot:
        status = app.chat.status
        await until(pilot, lambda: status.articles is not None or status.error, timeout=60)
        await pilot.pause()
        return str(status.render())


async def test_every_launch_leaves_opening_the_index(index: Path) -> None:  # noqa: F811
    """Many launches, with the index opened by the worker or already open (so its message
    can arrive before the chat screen is mounted): each shows the article count."""
    for n in range(LAUNCHES):
        bot = assistant_on(index)
        if n % 2:
            bot.open()
        shown = await launch_and_read_status(bot)
        assert "1 article indexed" in shown, (n, shown)
        assert "opening the index" not in shown


async def test_a_broken_index_says_so_in_the_status_line(index: Path) -> None:  # noqa: F811
    (index / "chroma" / "chroma.sqlite3").write_bytes(b"\x00not a database" * 512)
    app = NewsApp(assistant_on(index))
    async with app.run_test(size=SIZE) as pilot:
        status = app.chat.status
        await until(pilot, lambda: status.error)
        await pilot.pause()
        shown = str(status.render())
        assert "index not open: cannot open the vector store" in shown
        assert "opening the index" not in shown
        await until(pilot, lambda: any("cannot open the vector" in m for m in notifications(app)))
        assert app.is_running


async def test_a_missing_index_is_an_empty_library(tmp_path: Path) -> None:
    app = NewsApp(assistant_on(tmp_path / "none-yet"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.chat.status.articles == 0)
        assert "0 articles indexed" in str(app.chat.status.render())
        # a notification is a message of its own, handled after the one that sent it
        await until(pilot, lambda: any("ctrl+l" in m for m in notifications(app)), 10.0)
    assert not (tmp_path / "none-yet" / "chroma").exists()


def test_the_chat_screen_opens_nothing_before_the_first_paint(index: Path) -> None:  # noqa: F811
    bot = assistant_on(index)
    app = NewsApp(bot)
    assert app.get_default_screen() is app.chat
    assert bot._store is None and bot._embedder is None  # noqa: SLF001 - opened by the worker
