"""Relative date phrases in a question ("this week", "yesterday") as a published-date range.

"What did the Herald report this week?" should only look at this week's articles, but
nobody types `--since 2024-11-04`. `date_range` recognises a few unambiguous phrases and
returns the calendar range they name, relative to today. It is deliberately conservative:
one phrase, matched as whole words; "the last week of May" (a specific week) and questions
naming two periods are left alone, and anything else returns None (no filter).

`caller_filters` turns a caller's `source`/`since`/`until` (ISO strings, dates, datetimes or
epoch seconds) into retrieval `Filters`; the question analysis (`dates.date_mentions`) reads
such phrases, and explicit dates, out of a question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from ..errors import AssistantError
from ..types import Filters

DateLike = str | date | datetime | int | None

_NOT_OF = r"(?!\s+of\b)"  # "last week of May" names another week: not relative to today


def _week(today: date, weeks_back: int) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks_back)
    return monday, monday + timedelta(days=6)


def _month(today: date, months_back: int) -> tuple[date, date]:
    year, month = today.year, today.month - months_back
    while month < 1:
        year, month = year - 1, month + 12
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


PHRASES: tuple[tuple[re.Pattern[str], Callable[[date], tuple[date, date]]], ...] = (
    (re.compile(r"\btoday\b"), lambda t: (t, t)),
    (re.compile(r"\byesterday\b"), lambda t: (t - timedelta(days=1), t - timedelta(days=1))),
    (re.compile(rf"\bthis\s+week\b{_NOT_OF}"), lambda t: _week(t, 0)),
    (re.compile(rf"\blast\s+week\b{_NOT_OF}"), lambda t: _week(t, 1)),
    (re.compile(rf"\bthis\s+month\b{_NOT_OF}"), lambda t: _month(t, 0)),
    (re.compile(rf"\blast\s+month\b{_NOT_OF}"), lambda t: _month(t, 1)),
)
"""Each phrase and the (first, last) day it names, given today's date."""


def date_range(question: str, today: date | None = None) -> tuple[date, date] | None:
    """The (since, until) days named by a relative date phrase in `question`, or None.

    Weeks run Monday to Sunday; "this week" and "this month" run to the period's last day.
    None when there is no such phrase, or phrases naming different periods.
    """
    today = today or date.today()
    text = question.lower()
    found = {span(today) for pattern, span in PHRASES if pattern.search(text)}
    return found.pop() if len(found) == 1 else None


def to_timestamp(value: DateLike, *, end_of_day: bool = False) -> int | None:
    """An epoch second from an ISO string, a date, a datetime or an int (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise AssistantError(f"not a date: {text!r} (use YYYY-MM-DD)") from None
        if end_of_day and len(text) == 10:
            value = value.replace(hour=23, minute=59, second=59)
    elif not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
        if end_of_day:
            value = value.replace(hour=23, minute=59, second=59)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def caller_filters(source: str | None, since: DateLike, until: DateLike) -> Filters:
    """Filters from a caller's arguments: a source name, and dates as ISO strings, dates,
    datetimes or epoch seconds (`until` runs to the end of its day)."""
    return Filters(source, to_timestamp(since), to_timestamp(until, end_of_day=True))
