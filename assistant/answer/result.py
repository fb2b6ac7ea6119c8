"""The last step of an answer: what the model said, checked, becomes the `Answer`.

A reply is cleaned (an echoed prompt, a list of sources read back), then checked sentence by
sentence against the passages it cites (`check.verify`). When the check backs none of it,
two readings are tried before the answer becomes an abstention: a yes or no on several
reports is kept and shown with each report's own sentence (`verdicts`), and a claim that
repeats a shown sentence with a figure misread is answered by that sentence (`requote`).
The clock beside it keeps the marks an `Answer` reports (retrieve, first token, total).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from ..retrieve.pool import Found
from ..types import Answer, Citation, Hit
from .check.replies import ABSTAIN_TEXT, is_abstention, without_echo, without_source_list
from .check.support import SupportChecker
from .evidence import Evidence
from .markers import strip_markers, tidy
from .per_report import Verdict, compose
from .prompts import Prompts, fill
from .reasoning import difference
from .requote import misread
from .sides import Worked
from .verdicts import opening_verdict, with_quotes


class Answerer(Protocol):
    """What a result needs of the answerer that made it (`pipeline.Answerer`)."""

    provider: str
    model: str
    prompts: Prompts
    checker: SupportChecker

    def verify(
        self, raw: str, hits: Sequence[Hit], question: str = "", *, quoted: bool = False
    ) -> tuple[str, tuple[Citation, ...], int]: ...


class Clock:
    """Milliseconds since the answer started, and the marks taken on the way."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}

    def ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def mark(self, name: str) -> None:
        self.timings.setdefault(name, self.ms())


class Result:
    """Turns what the steps produced into the final `Answer`."""

    def __init__(
        self, answerer: Answerer, question: str, query: str, found: Found, clock: Clock
    ) -> None:
        self.answerer = answerer
        self.question, self.query, self.found, self.clock = question, query, found, clock
        self.evidence: Evidence | None = None

    def abstain(self, text: str, error: str | None = None) -> Answer:
        return self._answer(text, True, (), 0, error)

    def finish(self, raw: str, hits: list[Hit], error: str | None, *, quoted: bool) -> Answer:
        """Check `raw` against `hits`; a reply with nothing backed is an abstention, whole
        or partial alike."""
        a = self.answerer
        raw = without_echo(raw, fill(a.prompts.system, today=date.today().isoformat()))
        raw = without_source_list(raw)
        if is_abstention(strip_markers(raw)) or not raw.strip():
            return self._answer(strip_markers(raw), True, (), 0, error)
        text, cites, dropped = a.verify(raw, hits, self.question, quoted=quoted)
        if not any(c.supported for c in cites):
            verdict = opening_verdict(raw, self.found.analysis)
            if verdict and self.evidence is not None:
                # a verdict on several reports, shown with what each of them says
                quotes, cited = with_quotes(self.found.analysis, self.evidence, a.checker)
                if quotes:
                    text, cites, _ = a.verify(quotes, cited, self.question, quoted=True)
                    if any(c.supported for c in cites):
                        return self._answer(f"{verdict}. {text}", False, cites, dropped, error)
            requoted = self._requote(raw, error)
            if requoted is not None:
                return requoted
            # nothing the model said is backed by the passages: a guess, not an answer
            return self._answer(ABSTAIN_TEXT, True, (), dropped, error)
        if self.found.analysis.kind == "difference":
            worked = difference(self.question, text)
            if worked:
                text = f"{text} {worked}"
        return self._answer(text, False, cites, dropped, error)

    def worked(self, worked: Worked) -> Answer | None:
        """A difference worked out in code (`sides`): its figure, then both sentences
        quoted and checked word for word; None unless the check backs both."""
        hits = list(worked.hits)
        text, cites, dropped = self.answerer.verify(worked.quotes, hits, self.question, quoted=True)
        if len(cites) < 2 or not all(c.supported for c in cites):
            return None
        return self._answer(f"{worked.lead} {text}", False, cites, dropped, None)

    def per_report(self, found: Sequence[Verdict]) -> Answer | None:
        """A yes or no composed from a verdict per report (`per_report`), then each
        report's sentence quoted and checked word for word; None when there is no sentence
        to show for every report or the check backs none of them."""
        if self.evidence is None:
            return None
        quotes, cited = with_quotes(self.found.analysis, self.evidence, self.answerer.checker)
        if not quotes:
            return None
        text, cites, dropped = self.answerer.verify(quotes, cited, self.question, quoted=True)
        if not any(c.supported for c in cites):
            return None
        return self._answer(compose(found, text), False, cites, dropped, None)

    def _requote(self, raw: str, error: str | None) -> Answer | None:
        """The answer as the shown sentence the model misread (`requote`), when there is
        one and the check backs it word for word; None otherwise."""
        evidence = self.evidence
        if evidence is None:
            return None
        found = misread(raw, evidence.shown, [h.title for h in evidence.hits])
        if found is None:
            return None
        index, sentence = found
        hits = list(evidence.hits)
        text, cites, dropped = self.answerer.verify(
            f"{sentence} [{index + 1}]", hits, self.question, quoted=True
        )
        if not any(c.supported for c in cites):
            return None
        return self._answer(text, False, cites, dropped, error)

    def _answer(
        self,
        text: str,
        abstained: bool,
        citations: tuple[Citation, ...],
        dropped: int,
        error: str | None,
    ) -> Answer:
        self.clock.mark("first_token")
        self.clock.timings["total"] = self.clock.ms()
        shown = self.evidence.shown if self.evidence is not None else ()
        return Answer(
            question=self.question,
            text=tidy(text) if text else ABSTAIN_TEXT,
            citations=citations,
            abstained=abstained,
            provider=self.answerer.provider,
            model=self.answerer.model,
            timings=self.clock.timings,
            query=self.query,
            partial=error is not None,
            dropped_markers=dropped,
            error=error,
            kind=self.found.analysis.kind,
            steps=self.found.steps(),
            evidence=tuple(shown),
        )
