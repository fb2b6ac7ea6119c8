"""From a question to a cited answer: analyse, retrieve per part, gather evidence, compose,
stream, check.

The question is analysed (`retrieve.questions`: outlets, dates, kind, parts) and each part
searched with its own filters (`retrieve.pool`). A question naming an outlet the index does
not hold is answered at once: its reports are not here. What code can decide exactly, code
decides (`reasoning`: the order of two reports in time; `sides`: the difference of two
figures, each side's sentence found for it); a yes or no on several reports is composed
from the model's verdict on each report alone (`per_report`);
otherwise the model is shown the evidence (`evidence`: the best sentences, part by part)
with an instruction for the kind of question (answer yes or no first, pick one of the two
options…), and its text streams through a `Renumberer` so the reader sees final citation
numbers as they arrive. Every answer, streamed or composed, whole or cut short, is then
checked against the passages it cites and becomes the `Answer` (`result`).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from datetime import date

from ..config import Settings
from ..errors import LLMError
from ..models.embeddings import Embedder
from ..models.llm import LLM, Message, PartialAnswer
from ..retrieve.filters import DateLike, caller_filters
from ..retrieve.outlets import unknown_outlets
from ..retrieve.pool import Found, find
from ..retrieve.search import Retriever
from ..text import valid_text
from ..types import Citation, Filters, Hit
from . import per_report
from .check.replies import ABSTAIN_TEXT
from .check.support import SupportChecker
from .check.verify import verify
from .evidence import Evidence, gather
from .extractive import extract, extract_parts
from .markers import Renumberer
from .prompts import Prompts, fill, format_sources, task_for
from .reasoning import order_in_time
from .result import Clock, Result
from .sides import work_out
from .stream import AnswerSteps, AnswerStream, Step


class Answerer:
    """Answers questions over one retriever with one provider."""

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        embedder: Embedder,
        prompts: Prompts,
        provider: str,
        llm: LLM | None,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.prompts = prompts
        self.provider = provider
        self.llm = llm
        self.model = llm.model if llm is not None else "none"
        self.checker = SupportChecker(embedder)

    def messages(
        self,
        question: str,
        hits: Sequence[Hit],
        texts: Sequence[str] | None = None,
        *,
        task: str = "",
        outlets: bool = False,
    ) -> list[Message]:
        """The chat messages for `question` over `hits`, numbered 1..n in order; `texts`
        replaces the passages' text, `task` says what kind of answer is wanted, `outlets`
        shows each passage's outlet (for questions that compare reports)."""
        today = date.today().isoformat()
        if task and "{task}" not in self.prompts.answer:  # an edited template without it
            question, task = f"{question}\n{task.strip()}", ""
        return [
            {"role": "system", "content": fill(self.prompts.system, today=today)},
            {
                "role": "user",
                "content": fill(
                    self.prompts.answer,
                    sources=format_sources(hits, texts, outlets=outlets),
                    question=question,
                    task=task,
                    today=today,
                ),
            },
        ]

    def warm_up(self) -> None:
        """Load the models and, for a local model, read the system prompt now."""
        self.checker.embedder.embed(["warm up"])
        if self.llm is not None:
            self.llm.prime(self.messages("Hello", []))

    @staticmethod
    def filters(
        question: str,
        source: str | None = None,
        since: DateLike = None,
        until: DateLike = None,
    ) -> Filters:
        """The caller's limits on the search for `question` (source, dates); what the
        question itself names is read when it is answered."""
        return caller_filters(source, since, until)

    def stream(
        self,
        question: str,
        *,
        source: str | None = None,
        since: DateLike = None,
        until: DateLike = None,
    ) -> AnswerStream:
        """Answer `question`: nothing runs until the stream is iterated."""
        filters = self.filters(question, source, since, until)
        return AnswerStream(lambda handle: self.steps(handle, question, filters=filters))

    def steps(
        self,
        handle: AnswerStream,
        question: str,
        *,
        query: str | None = None,
        filters: Filters | None = None,
        prompt_question: str | None = None,
    ) -> AnswerSteps:
        """The steps of answering `question` from the passages found for `query` (default
        the question), for an `AnswerStream` to drive; `handle` says when it is cancelled.
        The model is asked `prompt_question` (default `question`): in a chat, the standalone
        rewrite of a follow-up, since the answer prompt carries no history."""
        question = valid_text(question)  # where every question enters (repairs surrogates)
        query = valid_text(query or question)
        asked = valid_text(prompt_question) if prompt_question else question
        clock = Clock()
        analysis = self.retriever.analyse(query)
        if analysis.multi:
            for part in analysis.parts:
                yield Step(f"searching {part.label}")
        found = find(self.retriever, analysis, self.settings.answer.k, filters)
        clock.mark("retrieve")
        result = Result(self, question, query, found, clock)
        missing = unknown_outlets(query, self.retriever.outlets)
        if missing:
            text = _not_indexed(missing)
            yield text
            return result.abstain(text)
        hits = list(found.hits)
        relevance = self.checker.relevance(query, hits)
        if handle.cancelled or not hits or max(relevance) < self.settings.answer.min_relevance:
            yield ABSTAIN_TEXT
            return result.abstain(ABSTAIN_TEXT, "cancelled" if handle.cancelled else None)
        composed = order_in_time(found)
        if composed is not None:
            yield Step("comparing the reports' dates")
            yield Renumberer(len(composed.hits)).rewrite(composed.text)
            return result.finish(composed.text, list(composed.hits), None, quoted=False)
        if analysis.kind == "difference":
            worked = work_out(self.checker, query, self.retriever.expand(hits, len(hits)))
            answer = result.worked(worked) if worked is not None else None
            if answer is not None:
                yield Step("working out the difference")
                yield answer.text
                return answer
        if self.llm is None:
            if analysis.multi:
                queries = [p.query for p in analysis.parts]
                raw, hits = extract_parts(self.checker, queries, found.rankings)
            else:
                raw = extract(self.checker, asked, hits)
            yield Renumberer(len(hits)).rewrite(raw) if raw else ABSTAIN_TEXT
            return result.finish(raw or ABSTAIN_TEXT, hits, None, quoted=True)
        evidence = self.evidence(found)
        result.evidence = evidence
        if per_report.judged(analysis):
            yield Step("checking each report")
            verdicts = per_report.verdicts(
                self.llm,
                self.prompts.verdict,
                analysis,
                evidence,
                cancelled=lambda: handle.cancelled,
            )
            if handle.cancelled:
                yield ABSTAIN_TEXT
                return result.abstain(ABSTAIN_TEXT, "cancelled")
            answer = result.per_report(verdicts) if verdicts else None
            if answer is not None:
                yield answer.text
                return answer
        if analysis.multi:
            yield Step("reading the reports")
        chunks = self.llm.stream(
            self.messages(
                asked,
                evidence.hits,
                evidence.texts,
                task=task_for(analysis),
                outlets=analysis.multi,
            ),
            max_tokens=self.settings.llm.max_tokens,
            temperature=self.settings.llm.temperature,
        )
        raw, error = yield from _relay(chunks, len(evidence.hits), handle, clock)
        if not raw.strip():
            if error:
                raise LLMError(error)
            yield ABSTAIN_TEXT  # nothing to say: the reader sees the abstention too
            return result.abstain(ABSTAIN_TEXT)
        return result.finish(raw, list(evidence.hits), error, quoted=False)

    def evidence(self, found: Found) -> Evidence:
        """What the model is shown for `found`: each part's sentences within its budget."""
        a = self.settings.answer
        return gather(
            self.checker,
            self.retriever,
            found,
            sentences=a.passage_sentences,
            budget=a.context_words,
            part_budget=a.part_words,
            expand=a.expand_articles,
        )

    def verify(
        self, raw: str, hits: Sequence[Hit], question: str = "", *, quoted: bool = False
    ) -> tuple[str, tuple[Citation, ...], int]:
        """Check every sentence against its sources (see `check.verify`)."""
        return verify(
            raw,
            hits,
            question,
            checker=self.checker,
            min_support=self.settings.answer.min_support,
            quoted=quoted,
        )


def _not_indexed(names: Sequence[str]) -> str:
    listed = " or ".join(", ".join(names).rsplit(", ", 1)) if len(names) > 1 else names[0]
    return f"No articles from {listed} are in the index, so I can't answer that from them."


def _relay(
    chunks: Iterator[str], sources: int, handle: AnswerStream, clock: Clock
) -> Generator[str, None, tuple[str, str | None]]:
    """Pass the model's text on with final citation numbers; (what it said, why it stopped
    early or None)."""
    renumberer = Renumberer(sources)
    raw = ""
    error: str | None = None
    try:
        for delta in chunks:
            raw += delta
            shown = renumberer.feed(delta)
            if shown:
                clock.mark("first_token")
                yield shown
            if handle.cancelled:
                error = "cancelled"
                break
    except PartialAnswer as exc:
        error = str(exc)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # hang up: the server (or llama.cpp) stops generating
    tail = renumberer.finish()
    if tail:
        yield tail
    return raw, error
