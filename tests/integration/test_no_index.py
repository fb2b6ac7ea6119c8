"""A mistyped data dir is not a new, empty index (issue 15, item 6): the commands that only
read say there is no index there and how to make one, exit non-zero and create nothing;
`ingest` and `feeds` create it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from commands import assert_one_line_error, run_cli
from conftest import SEEDS, make_assistant
from servers.feed_server import FeedServer, Route

from assistant.errors import NoIndexError

READS = [
    ["articles"],
    ["articles", "--json"],
    ["search", "Boeing jets"],
    ["ask", "How many Boeing jets might China buy?", "--provider", "extractive"],
    ["ask", "How many Boeing jets might China buy?", "--provider", "extractive", "--json"],
    ["chat", "--provider", "extractive"],
]


def files_under(path: Path) -> list[Path]:
    return sorted(path.rglob("*")) if path.exists() else []


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a[:2]))
def test_read_commands_refuse_a_missing_index(args: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent" / "dir"
    result = run_cli("--data-dir", str(missing), *args, data_dir=tmp_path / "env", stdin="\n")
    line = assert_one_line_error(result)
    assert f"no index in {missing}" in line
    assert "assistant ingest PATH" in line
    assert not (tmp_path / "nonexistent").exists(), "a read created the data dir"
    assert not (tmp_path / "env").exists()


def test_an_existing_empty_folder_stays_empty(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    line = assert_one_line_error(run_cli("articles", data_dir=folder))
    assert "no index in" in line
    assert files_under(folder) == []


def test_the_api_refuses_too_and_creates_nothing(tmp_path: Path) -> None:
    bot = make_assistant(tmp_path / "missing", llm__provider="extractive")
    for read in (bot.articles, bot.counts, lambda: bot.search("jets"), lambda: bot.ask("jets?")):
        with pytest.raises(NoIndexError, match="no index in"):
            read()
    with pytest.raises(NoIndexError):
        bot.require_index()
    assert not (tmp_path / "missing").exists()
    assert bot.ingest(SEEDS).added == 1  # an ingest makes it, on the same Assistant
    assert bot.counts()[0] == 1
    bot.require_index()


def test_ingest_and_feeds_create_the_index(tmp_path: Path) -> None:
    data = tmp_path / "new"
    result = run_cli("ingest", "--if-empty", str(SEEDS), data_dir=data)  # what `make chat` runs
    assert result.returncode == 0, result.stderr
    listed = run_cli("articles", "--json", data_dir=data)
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 1
    feeds_dir = tmp_path / "feeds"
    server = FeedServer().start()
    try:
        server.routes["/feed.xml"] = Route(
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour news</title>'
            b"<link>http://127.0.0.1/</link><description>d</description></channel></rss>"
        )
        added = run_cli("feeds", "add", server.url("/feed.xml"), data_dir=feeds_dir)
    finally:
        server.stop()
    assert added.returncode == 0, added.stderr
    assert feeds_dir.is_dir()
