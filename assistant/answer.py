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

import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from .citations import (
    Renumberer,
    strip_markers,
    tidy,
)
from .config import Settings
from .embeddings import Embedder
from .errors import LLMError
from .llm import LLM, Message, PartialAnswer
from .prompts import Prompts, fill
from .replies import ABSTAIN_TEXT, is_abstention, without_echo
from .retrieve import Filters, Retriever
from .support import TITLE_WORDS, SupportChecker
from .types import Answer, Citation, Hit
from .verify import verify


def format_sources(hits: Sequence[Hit], texts: Sequence[str] | None = None) -> str:
    """The numbered passages of the prompt; `texts` replaces the passages' text."""
    blocks = []
    for n, hit in enumerate(hits, 1):
        # one line per head: a title with line breaks must not start a fake "[7] ..." source
        # a short head: every word of the prompt delays a local model's first token
        words = hit.title.split() or [hit.article_id]
        title = " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
        published = " ".join((hit.published or "").split())
        head = f"[{n}] {title}" + (f" ({published})" if published else "")
        body = " ".join((texts[n - 1] if texts else hit.text).split())
        blocks.append(f"{head}\n{body}")
    return "\n\n".join(blocks)


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


class AnswerStream:
    """An answer in progress: iterate for text chunks, then `.answer()` for the result.

    `.text()` waits for the whole text; `.cancel()` (from any thread) stops the model and
    makes the answer partial.
    """

    def __init__(self, run: Callable[[AnswerStream], Generator[str, None, Answer]]) -> None:
        self._cancel = threading.Event()
        self._gen = run(self)
        self._answer: Answer | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def __iter__(self) -> Iterator[str]:
        while self._answer is None:
            try:
                chunk = next(self._gen)
            except StopIteration as stop:
                self._answer = stop.value
                return
            yield chunk

    def answer(self) -> Answer:
        for _ in self:
            pass
        assert self._answer is not None
        return self._answer

    def text(self) -> str:
        return self.answer().text


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
        kept = self.checker.focus(question, hits, n or 1000, budget)
        return [hits[j] for j, _ in kept], [text for _, text in kept]

    def warm_up(self) -> None:
        """Load the models and, for a local model, read the system prompt now."""
        self.checker.embedder.embed(["warm up"])
        if self.llm is not None:
            self.llm.prime(self.messages("Hello", []))

    def stream(
        self, question: str, *, filters: Filters | None = None, query: str | None = None
    ) -> AnswerStream:
        return AnswerStream(lambda s: self._run(s, question, query or question, filters))

    def _run(
        self,
        handle: AnswerStream,
        question: str,
        query: str,
        filters: Filters | None,
        *,
        prompt_question: str | None = None,
    ) -> Generator[str, None, Answer]:
        """Answer `question` from the passages found for `query`. The model is asked
        `prompt_question` (default `question`): in a chat, the standalone rewrite of a
        follow-up, since the answer prompt carries no history."""
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
            raw = self.checker.extract(question, hits)
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


def history_text(turns: Sequence[Turn], limit: int = 3) -> str:
    lines = []
    for turn in turns[-limit:]:
        lines.append(f"User: {turn.question}")
        lines.append(f"Assistant: {strip_markers(turn.answer)[:400]}")
    return "\n".join(lines)
