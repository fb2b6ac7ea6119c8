"""When each feed is due again: the watch schedule, kept with what each refresh saw.

A feed is fetched every `every` seconds, but never sooner than its server allows: a
`Cache-Control: max-age` longer than `every` stretches the wait, and a `Retry-After` on an
error answer (429, 503) is waited out in full. A feed that fails backs off on its own,
without slowing the others: after n failures in a row it waits `every * 2**n` (at most
`MAX_BACKOFF`, or `every` when that is longer), and one success resets it. Everything it
needs is in the URL's state in `feeds.json` (`checked`, `max_age`; `failed`, `failures`,
`retry_after`, `error`), written by the fetcher, so `feeds refresh`, `feeds watch` and the
chat's background refresh keep one schedule.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from .subscriptions import now_iso

MAX_BACKOFF = 24 * 3600.0
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.I)
_FAILURE_KEYS = ("failures", "failed", "failed_at", "retry_after", "error")


def max_age_seconds(cache_control: str | None) -> float | None:
    """The `max-age` of a Cache-Control header (0 for no-cache / no-store), else None."""
    if not cache_control:
        return None
    if re.search(r"no-(?:cache|store)", cache_control, re.I):
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return float(match[1]) if match else None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now, else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def succeeded(previous: Mapping[str, Any]) -> dict[str, Any]:
    """A URL's state without the record of earlier failures."""
    return {k: v for k, v in previous.items() if k not in _FAILURE_KEYS}


def failed(previous: Mapping[str, Any], reason: str, retry_after: float | None) -> dict[str, Any]:
    """A URL's state after one more failure in a row."""
    state = dict(previous)
    state.update(
        failures=int(previous.get("failures", 0)) + 1,
        failed=now_iso(),
        failed_at=time.time(),
        error=reason,
        retry_after=retry_after,
    )
    return state


def checked(info: Mapping[str, Any]) -> dict[str, Any]:
    """The stamps of a successful check: ISO 8601 for people, epoch seconds for the schedule."""
    return {**succeeded(info), "checked": now_iso(), "checked_at": time.time()}


def _epoch(info: Mapping[str, Any], key: str) -> float | None:
    precise = info.get(f"{key}_at")
    if isinstance(precise, int | float):
        return float(precise)
    try:
        return datetime.fromisoformat(str(info[key])).timestamp() if info.get(key) else None
    except ValueError:
        return None


def next_due(info: Mapping[str, Any], every: float) -> float:
    """When (epoch seconds) a feed with state `info` should be fetched next (0: now)."""
    failures = int(info.get("failures") or 0)
    failed_at = _epoch(info, "failed")
    if failures and failed_at is not None:
        wait = min(every * 2.0**failures, max(every, MAX_BACKOFF))
        return failed_at + max(wait, float(info.get("retry_after") or 0.0))
    last = _epoch(info, "checked")
    if last is None:
        return 0.0
    return last + max(every, float(info.get("max_age") or 0.0))
