"""Citation markers: parse `[n]`, renumber while streaming, check each claim against its source.

Pure functions and one small state machine, no I/O: the model's `[n]` points at the n-th
numbered source in its prompt. In what the user sees, numbers run 1, 2, 3… by first
appearance; markers that point at no source are dropped (and counted). A marker can arrive
split over stream chunks (`"["`, `"1]"`), so the renumberer holds back an unfinished `[`
until it knows what it is, and never shows a number it would later change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
WORD = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*", re.I)
STOPWORDS = frozenset(
    "a an and are as at be been but by for from has have he her his in is it its of on or "
    "that the their they this to was were which who will with would said says not also".split()
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


_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s*(?:\[\d+\])+)?(?=\s+[\"“'(]?[A-Z0-9]|\s*\n|$)")


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
    begin = 0
    ends = [m.end() for m in _SENTENCE_END.finditer(answer)] + [len(answer)]
    for end in ends:
        if at_markers:
            for inline in _INLINE_MARKERS.finditer(answer, begin, end):
                # the words after the last marker still belong to it: "…1984 [2], 2 years
                # later." is one claim
                later = MARKER.search(answer, inline.end(), end) is not None
                if later and len(WORD.findall(answer[begin : inline.start()])) >= 3:
                    _append(out, answer, begin, inline.end())
                    begin = inline.end()
        _append(out, answer, begin, end)
        begin = end
    return out


def _append(out: list[Sentence], answer: str, begin: int, end: int) -> None:
    raw = answer[begin:end]
    if not raw.strip():
        return
    numbers = tuple(int(n) for n in re.findall(r"\[(\d{1,3})\]", raw))
    clean = " ".join(re.sub(r"\s*\[\d+\]", "", raw).split())
    if clean:
        out.append(Sentence(clean, numbers, begin, end))


def content_words(text: str) -> set[str]:
    return {w for w in (m.lower() for m in WORD.findall(text)) if w not in STOPWORDS}


def overlap(claim: str, passage: str) -> float:
    """Share of the claim's content words (and numbers) found in the passage, 0..1."""
    words = content_words(claim)
    if not words:
        return 0.0
    found = content_words(passage)
    hits = sum(1.0 if w in found else 0.0 for w in words)
    numbers = {w for w in words if any(c.isdigit() for c in w)}
    if numbers and not numbers <= found:  # a number the passage lacks is a strong signal
        hits -= 0.5 * len(numbers - found)
    return max(0.0, hits / len(words))


def best_span(claim: str, passage: str, max_chars: int = 320) -> tuple[int, int]:
    """Offsets of the passage sentence(s) that best match the claim (for the quote)."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^.!?\n]+[.!?]?[\"”']?", passage)]
    spans = [(s, e) for s, e in spans if passage[s:e].strip()]
    if not spans:
        return 0, min(len(passage), max_chars)
    scored = [(overlap(claim, passage[s:e]), s, e) for s, e in spans]
    _, start, end = max(scored, key=lambda t: (t[0], -t[1]))
    while start < len(passage) and passage[start].isspace():
        start += 1
    if end - start > max_chars:
        end = start + max_chars
    return start, end


_SPACED_MARKER = re.compile(r"\s*" + MARKER.pattern, re.I)


def strip_markers(text: str) -> str:
    """The text without its markers: "jets [1]." -> "jets." (not "jets .")."""
    return tidy(_SPACED_MARKER.sub("", text))
