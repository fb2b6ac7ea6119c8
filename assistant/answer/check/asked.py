"""What kind of answer a question asks for: a time for "when", a figure for "how many", a
person for "who", a place for "where".

The prompt's sentences are ranked with it (a sentence holding a date answers "when"), and
the check uses it to tell a terse answer of the asked kind ("500" to "how many jets?") from a
word or two that answers nothing ("HACKED").
"""

from __future__ import annotations

import re

from ...retrieve.dates import MONTH_NAMES

_WHEN = re.compile(
    rf"\b(?:(?:19|20)\d\d|{MONTH_NAMES}|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|today|yesterday|tomorrow|tonight|(?:next|last|this) (?:year|month|week)|"
    r"(?:early|mid|late)[- ](?:\w+)|\d{1,2}(?:am|pm|\s?a\.m\.|\s?p\.m\.))\b",
    re.I,
)
_FIGURE = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|"
    r"thousand|million|billion|dozen)\b",
    re.I,
)
_PERSON = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z'’-]+)+\b")
_PLACE = re.compile(r"\b[A-Z][a-z]{2,}")


def asked_for(question: str) -> re.Pattern[str] | None:
    """What an answering sentence must hold for `question`: a time for "when", a figure
    for "how many/much", a person's name for "who", a place or name for "where/which"."""
    q = question.lower()
    if re.search(r"\bwhen\b|\bwhat (?:year|date|day|month|time)\b|\bhow long\b", q):
        return _WHEN
    if re.search(
        r"\bhow (?:many|much|old|far|big|large|high|fast)\b|\bwhat (?:share|percentage|"
        r"proportion|price|amount|score)\b",
        q,
    ):
        return _FIGURE
    if re.search(r"\bwho(?:m|se)?\b", q):
        return _PERSON
    if re.search(r"\bwhere\b|\bwhich (?:town|city|country|village|region|place|state)\b", q):
        return _PLACE
    return None
