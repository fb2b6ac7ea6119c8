"""Many readers, one index: a long-lived reader (the TUI, `assistant mcp`, a program that
embeds `Assistant`) sees what another process ingested, in vector and in keyword search, and
opening a fresh data dir from several processes at once never fails.

The other process is the real CLI in a subprocess; the reader is an `Assistant` kept open in
this process across the other's ingest.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SEEDS, make_assistant
from test_crash import cli_env

from assistant import Assistant

LATE = {
    "id": "tunnel",
    "title": "Tunnel reopens after repairs",
    "text": "The river tunnel reopened at dawn on Monday after three weeks of repairs to its "
    "waterproof lining, the transport authority said.",
    "source": "Coast News",
    "published": "2025-09-09",
}
QUERY = "river tunnel waterproof lining repairs"


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "assistant"), *args],
        cwd=REPO_ROOT,
        env=cli_env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def found_within(bot: Assistant, article_id: str, seconds: float) -> float | None:
    """Seconds until `bot.search` returns `article_id` first (None: not within `seconds`)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        hits = bot.search(QUERY, k=3)
        if hits and hits[0].article_id == article_id:
            return time.monotonic() - started
        time.sleep(0.05)
    return None


@pytest.mark.parametrize("mode", ["vector", "bm25", "hybrid"])
def test_a_long_lived_reader_finds_another_process_s_article_within_a_second(
    tmp_path: Path, mode: str
) -> None:
    data_dir = tmp_path / "data"
    assert make_assistant(data_dir).ingest(SEEDS).added == 1
    reader = make_assistant(data_dir, retrieval__mode=mode)
    assert all(h.article_id != "tunnel" for h in reader.search(QUERY, k=3))  # opened
    news = tmp_path / "news"
    news.mkdir()
    late = news / "late.jsonl"
    late.write_text(json.dumps(LATE) + "\n", encoding="utf-8")
    (news / "seed.txt").write_bytes(next(SEEDS.glob("*.txt")).read_bytes())

    done = cli(data_dir, "ingest", str(news))
    assert done.returncode == 0, done.stderr
    seconds = found_within(reader, "tunnel", 1.0)
    assert seconds is not None, f"{mode}: the reader never saw the other process's article"
    assert reader.counts()[0] == 2  # the seed text is indexed once
    # and a removal too: the article is gone from both searches
    late.unlink()
    pruned = cli(data_dir, "ingest", str(news), "--prune")
    assert pruned.returncode == 0, pruned.stderr
    assert all(h.article_id != "tunnel" for h in reader.search(QUERY, k=5))


OPEN_SCRIPT = """
import sys, time
from pathlib import Path
import chromadb, chromadb.config  # imported before the start, so every open starts at once
from assistant import Assistant
import assistant.index.store
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.0005)
bot = Assistant.from_config(store__data_dir=sys.argv[1])
print(bot.open(create=True).counts())
"""


def test_many_processes_open_a_fresh_data_dir_at_once(tmp_path: Path) -> None:
    """Chroma migrates a new data dir on first open; processes doing it at once used to
    fail with "database is locked" or "table collections already exists"."""
    failures: list[str] = []
    for round_ in range(5):
        data_dir, go = tmp_path / f"data-{round_}", tmp_path / f"go-{round_}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_SCRIPT, str(data_dir), str(go)],
                cwd=REPO_ROOT,
                env=cli_env(data_dir),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        time.sleep(8.0)  # every process is imported and waiting
        go.touch()
        for proc in procs:
            out, err = proc.communicate(timeout=180)
            if proc.returncode != 0 or out.strip() != "(0, 0)":
                failures.append(f"round {round_}: exit {proc.returncode}: {err.strip()[-300:]}")
    assert not failures, failures


async def test_the_tui_article_count_follows_an_outside_ingest(tmp_path: Path) -> None:
    import asyncio

    from assistant.tui.app import NewsApp

    data_dir = tmp_path / "data"
    assert make_assistant(data_dir).ingest(SEEDS).added == 1
    late = tmp_path / "late.jsonl"
    late.write_text(json.dumps(LATE) + "\n", encoding="utf-8")
    app = NewsApp(make_assistant(data_dir, llm__provider="extractive"))
    async with app.run_test(size=(100, 30)) as pilot:
        deadline = time.monotonic() + 60
        while app.chat.status.articles != 1 and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert app.chat.status.articles == 1
        done = await asyncio.to_thread(cli, data_dir, "ingest", str(late))
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 10
        while app.chat.status.articles != 2 and time.monotonic() < deadline:
            await pilot.pause(0.1)
        assert app.chat.status.articles == 2, "the count stayed at the one it read at start"
