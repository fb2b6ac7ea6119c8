"""A difference of two figures, found and worked out in code.

Asked "How many years separated A and B?" or "How many more texts were sent on New Year's
Day than on an average day?", a 1.5B model quotes the wrong figures or subtracts wrongly
("4 years after … 1982"). The question names its two sides; each side's best sentence among
the passages found states its figure ("launched in 1982", "The 1984 release of the Mac").
So the question is split into its sides, each side's sentences are ranked for it, and
when each side's best sentence holding a figure of the asked kind holds exactly one, the
answer is the difference, followed by both sentences as quotes. Whenever anything is
unclear (no sides, no figure, two candidate figures, figures of two kinds), nothing is
composed and the model answers as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..retrieve.dates import MONTH_NAMES
from ..text import content_words
from ..types import Hit
from .check.support import SupportChecker
from .context import rank_sentences
from .reasoning import Figure, figures, short

ABOUT = 0.5
"""Share of a side's words that its sentence's article must hold more than: a sentence with
a figure of the right kind in an article about something else is not that side."""
MARGIN = 0.03
"""How far a side's best sentence must rank above any sentence giving another figure."""

_DETERMINER = r"(?:the|a|an|his|her|its|their|that|this|those|these)\b"
_BETWEEN = re.compile(
    rf"\b(?:between|separated)\s+(?P<a>.+?)\s+and\s+(?P<b>{_DETERMINER}.+?)\W*$", re.I
)
_AFTER = re.compile(
    r"\bhow (?:many years|long) (?:after|before)\s+(?P<a>.+?)\s+"
    r"(?:was|were|did|does|do|is|are|had|has)\s+(?P<b>.+?)\W*$",
    re.I,
)
_MORE = re.compile(
    r"\bhow (?:many|much) (?:more|fewer|less|higher|lower)\s+(?P<a>.+?)\s+than\s+(?P<b>.+?)\W*$",
    re.I,
)
_BEAT = re.compile(
    r"\bby how much did\s+(?P<a>.+?)\s+(?:exceed|beat|top|outstrip|surpass|miss|trail|"
    r"fall short of|undershoot|overshoot)\s+(?P<b>.+?)\W*$",
    re.I,
)
_CALENDAR = re.compile(r"\bhow many (?:days|weeks|months)\b", re.I)
_POINTING = re.compile(r"(?:that|this|those|these|the same)\b", re.I)
_PREPOSITION = re.compile(r"\s(?:in|on|at|during|for|by|from)\s", re.I)
_DAY = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTH_NAMES})\b|\b(?:{MONTH_NAMES})\s+"
    r"\d{1,2}(?:st|nd|rd|th)?\b",
    re.I,
)


@dataclass(frozen=True)
class Worked:
    """A difference composed in code: the lead sentence, the two quotes (with [1] and [2])
    and the passages they come from."""

    lead: str
    quotes: str
    hits: tuple[Hit, Hit]


def sides(question: str) -> tuple[str, str] | None:
    """The two things a difference question compares, as search text for each; None when
    the question has no shape this reads, or asks for days, weeks or months (the figures
    a side's sentence holds are years and amounts, not spans of the calendar)."""
    text = " ".join(question.split())
    if _CALENDAR.search(text):  # days between two dates: no figure a sentence holds
        return None
    lead, _, asks = text.rpartition(". ")  # "Ahead of its results, X predicted…. By how much…"
    for pattern in (_AFTER, _BEAT, _BETWEEN, _MORE):
        match = pattern.search(asks)
        if match is None:
            continue
        a, b = match.group("a"), match.group("b")
        if pattern is _MORE:  # "texts were sent on New Year's Day … than on an average day"
            head = _PREPOSITION.split(f" {a} ", maxsplit=1)[0].strip()
            b = f"{head} {b}"
        if lead:  # "that forecast" means the one the lead sentence names
            a, b = (f"{lead} {s}" if _POINTING.match(s) else s for s in (a, b))
        return a, b
    return None


def asks_years(question: str) -> bool:
    """Whether the difference asked is in years ("how many years after…", "how long"), not
    an amount that merely names a year ("how many more cars than last year")."""
    return bool(re.search(r"\bhow (?:many years|long)\b", question, re.I))


def _kind(figure: Figure) -> tuple[str, bool, bool]:
    return figure.currency, figure.percent, figure.year


def _figures(sentence: str, asked: set[float], years: bool) -> list[Figure]:
    """The figures of `sentence` a side may stand for: not the question's own, not a day of
    a month, years when years are asked and never otherwise."""
    plain = _DAY.sub(" ", sentence)
    return [f for f in figures(plain) if f.value not in asked and f.year == years]


def _stems(text: str) -> set[str]:
    """Content words cut to five letters ("deselection" meets "deselected"), no figures."""
    return {w[:5] for w in content_words(text) if not w.isdigit()}


Candidate = tuple[float, int, str, list[Figure]]


def _candidates(
    checker: SupportChecker, side: str, hits: Sequence[Hit], asked: set[float], years: bool
) -> list[Candidate]:
    """The sentences holding figures of the asked kind, in articles about `side`, best
    first for it."""
    want = _stems(side)
    covered = {
        a: len(want & _stems(" ".join(h.text for h in hits if h.article_id == a)))
        for a in {h.article_id for h in hits}
    }
    ranked = []
    for score, j, start, end in rank_sentences(checker, side, hits, meaning=0.5):
        sentence = " ".join(hits[j].text[start:end].split())
        found = _figures(sentence, asked, years)
        if found and covered[hits[j].article_id] > ABOUT * len(want):
            ranked.append((score, j, sentence, found))
    return ranked


def _best(ranked: list[Candidate], other: str) -> tuple[int, str, Figure] | None:
    """A side's best sentence, when it holds one figure and no sentence giving another
    figure ranks as well (within MARGIN); `other`, the other side's sentence, competes for
    neither (the two sides are two things)."""
    ranked = [r for r in ranked if r[2] != other]
    if not ranked or len(ranked[0][3]) != 1:
        return None
    score, j, sentence, (figure,) = ranked[0]
    rival = next((r[0] for r in ranked[1:] if {f.value for f in r[3]} != {figure.value}), None)
    if rival is not None and score - rival < MARGIN:
        return None
    return j, sentence, figure


def work_out(checker: SupportChecker, question: str, hits: Sequence[Hit]) -> Worked | None:
    """The difference `question` asks for, from `hits` (see the module docstring)."""
    split = sides(question)
    if split is None or not hits:
        return None
    years = asks_years(question)
    asked = {f.value for f in figures(question)}
    ranked_a, ranked_b = (_candidates(checker, s, hits, asked, years) for s in split)
    if not ranked_a or not ranked_b:
        return None
    first = _best(ranked_a, ranked_b[0][2])
    second = _best(ranked_b, ranked_a[0][2])
    if first is None or second is None or first[1] == second[1]:
        return None
    (ja, quote_a, a), (jb, quote_b, b) = first, second
    if _kind(a) != _kind(b):
        return None
    gap = abs(a.value - b.value)
    if gap == 0:
        return None
    both = f"{_written(a)} and {_written(b)}"
    if years:
        lead = f"{gap:g} {'year' if gap == 1 else 'years'} apart ({both})."
    elif a.percent:
        lead = f"A difference of {gap:.3g} percentage points ({both})."
    else:
        lead = f"A difference of {a.currency}{short(gap)} ({both})."
    return Worked(lead, f"{quote_a} [1] {quote_b} [2]", (hits[ja], hits[jb]))


def _written(figure: Figure) -> str:
    return figure.written.strip(" ,;:.()")
