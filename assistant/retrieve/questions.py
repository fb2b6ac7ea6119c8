"""What a question asks and of which reports: outlets, dates, kind and parts, by rules.

"Did the Guardian's report on Tuesday contradict the BBC's?" refers to two reports, each
with its own outlet and date; one search for the whole question finds the better-matching
one and misses the other. `analyse` reads the question once, with no model and in well
under a millisecond:

- the outlets it names, matched to the indexed sources (`outlets.OutletMatcher`);
- the dates and periods it names (`dates.date_mentions`), each tied to the outlet it is
  written next to;
- its kind: a yes/no question, a choice between named options ("consistent or
  inconsistent"), a numeric difference, an order in time, or an entity (who, which, what);
- its parts: one per report it refers to. Outlets written together ("reported by both The
  Verge and TechCrunch") share the whole question; outlets in different clauses ("the
  TechCrunch article on GPT-4 …, while the Fortune article on …") each get their clause;
  one outlet's reports on two days, or named again as "the same source", are two parts
  (`reports`); a clause that says nothing of its report ("Between the report from X
  published on October 12 and …") takes the whole question.

A question that names no outlet and no date has one part, the question itself, with no
filter: it is searched exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from ..text import content_words
from .dates import MONTHS, DateMention, date_mentions
from .outlets import Mention, OutletMatcher
from .reports import a_day, a_range, by_date, with_repeats, without_names

_AUX = (
    "is are was were do does did has have had can could will would should might may must"
).split()
_YES_NO = re.compile(rf"^(?:{'|'.join(_AUX)})\b", re.I)
_WH = re.compile(r"^(?:who|whom|whose|which|what|where|when|why|how)\b", re.I)
_ASKS = re.compile(rf"^(?:{'|'.join(_AUX)}|who|whom|whose|which|what|where|when|why|how)\b", re.I)
_CHOICE = re.compile(
    r"\b(?:an?\s+|the\s+)?([a-z][\w'-]*),?\s+or\s+(?:an?\s+|the\s+)?([a-z][\w'-]*)"
    r"((?:\W+\w+){0,4})\W*$",
    re.I,
)
_FUNCTION = frozenset({*_AUX, "not", "no", "it", "they", "he", "she", "that", "this", "both"})
_DIFFERENCE = re.compile(
    r"\b(?:how (?:many|much) (?:more|fewer|less|longer|shorter|higher|lower)|by how much|"
    r"what (?:is|was) the difference|how many (?:years|days|months|weeks) (?:after|before|"
    r"between|separated))\b",
    re.I,
)
_ORDER = re.compile(
    r"((?:\S+\W+){0,3})\b(?:before|after|earlier than|later than|prior to|preceding)\b"
    r"((?:\W+\S+){0,8})",
    re.I,
)
_THAT_DATE = re.compile(r"(?:that|this|the same) (?:date|day|time)\b|then\b", re.I)
_REPORTING = re.compile(
    r"\b(?:report\w*|articles?|stor(?:y|ies)|publish\w*|wr[io]te|written|cover\w*|piece|"
    r"posted|mention\w*|announc\w*)\b",
    re.I,
)
_TOGETHER = re.compile(r"^(?:\s*(?:,|and|or|&|as well as|both)\s*|\s+)+$", re.I)
_EXCEPT = re.compile(r"\b(?:other than|not on|except(?: on)?|excluding)\s+(?:the\s+)?$", re.I)
_BOUND = re.compile(r"\b(before|prior to|until|after|since)\s+(?:the\s+)?$", re.I)
_CLAUSE_BREAK = re.compile(r"[,;:?]|\b(?:while|whereas|but|than|compared)\b", re.I)
"""What ends a report's clause before a date: punctuation or a contrast, not a bare "and"
(the Verge's report "on the Pixel and the iPhone published on October 5")."""


@dataclass(frozen=True)
class Part:
    """One report the question refers to: what to search for, and where to look."""

    query: str
    sources: tuple[str, ...] = ()
    since: int | None = None
    until: int | None = None
    label: str = ""
    """How the step is shown: "TechCrunch, 2023-10-02"."""


@dataclass(frozen=True)
class Analysis:
    """What `analyse` found in a question."""

    question: str
    kind: str
    """yes/no, choice, difference, order, entity or open."""
    outlets: tuple[Mention, ...] = ()
    dates: tuple[DateMention, ...] = ()
    parts: tuple[Part, ...] = ()
    choices: tuple[str, ...] = ()
    """For a choice question, the options as written ("consistent", "inconsistent")."""
    named: bool = field(default=False)
    """True when the question names an outlet or a date (so the parts carry filters)."""

    @property
    def multi(self) -> bool:
        return len(self.parts) > 1

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "outlets": [{"text": m.text, "sources": list(m.sources)} for m in self.outlets],
            "dates": [
                {"first": d.first.isoformat(), "last": d.last.isoformat()} for d in self.dates
            ],
            "choices": list(self.choices),
            "parts": [
                {
                    "query": p.query,
                    "sources": list(p.sources),
                    "since": p.since,
                    "until": p.until,
                    "label": p.label,
                }
                for p in self.parts
            ],
        }


