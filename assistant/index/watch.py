"""Keeping the feeds fresh: refresh each subscribed feed when it is due, until stopped.

`refresh_due` fetches and indexes, one feed at a time, the feeds whose time has come by the
schedule of `sources.feeds.schedule` (every `every` seconds, stretched by Cache-Control and
Retry-After, backing off per feed while it fails), and says what each one brought. `watch`
repeats that and sleeps until the next feed is due; it checks its stop event between feeds,
so a stop (Ctrl-C, SIGTERM) never cuts a feed's ingest in half. Another ingest holding the
store's lock only postpones the round.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..errors import IngestLockedError
from ..sources import feeds
from ..sources.feeds.schedule import next_due
from ..sources.feeds.subscriptions import load_state
from ..types import FeedRefresh
from .ingest import Ingester

OnFeed = Callable[[FeedRefresh], None]
IDLE = 60.0
"""Longest sleep between rounds (new subscriptions are noticed this soon)."""


def due_times(ingester: Ingester, every: float) -> dict[str, float]:
    """Each subscribed feed's next due time (epoch seconds)."""
    state = load_state(ingester.settings.data_path)
    return {
        sub.url: next_due(state["urls"].get(sub.url, {}), every)
        for sub in feeds.list_feeds(ingester.settings.data_path)
    }


def refresh_due(
    ingester: Ingester,
    every: float,
    *,
    stop: threading.Event | None = None,
    on_feed: OnFeed | None = None,
) -> list[FeedRefresh]:
    """Refresh the feeds that are due now, one at a time; stops early when `stop` is set
    or another ingest holds the store (the rest are due again next round)."""
    done: list[FeedRefresh] = []
    now = time.time()
    for url, due in due_times(ingester, every).items():
        if stop is not None and stop.is_set():
            break
        if due > now:
            continue
        try:
            report = ingester.urls([url])
        except IngestLockedError:
            break
        info = load_state(ingester.settings.data_path)["urls"].get(url, {})
        error = next((s.reason for s in report.skipped if s.path == url), None)
        result = FeedRefresh(url, report, error, next_due(info, every))
        done.append(result)
        if on_feed is not None:
            on_feed(result)
    return done


def watch(
    ingester: Ingester, every: float, stop: threading.Event, on_feed: OnFeed | None = None
) -> None:
    """Refresh feeds as they fall due until `stop` is set."""
    while not stop.is_set():
        refresh_due(ingester, every, stop=stop, on_feed=on_feed)
        upcoming = due_times(ingester, every).values()
        wait = min(upcoming, default=time.time() + IDLE) - time.time()
        stop.wait(min(max(wait, 0.05), IDLE))
