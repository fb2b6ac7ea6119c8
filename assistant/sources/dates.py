"""Publication dates in whatever form a source gives them, as ISO 8601 or epoch seconds.

Files and feeds write dates every way there is: ISO strings, RFC 2822, "5 Nov 2024 9:00
EST", epoch seconds or milliseconds. `normalise_date` turns all of them into one ISO form (a
value missing its year or day, or with a year of fewer than four digits, is None rather than
a guess), so the store can filter and sort articles by `to_epoch` of that one form. Shared by
the file readers and the feed reader.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from dateutil import parser as date_parser

_EPOCH = re.compile(r"-?\d{9,13}(\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Two parse defaults that differ in every field: a field that comes out different under
# them was not in the string, so "Nov 5" (no year) is rejected and "5 Nov 2024" is a date.
_DEFAULT_A = datetime(1904, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(1908, 2, 2, 1, 1, 1)
_TZ_OFFSETS = (
    "EST=-5 EDT=-4 CST=-6 CDT=-5 MST=-7 MDT=-6 PST=-8 PDT=-7 BST=1 CET=1 CEST=2 AEST=10 AEDT=11"
)


class _FourDigitYears(date_parser.parserinfo):  # type: ignore[misc]
    """dateutil reads "1" or "24" as a year of this century ("Thu, 01 Jan 1" -> 2001):
    a year must be written whole, with four digits."""

    def convertyear(self, year: int, century_specified: bool = False) -> int:
        if not century_specified or year < 1000:
            raise ValueError(f"year {year} is not written with four digits")
        return int(super().convertyear(year, century_specified))


_PARSER_INFO = _FourDigitYears()
_TZINFOS = {
    name: timezone(timedelta(hours=int(hours)))
    for name, hours in (pair.split("=") for pair in _TZ_OFFSETS.split())
}


def normalise_date(value: Any) -> str | None:
    """Return `value` as ISO 8601 (`YYYY-MM-DD`, or a datetime with offset), or None.

    Accepts ISO strings, RFC 2822 and other human formats, and epoch seconds or milliseconds.
    A datetime without a zone is taken to be UTC. A value missing its year or day is None.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_epoch(value)
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    if _EPOCH.fullmatch(raw):
        return _from_epoch(float(raw))
    if _ISO_DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = date_parser.parse(
                raw, parserinfo=_PARSER_INFO, default=_DEFAULT_A, tzinfos=_TZINFOS
            )
            second = date_parser.parse(
                raw, parserinfo=_PARSER_INFO, default=_DEFAULT_B, tzinfos=_TZINFOS
            )
    except (ValueError, OverflowError):
        return None
    assert isinstance(first, datetime) and isinstance(second, datetime)
    if first.date() != second.date():
        return None
    if first.hour != second.hour:
        return first.date().isoformat()
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    return first.isoformat(timespec="seconds")


def to_epoch(published: str | None) -> int | None:
    """Seconds since the epoch (UTC) of an ISO value; a bare date means midnight UTC."""
    if not published:
        return None
    try:
        moment = datetime.fromisoformat(published.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _from_epoch(seconds: float | int) -> str | None:
    try:
        seconds = float(seconds)  # an int too large for a float is no date
    except OverflowError:
        return None
    if abs(seconds) > 1e11:  # milliseconds
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):
        return None
