"""A yes/no question about several reports, answered from a verdict per report.

"Does the TechCrunch article suggest X, while the Guardian article says Y?" holds when each
report says what its clause claims. Shown every report's sentences at once, the local model
reads the question as a whole and mostly answers "No" to anything it cannot see stated in
one place. Asked about one report at a time, a short prompt with that report's sentences
and its own clause, it judges far better; the answer is then composed in code: "Yes" when
every report bears its claim out, "No", naming the report, when one does not.

A part's claim is its own clause ("the TechCrunch article suggest that …") or, when the
outlets are written together ("did both The Verge and TechCrunch report …"), the whole
question without them: either way, something one report says or does not. On the
MultiHop-RAG dev split's 158 yes/no questions, judged one report at a time, 0.65 of the
answers are right, against 0.57 for always answering yes, and 0.38 (on a sample of 21)
for the model shown all the reports at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import LLMError
from ..models.llm import LLM, Message
from ..retrieve.questions import Analysis
from ..text import one_line
from .evidence import Evidence
from .prompts import as_data, fill

VERDICT_SYSTEM = "You check what a news report says. Answer with one word: Yes or No."
"""The system message of a verdict prompt (the user message is `prompts/verdict.txt`)."""

_WORD = re.compile(r"\W*([A-Za-z]+)")


@dataclass(frozen=True)
class Verdict:
    """What one report was judged to say of its part's claim."""

    part: int
    outlet: str
    holds: bool


def judged(analysis: Analysis) -> bool:
    """Whether `analysis` is answered from a verdict per report: a yes/no question about
    several reports."""
    return analysis.kind == "yes/no" and analysis.multi


def verdicts(
    llm: LLM,
    template: str,
    analysis: Analysis,
    evidence: Evidence,
    *,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Verdict] | None:
    """One verdict per part of `analysis`, each from its own sentences of `evidence`; None
    when a part has no sentences, the model says neither yes nor no, it fails, or the
    answer is cancelled (the caller then answers the usual way)."""
    found: list[Verdict] = []
    for index, part in enumerate(analysis.parts):
        shown = [
            (hit, text)
            for hit, text, p in zip(evidence.hits, evidence.shown, evidence.parts, strict=True)
            if p == index
        ]
        if not shown or cancelled():
            return None
        outlet = one_line(shown[0][0].source or "") or "one outlet"
        report = " ".join(text for _, text in shown)
        try:
            word = _first_word(llm, _messages(template, outlet, report, part.query))
        except LLMError:
            return None
        if word not in ("yes", "no"):
            return None
        found.append(Verdict(index, outlet, word == "yes"))
    return found


def compose(found: Sequence[Verdict], quotes: str) -> str:
    """The answer: the verdict, which report does not bear its claim out, then `quotes`
    (each report's sentence, cited)."""
    failing = [v.outlet for v in found if not v.holds]
    if not failing:
        return f"Yes. {quotes}"
    names = list(dict.fromkeys(failing))
    who = " and ".join(names)
    return f"No: {who} {'does' if len(names) == 1 else 'do'} not say so. {quotes}"


def _messages(template: str, outlet: str, report: str, claim: str) -> list[Message]:
    user = fill(template, outlet=as_data(outlet), report=as_data(report), claim=as_data(claim))
    return [{"role": "system", "content": VERDICT_SYSTEM}, {"role": "user", "content": user}]


def _first_word(llm: LLM, messages: list[Message]) -> str:
    reply = "".join(llm.stream(messages, max_tokens=3, temperature=0.0))
    match = _WORD.match(reply)
    return match.group(1).lower() if match else ""
