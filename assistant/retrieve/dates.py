"""The dates a question names, each as the range of publication days it points at.

"the TechCrunch report published on October 2, 2023", "the article from 'Sport Grill' on
October 31st", "published at '2023-12-06T13:55:17+00:00'", "in late November", "in
October 2023", "last week": each becomes a `DateMention` with the span of the question it
came from (so the question analysis can tie it to the outlet next to it) and a day range.
A day names that day and its neighbours (time zones move a report across midnight); a
month or a part of one ("early", "mid", "late") names those days; a date without a year
takes the year of another date in the question, else the `default_year` given (the year of
the newest indexed article), so "October 6th" means the October the articles are from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .filters import PHRASES

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ),
        start=1,
    )
    for name in names.split()
}
# the names as a regex alternation, longest first ("sept" before "sep")
MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH = rf"(?P<month>{MONTH_NAMES})\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_ISO = re.compile(
    r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?:[T ][\d:.+\-Z]*)?"
)
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s*{_YEAR}\b)?", re.I)
_DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b(?:,?\s*{_YEAR}\b)?", re.I)
_PART_MONTH = re.compile(
    rf"\b(?P<part>early|mid|middle of|late|end of|beginning of|start of)[\s-]*{_MONTH}\b"
    rf"(?:,?\s*{_YEAR}\b)?",
    re.I,
)
_MONTH_YEAR = re.compile(rf"\b(?:in|during|throughout)\s+{_MONTH}(?:\s+{_YEAR})?\b", re.I)
_PARTS = {"early": (1, 10), "beginning of": (1, 10), "start of": (1, 10), "mid": (11, 20)}
_PARTS |= {"middle of": (11, 20), "late": (21, 31), "end of": (21, 31)}
NEIGHBOURS = 1
"""Days either side of a named day that still count as that day's reports."""


@dataclass(frozen=True)
class DateMention:
    """A date or period named in a question: where, and the days it covers."""

    start: int
    end: int
    first: date
    last: date


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_mentions(question: str, default_year: int, today: date | None = None) -> list[DateMention]:
    """Every date or period `question` names, in order, none overlapping."""
    years = [int(m.group("year")) for m in re.finditer(rf"\b{_YEAR}\b", question)]
    fallback = years[0] if years else default_year
    found: list[DateMention] = []

    def add(start: int, end: int, first: date | None, last: date | None) -> None:
        if first is None or last is None:
            return
        if any(start < m.end and m.start < end for m in found):
            return
        found.append(DateMention(start, end, first, last))

    for m in _ISO.finditer(question):
        day = _safe(int(m["year"]), int(m["month"]), int(m["day"]))
        if day:
            add(m.start(), m.end(), *_around(day))
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        for m in pattern.finditer(question):
            year = int(m["year"]) if m["year"] else fallback
            day = _safe(year, MONTHS[m["month"].lower()], int(m["day"]))
            if day:
                add(m.start(), m.end(), *_around(day))
    for m in _PART_MONTH.finditer(question):
        year, month = int(m["year"]) if m["year"] else fallback, MONTHS[m["month"].lower()]
        low, high = _PARTS[" ".join(m["part"].lower().split())]
        last = min(_month_end(year, month), date(year, month, 1) + timedelta(days=high - 1))
        add(m.start(), m.end(), date(year, month, low), last)
    for m in _MONTH_YEAR.finditer(question):
        if m["month"].lower() == "may" and not m["year"]:
            continue  # "in May" is a month; "in may" a verb: only with its year
        year, month = int(m["year"]) if m["year"] else fallback, MONTHS[m["month"].lower()]
        add(m.start(), m.end(), date(year, month, 1), _month_end(year, month))
    today = today or date.today()
    lowered = question.lower()
    for pattern, span in PHRASES:
        for m in pattern.finditer(lowered):
            add(m.start(), m.end(), *span(today))
    return sorted(found, key=lambda m: m.start)


def _around(day: date) -> tuple[date, date]:
    return day - timedelta(days=NEIGHBOURS), day + timedelta(days=NEIGHBOURS)
