"""Text primitives every stage shares: words, overlap, the sentence splitter, cleaning.

One sentence splitter serves the whole assistant: chunk quotes, the claims an answer is
checked by, the sentences picked for the prompt and derived titles. A stop ends a sentence
only before a space and a capital, a digit or a quote, and not after a title or an initial,
so "£4.6bn", "rose 3.2%", "Mr. Smith", "J. K. Rowling" and "the U.S. Senate" stay whole;
citation markers right after a stop ("… 500 jets. [1] The …") belong to the sentence they
close. `clean` removes what must never reach a terminal: escape sequences, control
characters, bidi overrides. `valid_text` repairs what no UTF-8 encoder accepts (lone
surrogates from a broken JSON escape or a file name that is not UTF-8) where text enters.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*", re.I)
STOPWORDS = frozenset(
    "a an and are as at be been but by for from has have he her his in is it its of on or "
    "that the their they this to was were which who will with would said says not also".split()
)
CITATION_MARK = re.compile(r"\[(\d{1,3})\]")
"""A final citation marker as the user sees it: "[3]"."""

_SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*(?:[ \t]*\[\d{1,3}\])*(?=\s|$)|\n")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sen rep gov gen col capt lt sgt rev jr sr mt ft vs inc ltd co corp "
    "messrs".split()
)
_BEFORE_NUMBERS = frozenset("no nos jan feb mar apr jun jul aug sep sept oct nov dec".split())
"""Abbreviations only before a figure: "No. 10", "Oct. 31"; "No. The Verge…" ends at "No."."""
_INITIALS = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # "U.S", "U.N", "a.m" before their last stop


_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (a pair written as two code points
    becomes its character), so it encodes as UTF-8 anywhere: hashes, Chroma, the tokenizer,
    SQLite, the terminal. Returns `text` itself when there is nothing to repair."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def valid_data(value: object) -> object:
    """`value` (str, or lists and dicts of them, as JSON gives) with every string repaired
    by `valid_text`; other values are returned as they are."""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, list):
        return [valid_data(item) for item in value]
    if isinstance(value, dict):
        return {valid_data(k): valid_data(v) for k, v in value.items()}
    return value


def content_words(text: str) -> set[str]:
    """The lower-cased words and numbers of `text`, without stop words."""
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


def sentence_spans(text: str, min_chars: int = 1) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, trimmed of surrounding space; sentences
    shorter than `min_chars` are left out. See the module docstring for where a sentence
    ends."""
    spans: list[tuple[int, int]] = []
    begin = 0
    for match in _SENTENCE_END.finditer(text):
        if match.group() != "\n":
            after = text[match.end() : match.end() + 3].lstrip()[:1]
            if after and not (after.isupper() or after.isdigit() or after in "\"“‘'("):
                continue
            before = text[begin : match.start()].rsplit(None, 1)[-1:] or [""]
            word = before[0].lstrip('("“‘')
            if match.group() == "." and (
                word.lower() in _ABBREVIATIONS
                or (word.lower() in _BEFORE_NUMBERS and after.isdigit())
                or (len(word) == 1 and word.isupper())
                or _INITIALS.fullmatch(word)
            ):
                continue
        _add_span(spans, text, begin, match.end(), min_chars)
        begin = match.end()
    _add_span(spans, text, begin, len(text), min_chars)
    return spans


def sentences(text: str, min_chars: int = 1) -> list[str]:
    """The sentences of `text` (see `sentence_spans`)."""
    return [text[s:e] for s, e in sentence_spans(text, min_chars)]


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int, least: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= max(1, least):
        spans.append((start, end))


# Whole escape sequences first (CSI such as "\x1b[31m", OSC such as "\x1b]0;title\x07"),
# then any other control character, and the bidi overrides that reorder what is shown.
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def clean(text: str) -> str:
    """Remove ANSI escapes and control characters (newlines and tabs stay)."""
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    """`text` cleaned and on one line: a title never starts a line of its own."""
    return " ".join(clean(text).split())


_QUOTE_MARKS = "\"“”„‘’'«»"


def quoted(text: str) -> str:
    """`text` in quotation marks, unless it opens with one already (a quote of quoted
    speech is shown once: “The deliverables…”, not ““The deliverables…”)."""
    return text if text[:1] in _QUOTE_MARKS else f"“{text}”"


def strip_citations(text: str) -> str:
    """`text` without its final citation markers: "jets [1]." -> "jets."."""
    return re.sub(r"[ \t]*\[\d{1,3}\]", "", text)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.I)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(value: str) -> float | None:
    """ "90s", "30m", "24h", "2d", "1w" in seconds; None when `value` is not one."""
    match = _DURATION.match(value)
    return float(match[1]) * _SECONDS[match[2].lower()] if match else None
