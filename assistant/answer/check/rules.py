"""Rules that catch a claim borrowing a passage's words without its answer.

A sentence that repeats the question's words scores well against any passage on the topic,
whatever it adds. What it adds is the answer, so these rules look at that part alone and cap
the claim's support score (the citation is then flagged weak, and an answer with nothing
supported becomes an abstention):

- a few new words, and a name or figure among them, or most of the rest, is not in the
  passage ("Dartford, Wasp" against a passage naming the film but not the town; "the Test
  was a draw" where no passage says "draw");
- the question pins a year and the claim speaks only of others (asked about 2005, it tells
  of the 2004 winner);
- the claim or its question puts an ordinal to a thing that the passage numbers otherwise
  (asked of "the third Test", a passage that reports "the first Test" and no third: it is
  about another event of the series, whatever the claim quotes of it);
- "how many tonnes": the passage has the claim's number, but never beside "tonnes";
- a claim that only restates the question, yes or no in front (`cap_echo`);
- asked for something "besides the jets", a claim that is about the jets gives nothing
  (`cap_excluded`);
- a word or two that is no answer of the kind asked ("HACKED [1]" to "what did the council
  decide?") must be what a statement sentence of the passage says about the question's
  subject, not a word the passage merely contains (`cap_terse`).

One allowance: asked "how many years between…", the answer's figure is computed, not quoted
("1982 [1] … 1984 [2], so 2 years"). A figure that is the difference of two figures in the
passages is left out of the check (`without_computed`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ...models.embeddings import FloatArray
from ...text import WORD, content_words
from ...types import Hit
from .asked import asked_for
from .support import NUMBER_CAP, passage_sentences

NOVEL_WORDS = 3
"""A claim adding at most this many words to its question needs all of them in its passage."""
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_ASKS_TIME = re.compile(
    r"\b(?:when|what year|which year|how long|"
    r"years?\b.{0,20}\b(?:after|before|since|between|separated))\b",
    re.I,
)
_HOW_MANY = re.compile(r"\bhow many (?:more |fewer |extra |additional )?([a-z]+)", re.I)
_NUMBER = re.compile(r"\d[\d,.]*")
_DIFFERENCE = re.compile(
    r"\b(?:how (?:many|much) (?:more|fewer|less|extra|years|days|months|weeks|times)|"
    r"by how much|how long (?:after|before|between|since|did|was|were))\b",
    re.I,
)
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
_SPELLED = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_SPELLED_WORD = re.compile(r"\b(?:" + "|".join(_SPELLED) + r")\b", re.I)


_FILLER = frozenset(
    "may might could can should must shall do does did about some any more than so if then "
    "there these those into over up out very just only both each other such later earlier "
    "apart ago afterwards".split()
)


def bare_words(text: str) -> set[str]:
    """Content words without a possessive "'s" ("Boeing's" is "boeing") and without the
    filler a reply adds in its own words ("China may buy")."""
    words = {w.removesuffix("'s") for w in content_words(text.replace("’", "'"))}
    return words - _FILLER


def names_in(text: str) -> set[str]:
    """The words of `text` written as names or figures ("Wasp", "500", "£4.6bn"); its first
    word only when it holds a digit, since any first word has a capital."""
    words = [w.removesuffix("'s") for w in WORD.findall(text.replace("’", "'"))]
    return {
        w.lower()
        for i, w in enumerate(words)
        if any(c.isdigit() for c in w) or (i > 0 and w[0].isupper())
    }


def cap_unbacked(claim: str, question: str, hits: Sequence[Hit], row: FloatArray) -> None:
    """Cap `row` (the claim's support per hit) where the claim's answer is not backed."""
    novel = bare_words(claim) - bare_words(question)
    # names and figures must all be there, however long the claim ("The West Midlands had
    # the highest rate, at 7.1%" is not backed by "In London … 7.1%"); for a short claim,
    # the reply's own words ("covers" for "includes") may differ, but not most of them
    names = {w for w in novel if w in names_in(claim)}
    plain = novel - names if len(novel) <= NOVEL_WORDS else set()
    for j, hit in enumerate(hits):
        words = bare_words(hit.text)
        if names - words or len(plain - words) * 2 > len(plain):
            row[j] = min(row[j], NUMBER_CAP)
    asked_years, claim_years = set(_YEAR.findall(question)), set(_YEAR.findall(claim))
    if asked_years and claim_years and not asked_years & claim_years:
        if not _ASKS_TIME.search(question):
            row[:] = [min(x, NUMBER_CAP) for x in row]
    for j, hit in enumerate(hits):
        if _numbered_otherwise(f"{question} {claim}", hit.text):
            row[j] = min(row[j], NUMBER_CAP)
    unit = None if _DIFFERENCE.search(question) else _HOW_MANY.search(question)
    numbers = {n.rstrip(".,") for n in _NUMBER.findall(claim)} - set(_NUMBER.findall(question))
    if unit and numbers:
        stem = unit.group(1).lower()[:4]
        for j, hit in enumerate(hits):
            if not _beside(hit.text, numbers, stem):
                row[j] = min(row[j], NUMBER_CAP)


_ORDINAL = re.compile(
    r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))"
    r"\s+([a-z]+)",
    re.I,
)


def _ordinals(text: str) -> set[tuple[str, str]]:
    """("third", "test") for "the third Test": each ordinal and the word it numbers."""
    return {(o.lower(), w.lower().removesuffix("s")) for o, w in _ORDINAL.findall(text)}


def _numbered_otherwise(text: str, passage: str) -> bool:
    """Whether `text` numbers a thing ("the third Test") that the passage numbers only
    otherwise ("the first Test"): it reports another event of the same series."""
    stated = _ordinals(passage)
    return any(
        pair not in stated and any(w == pair[1] for _, w in stated) for pair in _ordinals(text)
    )


TERSE_WORDS = 3
"""A claim of at most this many content words is a terse answer (`cap_terse`)."""
_ASKING = frozenset("what how many much when where why which whom whose".split())


def _stems(words: set[str]) -> set[str]:
    """Rough stems, so "decide" meets "decided" and "jets" meets "jet"."""
    return {(w.rstrip("s") if len(w) > 3 else w)[:5] for w in words}


def cap_terse(claim: str, question: str, hits: Sequence[Hit], row: FloatArray) -> None:
    """Cap `row` where a terse claim is not what a passage states about the question.

    A word or two means something only as the answer to its question. When it is of the
    kind the question asks for (a figure for "how many", a date for "when", a name for
    "who"/"where": `asked_for`), the passage-level checks suffice. Otherwise its new words
    must stand in one statement sentence of the passage (`passage_sentences`: no
    instruction or template line) that shares a word with the question: "HACKED [1]" is not
    backed by a passage that merely contains the word, "a new timetable [1]" by the sentence
    "The council approved a new ferry timetable" is.
    """
    novel = bare_words(claim) - bare_words(question)
    asked = _stems(bare_words(question) - _ASKING)
    if not novel or not asked or len(content_words(claim)) > TERSE_WORDS:
        return
    kind = asked_for(question)
    if kind is not None and any(m.lower() not in question.lower() for m in kind.findall(claim)):
        return
    names = {w for w in novel if w in names_in(claim)}
    plain = novel - names
    for j, hit in enumerate(hits):
        for start, end in passage_sentences(hit.text):
            words = bare_words(hit.text[start:end])
            backed = not names - words and len(plain - words) * 2 <= len(plain)
            if backed and asked & _stems(words):
                break
        else:
            row[j] = min(row[j], NUMBER_CAP)


_EXCLUDED = re.compile(
    r"\b(?:besides|other than|apart from|aside from|except(?: for)?|in addition to)\s+"
    r"([^,.;:?!]+)",
    re.I,
)


_VERDICT = frozenset("yes no true false indeed".split())


def cap_echo(claim: str, question: str, row: FloatArray) -> None:
    """Cap `row` when the claim adds no word to its question ("No, the Guardian article
    does not suggest that …" of "Does the Guardian article suggest that …?"): the
    question's words meet any passage on its topic, and a passage does not state that it
    does not say something. The verdict itself is a reading, not a citation."""
    if bare_words(claim) - bare_words(question) - _VERDICT:
        return
    row[:] = [min(x, NUMBER_CAP) for x in row]


def cap_excluded(claim: str, question: str, row: FloatArray) -> None:
    """Cap `row` when the question asks for something other than X and the claim, its own
    "besides X" aside, still speaks of X: the one thing the question ruled out."""
    ruled_out = set()
    for match in _EXCLUDED.finditer(question):
        ruled_out |= _stems(bare_words(match.group(1)) - _ASKING)
    if ruled_out and ruled_out & _stems(bare_words(_EXCLUDED.sub(" ", claim))):
        row[:] = [min(x, NUMBER_CAP) for x in row]


def _beside(text: str, numbers: set[str], stem: str) -> bool:
    """Whether a sentence of `text` holds one of `numbers` and a word starting with `stem`."""
    for start, end in passage_sentences(text):
        sentence = text[start:end]
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", sentence)}
        if any(n in sentence for n in numbers) and any(w.startswith(stem) for w in words):
            return True
    return False


def _figures(text: str) -> set[float]:
    return {float(m.replace(",", "")) for m in _FIGURE.findall(text) if m.replace(",", "")}


def without_computed(
    claims: Sequence[str], question: str, hits: Sequence[Hit], answer: str
) -> list[str]:
    """`claims` without the figures they computed, when the question asks for a difference
    ("how many years after…", "by how much…") and the `answer` shows its working: "2 years"
    after quoting 1982 and 1984 from the passages. A bare "10 years" computes nothing that
    can be checked, and any other figure stays, to be found in the passage."""
    if not _DIFFERENCE.search(question):
        return list(claims)
    known = set().union(*(_figures(h.text) for h in hits)) if hits else set()
    pool = sorted(_figures(answer) & known)
    differences = {round(abs(a - b), 6) for i, a in enumerate(pool) for b in pool[i + 1 :]}

    def computed(value: float) -> bool:
        return value not in known and round(value, 6) in differences

    def drop_figure(match: re.Match[str]) -> str:
        raw = match.group().replace(",", "")
        return "" if raw and computed(float(raw)) else match.group()

    def drop_word(match: re.Match[str]) -> str:
        return "" if computed(float(_SPELLED[match.group().lower()])) else match.group()

    return [_SPELLED_WORD.sub(drop_word, _FIGURE.sub(drop_figure, c)) for c in claims]
