"""Citation markers: parse `[n]`, renumber while streaming, split an answer into its claims.

Pure functions and one small state machine, no I/O: the model's `[n]` points at the n-th
numbered source in its prompt. In what the user sees, numbers run 1, 2, 3… by first
appearance; markers that point at no source are dropped (and counted). A marker can arrive
split over stream chunks (`"["`, `"1]"`), so the renumberer holds back an unfinished `[`
until it knows what it is, and never shows a number it would later change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text import WORD, overlap, sentence_spans

# [1]  [1, 2]  [1,2,3]  [1-2]  [Source 1]  [source 2]
MARKER = re.compile(r"\[\s*(?:sources?\s*)?(\d{1,3}(?:\s*(?:[,;–-]|and)\s*\d{1,3})*)\s*\]", re.I)
# What can still become a MARKER: "[", "[Sour", "[Source 1", "[1,", "[1 an", "[1 and 2"...
_PARTIAL = re.compile(
    r"\[\s*(?:"
    r"s(?:o(?:u(?:r(?:c(?:e(?:s)?)?)?)?)?)?"  # inside the word "source(s)"
    r"|(?:sources?\s*)?"
    r"(?:\d{1,3}(?:\s*(?:[,;–-]|and)\s*\d{1,3})*(?:\s*(?:[,;–-]\s*|a|an|and\s*)?)?)?"
    r")",
    re.I,
)


def marker_numbers(body: str) -> list[int]:
    """The numbers inside one marker's brackets: "1, 2" -> [1, 2]; "1-3" -> [1, 2, 3]."""
    numbers: list[int] = []
    for part in re.split(r"\s*(?:[,;]|and)\s*", body.strip()):
        if not part:
            continue
        bounds = [_number(b) for b in re.split(r"\s*[–-]\s*", part)]
        low, high = bounds if len(bounds) == 2 else (None, None)
        if low is not None and high is not None and 0 < high - low < 10:
            numbers.extend(range(low, high + 1))
            continue
        numbers.extend(b for b in bounds if b is not None)
    return numbers


def _number(text: str) -> int | None:
    """A source number: one to three decimal digits, as in a marker ("²" or a 5000-digit
    run is no number, and never an exception)."""
    return int(text) if text.isdecimal() and len(text) <= 3 else None


@dataclass
class Renumberer:
    """Maps the model's source numbers to display numbers by first appearance.

    `feed` takes raw model text and returns the text to show now; `finish` flushes the rest.
    """

    sources: int
    order: list[int] = field(default_factory=list)
    """Model source numbers (1-based) in order of first citation: display n = index + 1."""
    dropped: int = 0
    _held: str = ""

    def display(self, source: int) -> int | None:
        if not 1 <= source <= self.sources:
            return None
        if source not in self.order:
            self.order.append(source)
        return self.order.index(source) + 1

    def _rewrite(self, match: re.Match[str]) -> str:
        shown: list[int] = []
        for source in marker_numbers(match.group(1)):
            n = self.display(source)
            if n is None:
                self.dropped += 1
            elif n not in shown:
                shown.append(n)
        return "".join(f"[{n}]" for n in shown)

    def rewrite(self, text: str) -> str:
        return MARKER.sub(self._rewrite, text)

    def feed(self, chunk: str) -> str:
        text = self._held + chunk
        self._held = ""
        cut = text.rfind("[")
        if cut >= 0 and "]" not in text[cut:]:
            tail = text[cut:]
            if _PARTIAL.fullmatch(tail):
                self._held, text = tail, text[:cut]
        return self.rewrite(text)

    def finish(self) -> str:
        held, self._held = self._held, ""
        return self.rewrite(held)


def renumber(text: str, sources: int) -> tuple[str, list[int], int]:
    """Renumber a whole answer: (text, model numbers in display order, markers dropped)."""
    r = Renumberer(sources)
    out = r.rewrite(text)
    return out, r.order, r.dropped


def tidy(text: str) -> str:
    """Spacing around markers: "claim [1] ." -> "claim [1]."; "Also ." (a dropped marker)
    -> "Also."; no "[1][1]" repeats."""
    text = re.sub(r"\[(\d+)\](?:\s*\[\1\])+", r"[\1]", text)
    text = re.sub(r"\s+(\[\d+\])", r" \1", text)
    text = re.sub(r"(\[\d+\])\s+([.,;:!?])", r"\1\2", text)
    text = re.sub(r"(?<=\w) +(?=[.,;!?](?:\s|$))", "", text)  # "Also [7]." dropped: "Also ."
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


@dataclass(frozen=True)
class Sentence:
    text: str
    """The sentence without its markers."""
    markers: tuple[int, ...]
    """Display numbers cited by the sentence."""
    start: int
    end: int


_INLINE_MARKERS = re.compile(r"(?:\s*\[\d+\])+(?=[,;:]?\s+\w)")


def sentences(answer: str, *, at_markers: bool = False) -> list[Sentence]:
    """Split an answer into sentences; markers right after the full stop belong to it.
    With `at_markers`, a sentence is also cut after a marker inside it: "launched in 1982
    [1] and released in 1984 [2]" is two claims, each with its own source."""
    out: list[Sentence] = []
    for begin, end in sentence_spans(answer):
        if at_markers:
            for inline in _INLINE_MARKERS.finditer(answer, begin, end):
                # the words after the last marker still belong to it: "…1984 [2], 2 years
                # later." is one claim
                later = MARKER.search(answer, inline.end(), end) is not None
                if later and len(WORD.findall(answer[begin : inline.start()])) >= 3:
                    _append(out, answer, begin, inline.end())
                    begin = inline.end()
        _append(out, answer, begin, end)
    return out


def _append(out: list[Sentence], answer: str, begin: int, end: int) -> None:
    raw = answer[begin:end]
    if not raw.strip():
        return
    numbers = tuple(int(n) for n in re.findall(r"\[(\d{1,3})\]", raw))
    clean = " ".join(re.sub(r"\s*\[\d+\]", "", raw).split())
    if clean:
        out.append(Sentence(clean, numbers, begin, end))


def best_span(claim: str, passage: str, max_chars: int = 320) -> tuple[int, int]:
    """Offsets of the passage sentence(s) that best match the claim (for the quote)."""
    spans = sentence_spans(passage)
    if not spans:
        return 0, min(len(passage), max_chars)
    scored = [(overlap(claim, passage[s:e]), s, e) for s, e in spans]
    _, start, end = max(scored, key=lambda t: (t[0], -t[1]))
    if end - start > max_chars:
        end = start + max_chars
    return start, end


_SPACED_MARKER = re.compile(r"\s*" + MARKER.pattern, re.I)


def strip_markers(text: str) -> str:
    """The text without its markers: "jets [1]." -> "jets." (not "jets .")."""
    return tidy(_SPACED_MARKER.sub("", text))
