"""The outlets a question names, matched to the source names in the index.

People write an outlet the way they know it: "The Verge", "Verge", "the Independent",
"CBS Sports", "'Fortune'". The index knows it by whatever its feed or export called it:
"The Verge", "The Independent - Life and Style", "CBSSports.com". `OutletMatcher` derives
the names a source goes by (the whole name; without a leading "The"; the part before a
" - ", " | " or ": " subtitle; a web address without its ".com"; "CBSSports" as "CBS
Sports") and finds them in a question, longest first. A name of one significant word
("Fortune", "The Age", "Wired") must be written with its capital, so "a fortune" and "the
age of 30" name nothing; a name shared by several sources ("The Independent") stands for
all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SUBTITLE = re.compile(r"\s+(?:-|\||:|–|—)\s+")
_DOMAIN = re.compile(r"\.(?:com|co\.uk|org|net|news|io)$", re.I)
_WORD = re.compile(r"[\w'’&.]+")
_POSSESSIVE = re.compile(r"['’]s$")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")  # CBSSports: CBS Sports


@dataclass(frozen=True)
class Mention:
    """An outlet named in a question: where, as written, and the sources it stands for."""

    start: int
    end: int
    text: str
    sources: tuple[str, ...]


def _words(name: str) -> list[str]:
    return [w.strip(".'’") for w in _WORD.findall(name.replace("&", " and "))]


def _aliases(name: str) -> set[str]:
    """The names a source goes by (each a space-joined word list, case kept)."""
    head = _SUBTITLE.split(name.strip())[0]
    found = set()
    bare = _DOMAIN.sub("", head)
    for candidate in {name.strip(), head, bare, _CAMEL.sub(" ", bare)}:
        words = [w for w in _words(candidate) if w]
        if not words:
            continue
        found.add(" ".join(words))
        if words[0].lower() == "the" and len(words) > 1:
            found.add(" ".join(words[1:]))
    return found


class OutletMatcher:
    """Finds the indexed sources a question names (see the module docstring)."""

    def __init__(self, sources: Iterable[str]) -> None:
        self.sources = tuple(sorted({s for s in sources if s and s.strip()}))
        table: dict[str, set[str]] = {}
        for source in self.sources:
            for alias in _aliases(source):
                table.setdefault(alias.lower(), set()).add(source)
        # an alias naming one source exactly wins over a shorter, shared one
        self._patterns: list[tuple[str, re.Pattern[str], bool, tuple[str, ...]]] = []
        for alias in sorted(table, key=lambda a: (-len(a), a)):
            pattern, may_open = _pattern(alias, table[alias])
            key = next(w for w in alias.split() if w != "the")
            self._patterns.append((key, pattern, may_open, tuple(sorted(table[alias]))))

    def mentions(self, question: str) -> list[Mention]:
        """The outlets `question` names, in order, none overlapping (longest first)."""
        taken: list[tuple[int, int]] = []
        found: list[Mention] = []
        opening = len(question) - len(question.lstrip(" \"'‘“("))
        # "The Verge's report": the possessive is no part of the name
        words = {_POSSESSIVE.sub("", w.lower()) for w in _words(question)}
        for key, pattern, may_open, sources in self._patterns:
            if key not in words:  # cheap: most aliases' words are not in the question
                continue
            for match in pattern.finditer(question):
                start, end = match.span("name")
                if (start <= opening and not may_open) or any(
                    start < e and s < end for s, e in taken
                ):
                    continue
                taken.append((start, end))
                found.append(Mention(start, end, question[start:end], sources))
        return sorted(found, key=lambda m: m.start)


def _pattern(alias: str, sources: set[str]) -> tuple[re.Pattern[str], bool]:
    """A regex for `alias` in a question (words apart by spaces or punctuation; the case
    free for names of several significant words, else the capital as the source has it),
    and whether it may open the question."""
    words = alias.split()
    significant = [w for w in words if w.lower() != "the"]
    if len(significant) >= 2 or any(not w.isalpha() for w in significant):
        body = r"[\s\-.|:–—]*".join(re.escape(w) for w in words)
        return re.compile(rf"(?<!\w)(?P<name>{body})(?!\w)", re.I), True
    word = significant[0]
    cased = {w for s in sources for w in _words(s) if w.lower() == word.lower()}
    spelled = "|".join(re.escape(w) for w in sorted((cased or {word}) | {word.upper()}))
    if len(words) > len(significant):  # "The Age": "the" in any case, "Age" as written
        return re.compile(rf"(?<!\w)(?P<name>(?i:the)\s+(?:{spelled}))(?!\w)"), True
    # a capitalised word opening the question is not a name ("Wired" could be a verb)
    return re.compile(rf"(?<!\w)(?P<name>{spelled})(?!\w)"), False


_NAME = r"(?:[A-Z][\w&.'’-]*)(?:\s+(?:of\s+|and\s+|&\s+|the\s+)?[A-Z][\w&.'’-]*){0,7}"
_REPORT = r"(?:article|report|story|piece|coverage|analysis|review|column|editorial|op-ed)s?"
_NOUN_USE = (
    r"(?=\s+(?:on|about|that|which|published|from|by|in|of|for\s+(?:the|a)\b|\w+ing|"
    r"suggest|indicat|claim|report|say|state|describ|mention|argu|impl|highlight|note|"
    r"detail|discuss|present|portray|attribut|expect|consider|praise|criticiz|confirm|"
    r"reveal|provid|assess|focus|also|both|and\b)|\s*[,.?;:)]|$)"
)
"""After "report" as a noun ("the X report on …", "the X report, …"), not a verb ("did the
Royal Bank of Scotland report for 2004")."""
_OUTLET_PHRASES = (
    re.compile(rf"\b(?:an?|the|another)\s+(?P<name>{_NAME})(?:'s|’s)?\s+{_REPORT}\b{_NOUN_USE}"),
    re.compile(
        rf"\b(?:{_REPORT}|another)\s+(?:from|by|in|published by|published in)\s+(?:the\s+)?"
        rf"(?P<name>{_NAME})"
    ),
    re.compile(rf"\b(?:reported by|as reported in|published by)\s+(?:the\s+)?(?P<name>{_NAME})"),
)


def unknown_outlets(question: str, matcher: OutletMatcher) -> list[str]:
    """The outlets `question` names as the publisher of a report ("a Forbes article", "a
    report from The Times of India") that match no indexed source: their reports cannot be
    in the index, so the question cannot be answered from it."""
    found: list[str] = []
    for pattern in _OUTLET_PHRASES:
        for match in pattern.finditer(question):
            before = question[max(0, match.start("name") - 1) : match.start("name")]
            after = question[match.end("name") : match.end("name") + 1]
            raw = match.group("name")
            if any(q in "'\"‘“’”" for q in (before, after, raw[-1]) if q):
                continue  # a title in quotes ("the 'Moneyline Betting' article")
            for name in re.split(r"\s+(?:and|&)\s+(?:the\s+)?", match.group("name")):
                name = name.strip(" .'’")
                if not matcher.mentions(f"from {name}") and name not in found:
                    found.append(name)
    return found
