"""Reading what the model replied: abstentions, leaked instructions, stutters, filler.

A small model says "I couldn't find that" in many ways, sometimes echoes its instructions,
appends a source list of its own, repeats itself ("Madrid: Madrid: Madrid") and adds
sentences that say nothing ("This is stated in passage 1."). These pure functions recognise
each, so the answer pipeline can keep to retrieving, prompting and checking.
"""

from __future__ import annotations

import re

from ..markers import sentences

ABSTAIN_TEXT = "I couldn't find that in the articles."
_ABSTAIN = re.compile(
    r"couldn.?t find|could not find|can(?:no|')t find|unable to (?:find|determine|answer)|"
    r"(?:do|does|did)(?: not|n.?t) (?:say|mention|contain|provide|specify|state|include|answer)|"
    r"no (?:information|mention|details?)|not (?:mentioned|specified|stated|provided|given)|"
    r"cannot be (?:determined|answered)|there is no (?:information|mention)",
    re.I,
)


_REPEAT = re.compile(r"\b(\w[\w' -]{1,40}?)(?:[\s:;,.-]+\1\b){2,}")


def collapse_repeats(text: str) -> str:
    """ "Madrid: Madrid: Madrid" -> "Madrid" (a small model's stutter)."""
    return _REPEAT.sub(r"\1", text)


_META = re.compile(
    r"^(?:this|that|it|the answer)\b.{0,40}\b(?:stated|mentioned|found|given|written)\b"
    r".{0,20}\b(?:passages?|articles?|sources?)\b[^a-z]*$",
    re.I,
)
_ABOUT_SOURCES = re.compile(
    r"\b(?:articles?|passages?|sources?|texts?|context|information|answer|details?|"
    r"mention(?:s|ed)?|provided|given|stated)\b",
    re.I,
)


def is_abstention(text: str) -> bool:
    """True when the answer's opening says the articles don't answer the question: "I
    couldn't find that in the articles", not "unable to find a babysitter, she left"."""
    first = sentences(text)
    head = first[0].text if first else text
    return bool(_ABSTAIN.search(head)) and bool(_ABOUT_SOURCES.search(head))


ECHO_MIN_CHARS = 40


def without_echo(text: str, prompt: str, min_chars: int = ECHO_MIN_CHARS) -> str:
    """`text` without the lines of `prompt` (at least `min_chars` long) that it repeats
    verbatim, whatever the spacing and case: the answer never leaks the instructions. Once
    it did, the prompt's short lines ("Rules:") and the bullets left on their own go too."""
    lines = [line.strip().lstrip("-*• ").strip() for line in prompt.splitlines()]
    echoed = 0
    for line in lines:
        if len(line) >= min_chars:
            pattern = r"\s+".join(re.escape(word) for word in line.split())
            text, found = re.subn(pattern, "", text, flags=re.IGNORECASE)
            echoed += found
    if echoed:
        rest = {line.lower() for line in lines} | {""}
        kept = [x for x in text.split("\n") if x.strip().lstrip("-*• ").strip().lower() not in rest]
        text = "\n".join(kept)
    return text


_LIST_NAME = r"(?:sources?|references?|citations?|bibliography)"
_SOURCES_HEADING = re.compile(
    rf"^[#*_ \t]*{_LIST_NAME}[*_ \t]*(?::[^\n]*|[*_ \t]*)$",  # "Sources:", "**References**"
    re.I | re.M,
)
_SOURCE_ENTRY = re.compile(
    r"^[ \t]*(?:[-*•]|\d+\.)?[ \t]*\[\s*\d{1,3}\s*\][ \t]*(.*)(?:\n|$)", re.M
)
_ENTRY_BODY = re.compile(
    r"https?://|www\.|^[^.!?:\n]{1,60}:\s|\(\d{4}(?:-\d\d){0,2}\)|^[^.!?\n]{0,120}$", re.I
)


def without_source_list(text: str) -> str:
    """`text` without the source list a model adds of its own: a "Sources:" (or
    "References", "**Citations:**"…) heading and all after it, and any line that starts with
    a marker and reads as a source, not a claim ("[1] Reuters: …", "- [2] https://…",
    "[3] A title (2024-05-01)"). The assistant lists the sources it checked; the model's
    list would show titles and links nobody checked, and its markers would be taken for
    citations."""
    heading = _SOURCES_HEADING.search(text)
    if heading and text[: heading.start()].strip():
        text = text[: heading.start()]
    return _SOURCE_ENTRY.sub(_drop_source, text).rstrip()


def _drop_source(entry: re.Match[str]) -> str:
    return "" if _ENTRY_BODY.search(entry.group(1)) else entry.group()


def is_meta(sentence: str) -> bool:
    """ "This is stated in passage 1.": a sentence about the passages, not the news."""
    return bool(_META.match(sentence))