def main_clause(question: str) -> str:
    """The clause that asks: from the first auxiliary or question word that opens the
    question or a clause ("Between the report … and …, was there a change …" -> "was
    there a change …"; "In which village …" -> "which village …")."""
    text = question.strip()
    if _ASKS.match(text):
        return text
    after_comma = re.search(rf",\s*(?:and\s+|then\s+)?(?={_ASKS.pattern[1:]})", text, re.I)
    if after_comma:
        return text[after_comma.end() :]
    inner = re.search(r"\b(?:which|who|whom|whose|what|how)\b", text, re.I)
    return text[inner.start() :] if inner else text


def kind_of(question: str) -> tuple[str, tuple[str, ...]]:
    """The kind of `question` and, for a choice, its options."""
    text = question.strip()
    main = main_clause(text)
    if _DIFFERENCE.search(text):
        return "difference", ()
    yes_no = bool(_YES_NO.match(main))
    choice = _CHOICE.search(main)
    if choice and (yes_no or re.match(r"(?i)(?:which|what|who)\b", main)):
        options = (choice.group(1).lower(), choice.group(2).lower())
        if _comparable(options):
            return "choice", options
    if yes_no:
        return ("order" if _orders_reports(main) else "yes/no"), ()
    if _WH.match(main):
        return "entity", ()
    return "open", ()


def _orders_reports(clause: str) -> bool:
    """Whether "before"/"after" in `clause` orders two reports ("did A report X before B
    reported Y?", "published after") rather than events inside one ("returned to the game
    after a head injury"): a word of reporting stands just before it or soon after it.
    "before December 5, 2023" or "after that date" bounds a date, it orders nothing."""
    for m in _ORDER.finditer(clause):
        if _bounds_a_date(m.group(2)):
            continue
        before = m.group(1).split()
        if _REPORTING.search(before[-1] if before else "") or _REPORTING.search(m.group(2)):
            return True
    return False


def _bounds_a_date(following: str) -> bool:
    """Whether the words after "before"/"after" are a date ("December 5", "2023-10-02",
    "that date", "then") rather than a report or an event."""
    text = following.lstrip(" ,")
    if _THAT_DATE.match(text):
        return True
    return any(m.start == 0 for m in date_mentions(text, 2000))


def _comparable(options: tuple[str, str]) -> bool:
    """ "consistent or inconsistent", "a win or a loss": two alternatives, not "… agree, or
    do they present different reasons" (a yes/no question with a second clause)."""
    return options[0] != options[1] and not _FUNCTION & set(options)


def analyse(
    question: str,
    matcher: OutletMatcher | None = None,
    *,
    default_year: int | None = None,
    today: date | None = None,
) -> Analysis:
    """Read `question` (see the module docstring). `matcher` knows the indexed sources."""
    kind, choices = kind_of(question)
    outlets = with_repeats(question, matcher.mentions(question)) if matcher else ()
    # "Today" in "Business Today" names an outlet, not a day; "on a date other than
    # October 19" names the one day not to search
    dates = tuple(
        d
        for d in date_mentions(question, default_year or (today or date.today()).year, today)
        if not any(m.start < d.end and d.start < m.end for m in outlets)
        and not _EXCEPT.search(question[max(0, d.start - 24) : d.start])
    )
    if not outlets and not dates:
        return Analysis(question, kind, parts=(Part(question),), choices=choices)
    groups = _groups(question, outlets)
    parts = _parts(question, groups, dates)
    return Analysis(question, kind, outlets, dates, parts, choices, named=True)


def _groups(question: str, outlets: Sequence[Mention]) -> list[list[Mention]]:
    """Outlets written together ("The Verge and TechCrunch") form one group."""
    groups: list[list[Mention]] = []
    for mention in outlets:
        if groups and _TOGETHER.match(question[groups[-1][-1].end : mention.start]):
            groups[-1].append(mention)
        else:
            groups.append([mention])
    return groups


