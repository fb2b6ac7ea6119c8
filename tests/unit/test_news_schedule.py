"""The watch schedule's arithmetic and the briefing's periods: what a header or a flag
means in seconds, and when a feed is due again after successes and failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.brief import parse_since
from assistant.errors import AssistantError
from assistant.sources.feeds.schedule import (
    MAX_BACKOFF,
    failed,
    max_age_seconds,
    next_due,
    retry_after_seconds,
    succeeded,
)
from assistant.text import parse_duration


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("public, max-age=600", 600.0),
        ('max-age="60", must-revalidate', 60.0),
        ("s-maxage=10", None),
        ("no-cache", 0.0),
        ("private, no-store, max-age=600", 0.0),
        (None, None),
    ],
)
def test_cache_control(header: str | None, seconds: float | None) -> None:
    assert max_age_seconds(header) == seconds


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after_seconds("120") == 120.0
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC).timestamp()
    assert retry_after_seconds("Thu, 01 Jan 2026 12:05:00 GMT", now=now) == 300.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_a_feed_is_due_every_interval_unless_its_server_asks_for_longer() -> None:
    assert next_due({}, 1800) == 0.0  # never fetched: now
    assert next_due({"checked_at": 1000.0}, 1800) == 2800.0
    assert next_due({"checked_at": 1000.0, "max_age": 7200}, 1800) == 8200.0
    assert next_due({"checked_at": 1000.0, "max_age": 60}, 1800) == 2800.0


def test_a_failing_feed_backs_off_and_one_success_resets_it() -> None:
    state: dict[str, object] = {"checked_at": 0.0, "etag": '"x"'}
    waits = []
    for _ in range(4):
        state = failed(state, "HTTP 500", None)
        waits.append(next_due(state, 60) - float(state["failed_at"]))  # type: ignore[arg-type]
    assert waits == [120.0, 240.0, 480.0, 960.0] and state["failures"] == 4
    long = failed({"failures": 30}, "HTTP 500", None)
    assert next_due(long, 60) - long["failed_at"] == MAX_BACKOFF
    busy = failed({}, "HTTP 503", 7200.0)
    assert next_due(busy, 60) - busy["failed_at"] == 7200.0
    assert succeeded(state) == {"checked_at": 0.0, "etag": '"x"'}


def test_periods() -> None:
    assert parse_duration("30m") == 1800 and parse_duration("1.5h") == 5400
    assert parse_duration("2d") == 172800 and parse_duration("30") is None
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("2026-03-08", now) == datetime(2026, 3, 8, tzinfo=UTC)
    assert parse_since("2026-03-08T06:30:00+01:00", now).hour == 6
    with pytest.raises(AssistantError, match="24h, 2d or 90m"):
        parse_since("last tuesday", now)
