"""From a question to a cited answer: retrieve, prompt, stream, verify.

The passages found for the question are numbered in the prompt; the model's text streams
through a `Renumberer` so the reader sees final citation numbers as they arrive. When the
stream ends, every sentence is checked against the passages it cites (`verify.py`): weak
citations are flagged, a sentence with no marker gets the passage that supports it (marked
`attached`), and an answer that says the articles don't tell is an abstention with nothing
cited. A local model reads prompts slowly, so the prompt carries the best sentences within a
word budget (`context`), not whole passages. The `extractive` provider skips the model and
quotes the sentences that best match the question.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import date

from ..config import Settings
from ..errors import LLMError
from ..models.embeddings import Embedder
from ..models.llm import LLM, Message, PartialAnswer
from ..retrieve.filters import DateLike, question_filters
from ..retrieve.search import Retriever
from ..text import valid_text
from ..types import Answer, Citation, Filters, Hit
from .check.replies import ABSTAIN_TEXT, is_abstention, without_echo
from .check.support import SupportChecker
from .check.verify import verify
from .context import focus
from .extractive import extract
from .markers import Renumberer, strip_markers, tidy
from .prompts import Prompts, fill, format_sources
from .stream import AnswerSteps, AnswerStream


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
        self, question: str, hits: Sequence[Hit], texts: Sequence[str] | None = None
    ) -> list[Message]:
        """The chat messages for `question` over `hits`, numbered 1..n in order; `texts`
        (from `context`) replaces the passages' text."""
        today = date.today().isoformat()
        return [
            {"role": "system", "content": fill(self.prompts.system, today=today)},
            {
                "role": "user",
                "content": fill(
                    self.prompts.answer,
                    sources=format_sources(hits, texts),
                    question=question,
                    today=today,
                ),
            },
        ]

    def context(self, question: str, hits: Sequence[Hit]) -> tuple[list[Hit], list[str] | None]:
        """The passages the model sees and their (shortened) texts; see `SupportChecker.focus`."""
        n, budget = self.settings.answer.passage_sentences, self.settings.answer.context_words
        if not n and not budget:
            return list(hits), None
        if budget and self.settings.answer.expand_articles:
            hits = self.retriever.expand(hits, self.settings.answer.expand_articles)
        kept = focus(self.checker, question, hits, n or 1000, budget)
        return [hits[j] for j, _ in kept], [text for _, text in kept]

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
        """What the search for `question` is limited to: the caller's source and dates,
        else a phrase such as "this week" in the question (see `retrieve.filters`)."""
        return question_filters(question, source, since, until)

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
        prompt_question = prompt_question and valid_text(prompt_question)
        started = time.perf_counter()
        timings: dict[str, float] = {}

        def ms() -> float:
            return (time.perf_counter() - started) * 1000

        hits = self.retriever.search(query, self.settings.answer.k, filters)
        timings["retrieve"] = ms()
        relevance = self.checker.relevance(query, hits)
        if not hits or max(relevance) < self.settings.answer.min_relevance:
            yield ABSTAIN_TEXT
            timings["first_token"] = timings["total"] = ms()
            return self._result(question, query, ABSTAIN_TEXT, True, (), timings)

        raw = ""
        partial_error: str | None = None
        if self.llm is None:
            raw = extract(self.checker, question, hits)
            chunks: Iterator[str] = iter([raw])
        else:
            hits, texts = self.context(prompt_question or question, hits)
            max_tokens, temperature = self.settings.llm.max_tokens, self.settings.llm.temperature
            chunks = self.llm.stream(
                self.messages(prompt_question or question, hits, texts),
                max_tokens=max_tokens,
                temperature=temperature,
            )
        renumberer = Renumberer(len(hits))
        try:
            for delta in chunks:
                if self.llm is not None:
                    raw += delta
                shown = renumberer.feed(delta)
                if shown:
                    timings.setdefault("first_token", ms())
                    yield shown
                if handle.cancelled:
                    partial_error = "cancelled"
                    break
        except PartialAnswer as exc:
            partial_error = str(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        tail = renumberer.finish()
        if tail:
            yield tail
        if not raw.strip():
            if partial_error:
                raise LLMError(partial_error)
            raw = ABSTAIN_TEXT  # nothing to say: the reader sees the abstention too
            timings.setdefault("first_token", ms())
            yield ABSTAIN_TEXT
        timings.setdefault("first_token", ms())
        answer = self._finish(question, query, raw, hits, timings, partial_error)
        timings["total"] = ms()
        return answer

    def _finish(
        self,
        question: str,
        query: str,
        raw: str,
        hits: Sequence[Hit],
        timings: dict[str, float],
        partial_error: str | None,
    ) -> Answer:
        raw = without_echo(raw, fill(self.prompts.system, today=date.today().isoformat()))
        if is_abstention(strip_markers(raw)) or not raw.strip():
            return self._result(
                question, query, strip_markers(raw), True, (), timings, error=partial_error
            )
        text, cites, dropped = self.verify(raw, hits, question)
        if not any(c.supported for c in cites) and partial_error is None:
            # nothing the model said is backed by the passages: a guess, not an answer
            return self._result(
                question, query, ABSTAIN_TEXT, True, (), timings, dropped, partial_error
            )
        return self._result(question, query, text, False, cites, timings, dropped, partial_error)

    def verify(
        self, raw: str, hits: Sequence[Hit], question: str = ""
    ) -> tuple[str, tuple[Citation, ...], int]:
        """Check every sentence against its sources (see `verify.verify`)."""
        return verify(
            raw,
            hits,
            question,
            checker=self.checker,
            min_support=self.settings.answer.min_support,
            quoted=self.llm is None,  # extractive answers quote the passages word for word
        )

    def _result(
        self,
        question: str,
        query: str,
        text: str,
        abstained: bool,
        citations: tuple[Citation, ...],
        timings: dict[str, float],
        dropped: int = 0,
        error: str | None = None,
    ) -> Answer:
        return Answer(
            question=question,
            text=tidy(text) if text else ABSTAIN_TEXT,
            citations=citations,
            abstained=abstained,
            provider=self.provider,
            model=self.model,
            timings=timings,
            query=query,
            partial=error is not None,
            dropped_markers=dropped,
            error=error,
        )