def _parts(
    question: str, groups: list[list[Mention]], dates: Sequence[DateMention]
) -> tuple[Part, ...]:
    """One part per group of outlets (each with its clause and its dates), or one part for
    the whole question when it names only dates."""
    if not groups:
        since, until = _span(question, dates)
        return (Part(question, (), since, until, _label((), dates)),)
    bounds = [g[0].start for g in groups] + [len(question)]
    starts = [0, *bounds[1:-1]]
    parts: list[Part] = []
    shared = len(groups) == 1
    whole = without_names(question, (m for g in groups for m in g)) or question
    for i, group in enumerate(groups):
        clause = question if shared else question[starts[i] : bounds[i + 1]]
        mine = [d for d in dates if _nearest(question, d, groups) == i]
        since, until = _span(question, mine)
        sources = tuple(dict.fromkeys(s for m in group for s in m.sources))
        clause = without_names(clause, group)
        # "Between the report from [CBSSports.com] published on October 12, 2023, and …"
        # names a report and says nothing of it: the whole question says what is asked
        clause = clause if _says_something(clause) else whole
        if len(group) > 1:  # several outlets reported the same thing: search each
            parts.extend(
                Part(clause, m.sources, since, until, _label(m.sources, mine)) for m in group
            )
        elif (
            len(days := [d for d in mine if a_day(d)]) > 1
            and not a_range(question, days)
            and all(starts[i] <= d.start and d.end <= bounds[i + 1] for d in days)
        ):
            # one outlet's two reports, told apart by the days they were published ("as
            # reported by Sporting News … the game on September 28, and the game on November
            # 9"): one part each; a month beside them ("met in July") is the story's, not a
            # day of publication
            for text, dated in by_date(question, starts[i], bounds[i + 1], group, days):
                since, until = _span(question, dated)
                text = text if _says_something(text) else whole
                parts.append(Part(text, sources, since, until, _label(sources, dated)))
        else:
            parts.append(Part(clause, sources, since, until, _label(sources, mine)))
    return tuple(parts)


_NOT_TOPIC = re.compile(
    rf"^(?:\d+|{'|'.join(MONTHS)}|between|sources?|news|am|pm|also|both|same)$|{_REPORTING.pattern}"
)
SAYS = 3
"""Content words a report's clause needs, dates and words of reporting aside, to be
searched (and judged) on its own."""


def _says_something(clause: str) -> bool:
    return len({w for w in content_words(clause) if not _NOT_TOPIC.match(w)}) >= SAYS


_ENDS_CLAUSE = re.compile(r"^\W*,\s*(?:and|while|whereas|but)\s+(?:the\s+)?\W*$", re.I)


def _nearest(question: str, mention: DateMention, groups: list[list[Mention]]) -> int:
    """The group a date belongs to: the outlets written just before it in the same clause
    ("the TechCrunch report published on October 7, and The Verge's…": October 7 is
    TechCrunch's, though The Verge is written closer), else the group written closest to it
    (ties go to the earlier)."""
    before = [i for i, g in enumerate(groups) if g[-1].end <= mention.start]
    after = [i for i, g in enumerate(groups) if g[0].start >= mention.end]
    if before and after and _ENDS_CLAUSE.match(question[mention.end : groups[after[0]][0].start]):
        return before[-1]  # "X reported … on October 14, and Y reported …": X's date
    if before:
        between = question[groups[before[-1]][-1].end : mention.start]
        if not _CLAUSE_BREAK.search(between):
            return before[-1]

    def distance(group: list[Mention]) -> int:
        return min(max(0, m.start - mention.end, mention.start - m.end) for m in group)

    return min(range(len(groups)), key=lambda i: (distance(groups[i]), i))


def _span(question: str, dates: Sequence[DateMention]) -> tuple[int | None, int | None]:
    """The days `dates` cover, as epoch seconds; a date written after "before" ("published
    before November 16") bounds only the end, one after "after" or "since" only the start."""
    if not dates:
        return None, None
    first, last = min(d.first for d in dates), max(d.last for d in dates)
    bounds = [_BOUND.search(question[max(0, d.start - 16) : d.start]) for d in dates]
    words = {b.group(1).lower() for b in bounds if b}
    since: int | None = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
    until: int | None = int(
        datetime(last.year, last.month, last.day, 23, 59, 59, tzinfo=UTC).timestamp()
    )
    if words & {"before", "prior to", "until"}:
        since = None
    if words & {"after", "since"}:
        until = None
    return since, until


def _label(sources: Sequence[str], dates: Sequence[DateMention]) -> str:
    names = ", ".join(sources[:2]) + (" …" if len(sources) > 2 else "")
    when = ", ".join(
        d.first.isoformat() if d.first == d.last else f"{d.first.isoformat()}…{d.last.isoformat()}"
        for d in dates[:2]
    )
    return " · ".join(x for x in (names, when) if x) or "all articles"
