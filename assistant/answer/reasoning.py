"""Reasoning in code where code is exact: order in time and differences of figures.

A 1.5B model asked "did A report X before B reported Y?" guesses; the articles' publication
dates answer it. Asked "how many more…", it often gives one figure or subtracts wrongly; the
two figures it quotes from the passages give the difference. The model extracts and
phrases; these functions compare dates and do the arithmetic, and say nothing when what
they need is not there (then the model's answer stands as it is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..retrieve.pool import Found
from ..retrieve.questions import main_clause
from ..text import one_line
from ..types import Hit

_DIRECTION = re.compile(r"\b(before|after|earlier than|later than|prior to|preceding)\b", re.I)
_NEGATED = re.compile(r"\b(?:fail(?:ed|s)? to|not|never|n['’]t)\b", re.I)
TITLE_WORDS = 12


@dataclass(frozen=True)
class Composed:
    """An answer written by code: its text (with [n] markers) and the passages it cites."""

    text: str
    hits: tuple[Hit, ...]


def _moment(hit: Hit) -> datetime | None:
    if not hit.published:
        return None
    try:
        return datetime.fromisoformat(hit.published.replace("Z", "+00:00"))
    except ValueError:
        return None


def _title(hit: Hit) -> str:
    words = one_line(hit.title or hit.article_id).split()
    return " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")


def order_in_time(found: Found) -> Composed | None:
    """ "Did A report X before B reported Y?" from the publication dates of each part's best
    article; None when the question has no such shape or the dates do not tell."""
    analysis = found.analysis
    if analysis.kind != "order" or len(found.rankings) < 2:
        return None
    asks = main_clause(analysis.question)
    direction = _DIRECTION.search(asks)
    if direction is None or not found.rankings[0] or not found.rankings[1]:
        return None
    first, second = found.rankings[0][0], found.rankings[1][0]
    when_first, when_second = _moment(first), _moment(second)
    if first.article_id == second.article_id or when_first is None or when_second is None:
        return None
    if when_first.tzinfo is None or when_second.tzinfo is None:
        when_first, when_second = when_first.replace(tzinfo=None), when_second.replace(tzinfo=None)
    if when_first == when_second:
        return None
    earlier = when_first < when_second
    word = direction.group(1).lower()
    holds = earlier if word in ("before", "earlier than", "prior to", "preceding") else not earlier
    if _NEGATED.search(asks[: direction.start()]):
        holds = not holds
    relation = "before" if earlier else "after"
    text = (
        f"{'Yes' if holds else 'No'}. {first.source or 'One report'} published “{_title(first)}” "
        f"on {when_first.date().isoformat()} [1], {relation} {second.source or 'the other'} "
        f"published “{_title(second)}” on {when_second.date().isoformat()} [2]."
    )
    return Composed(text, (first, second))


_AMOUNT = re.compile(
    r"(?P<currency>[£$€])?\s?(?P<value>\d[\d,]*(?:\.\d+)?)\s?(?P<scale>bn|billion|m|million|k|"
    r"thousand|trillion|tn)?\b\s?(?P<unit>%|per ?cent|percentage points?)?",
    re.I,
)
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_SCALES |= {"tn": 1e12, "trillion": 1e12}
_SHORT = ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, ",000"))


@dataclass(frozen=True)
class Figure:
    value: float
    currency: str
    percent: bool
    year: bool
    written: str


def figures(text: str) -> list[Figure]:
    """The amounts written in `text` (marker numbers "[2]" are not amounts)."""
    found: list[Figure] = []
    for match in _AMOUNT.finditer(re.sub(r"\[\d{1,3}\]", " ", text)):
        raw = match.group("value").replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        scale = (match.group("scale") or "").lower()
        value *= _SCALES.get(scale, 1.0)
        year = not scale and not match.group("currency") and raw.isdigit() and 1800 <= value <= 2100
        found.append(
            Figure(value, match.group("currency") or "", bool(match.group("unit")), year, match[0])
        )
    return found


def difference(question: str, answer: str) -> str | None:
    """The sentence to add to `answer` for a "how many more / years between" question:
    the difference of the two figures the answer quotes, when it quotes exactly two of one
    kind and has not given their difference already."""
    asked = {f.value for f in figures(question)}  # "the Commodore 64" names, not measures
    numbers = [f for f in figures(answer) if f.value not in asked]
    kinds: dict[tuple[str, bool, bool], list[Figure]] = {}
    for number in numbers:
        kinds.setdefault((number.currency, number.percent, number.year), []).append(number)
    pairs = [group for group in kinds.values() if len({f.value for f in group}) >= 2]
    if not pairs:
        return None
    if re.search(r"\byears?\b", question, re.I):
        pairs.sort(key=lambda group: not group[0].year)
    a, b = pairs[0][0], next(f for f in pairs[0] if f.value != pairs[0][0].value)
    gap = abs(a.value - b.value)
    if gap == 0 or any(abs(n.value - gap) < 1e-9 for n in numbers[2:]):
        return None
    if a.year:
        unit = "year" if gap == 1 else "years"
        return f"That is {gap:g} {unit} apart."
    if a.percent:
        return f"That is a difference of {gap:.3g} percentage points."
    return f"That is a difference of {a.currency}{short(gap)}."


def short(value: float) -> str:
    """£100m, 55m, 1.2bn, 7 (as news writes amounts)."""
    for size, suffix in _SHORT[:3]:
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:,.6g}"
