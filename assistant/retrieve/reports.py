"""Telling apart the reports of one outlet that a question refers to.

"Has the platform, as reported by Sporting News, changed between the game on September 28,
2023, and the game on November 9, 2023?" names one outlet and two of its reports; searched
as one part with both days as a filter, the pool fills with whichever report matches the
words better and the other is missed. So an outlet's clause that names two days or more
(not a span, "between October 2 and October 5") is cut between them, one part per day,
each with its own piece of the clause. "Did the Sporting News report X, and did the same
source also report Y?" names the outlet twice: "the same source" stands for the outlet
written before it, so each report gets its own clause (`with_repeats`).

On the MultiHop-RAG dev split this changes the parts of 16 of 299 questions (none of the
Lee, BBC or seed dev questions): the top 4 articles hold every report for 0.81 of them
(0.63 before), and the answers to them are right for 0.63 (0.44 before).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .dates import NEIGHBOURS, DateMention
from .outlets import Mention

_SAME_OUTLET = re.compile(
    r"\b(?:the same|that same|that|this) (?:news )?(?:source|outlet|publication|newspaper|"
    r"site|website)\b",
    re.I,
)
_RANGE_GAP = re.compile(r"^\W*(?:and|to|through|until|till|-|–)\W*$", re.I)
_DATE_BREAK = re.compile(r",\s*(?:(?:and|or)\s+)?(?:then\s+)?|\s+(?:and|or)\s+(?:then\s+)?", re.I)
_DATE_BREAK_START = re.compile(r"^\W*(?:(?:and|or)\s+)?(?:then\s+)?", re.I)
_JOINED = re.compile(r"\b(?:and|or|then)\b", re.I)
_OPENING = re.compile(r"^\W+|\W+$")


def with_repeats(question: str, named: Sequence[Mention]) -> tuple[Mention, ...]:
    """The outlets named, with "the same source" after one of them standing for it again
    ("did the Sporting News report X, and did the same source also report Y?": a second
    report of that outlet, with its own clause)."""
    found = list(named)
    for m in _SAME_OUTLET.finditer(question):
        earlier = [n for n in found if n.end <= m.start()]
        if earlier and not any(n.start < m.end() and m.start() < n.end for n in found):
            found.append(Mention(m.start(), m.end(), m.group(), earlier[-1].sources))
    return tuple(sorted(found, key=lambda n: n.start))


def without_names(text: str, mentions: Iterable[Mention]) -> str:
    """`text` without the outlets' names (a name says nothing about what was reported) and
    the punctuation left at its ends."""
    for m in mentions:
        text = text.replace(m.text, " ")
    return " ".join(_OPENING.sub("", text).split())


def a_day(mention: DateMention) -> bool:
    """Whether `mention` names a day (with its neighbours), not a month or a period."""
    return (mention.last - mention.first).days <= 2 * NEIGHBOURS


def a_range(question: str, dates: Sequence[DateMention]) -> bool:
    """Whether consecutive dates are written as a span ("between October 2 and October 5",
    "from May 1 to May 9"): one period to search, not two reports."""
    return any(
        _RANGE_GAP.match(question[a.end : b.start]) for a, b in zip(dates, dates[1:], strict=False)
    )


def by_date(
    question: str, start: int, end: int, group: Sequence[Mention], dates: Sequence[DateMention]
) -> list[tuple[str, list[DateMention]]]:
    """An outlet's clause `question[start:end]` cut between its `dates`, each piece with
    its date. The cut is the last comma joined to "and"/"or" between two dates (", and the
    game on …"), else the first "and"/"or", else the last comma; the outlet's name is left
    out of the pieces, as of every clause (a piece may be left empty)."""
    cuts = [start]
    for a, b in zip(dates, dates[1:], strict=False):
        gap = question[a.end : b.start]
        breaks = list(_DATE_BREAK.finditer(gap))
        joined = [m for m in breaks if _JOINED.search(m.group())]
        commas = [m for m in joined if "," in m.group()]
        # ", and the game on …" opens the next report; ", article about …" (after "their
        # November 6, 2023") goes on describing this one
        chosen = commas[-1:] or joined[:1] or breaks[-1:]
        cuts.append(a.end + (chosen[0].start() if chosen else len(gap) // 2))
    cuts.append(end)
    pieces = []
    for low, high, day in zip(cuts[:-1], cuts[1:], dates, strict=True):
        text = _DATE_BREAK_START.sub("", question[low:high])
        pieces.append((without_names(text, group), [day]))
    return pieces
