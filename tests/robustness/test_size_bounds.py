"""Inputs whose size is the attack: a file that is one 2 MB line, a feed with 10,000 linked
entries. The line is chunked in segments (memory stays flat; the time is in
docs/benchmarks.md, `benchmarks/long_lines.py`); a feed's linked pages are fetched at most
`feeds.max_pages` per refresh, the report says how many wait, and the next refresh fetches
them.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_assistant
from servers.hostile_server import FeedServer, Route, page, rss

from assistant.index.chunks import chunk_article
from assistant.types import Article


def one_line(size: int) -> str:
    """`size` characters of words on one line, no sentence ends (and no repeats, so every
    passage has one place in it)."""
    parts, length, n = [], 0, 0
    while length < size:
        part = f"the council met about berth {n} and ferry {n * 7919 % 100_003} "
        parts.append(part)
        length += len(part)
        n += 1
    return "".join(parts)[:size]


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.close()


def test_a_long_line_is_chunked_in_bounded_memory() -> None:
    line = one_line(2_000_000)
    article = Article("line.txt", "Long line", line)
    chunk_article(Article("warm", "t", "Warm up. The splitter loads now."))
    tracemalloc.start()
    try:
        chunks = chunk_article(article)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16_000_000, f"chunking a 2 MB line took {peak / 1e6:.0f} MB"
    assert len(chunks) > 2000
    for chunk in chunks:
        assert line[chunk.start : chunk.end] == chunk.text and chunk.text.strip()
    assert chunks[0].start == 0 and chunks[-1].end == len(line.rstrip())
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)
    gaps = [b.start - a.end for a, b in zip(chunks, chunks[1:], strict=False)]
    assert max(gaps) <= 1  # nothing of the text is left out (at most the space between)


def entries(server: FeedServer, count: int) -> list[dict[str, str]]:
    return [
        {"title": f"Berth {n}", "guid": f"urn:berth:{n}", "link": server.url(f"/berth/{n}")}
        for n in range(count)
    ]


def test_linked_pages_are_capped_per_refresh(feed_server: FeedServer, data_dir: Path) -> None:
    feed_server.routes["/feed"] = Route(rss("Harbour", entries(feed_server, 60)))
    for n in range(60):
        text = f"Berth {n} of the harbour reopened after {n + 2} weeks of repairs on its wall."
        feed_server.routes[f"/berth/{n}"] = Route(page(f"Berth {n}", text), "text/html")
    bot = make_assistant(data_dir, feeds__max_pages=25)
    bot.feeds_add(feed_server.url("/feed"))

    def pages() -> int:
        return sum(hits for path, hits in feed_server.hits.items() if path.startswith("/berth/"))

    first = bot.feeds_refresh()
    assert (first.added, pages()) == (25, 25)
    assert [s.reason for s in first.skipped] == [
        "35 linked pages left for the next refresh (feeds.max_pages = 25)"
    ]
    second = bot.feeds_refresh()
    assert (second.added, second.unchanged, pages()) == (25, 25, 50)
    assert [s.reason for s in second.skipped] == [
        "10 linked pages left for the next refresh (feeds.max_pages = 25)"
    ]
    third = bot.feeds_refresh()
    assert (third.added, third.skipped, pages()) == (10, (), 60)
    assert bot.counts()[0] == 60


def test_ten_thousand_linked_entries_cost_max_pages_requests(
    feed_server: FeedServer, data_dir: Path
) -> None:
    feed_server.routes["/feed"] = Route(rss("Flood", entries(feed_server, 10_000)))
    bot = make_assistant(data_dir)  # the default feeds.max_pages
    bot.ingest(feed_server.url("/feed"))
    pages = sum(hits for path, hits in feed_server.hits.items() if path.startswith("/berth/"))
    assert pages == 300
