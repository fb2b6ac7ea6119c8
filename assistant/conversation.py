"""Conversations and asyncio: a `Chat` that keeps history, and the async answer stream.

A follow-up ("and what did he say next?") means nothing to the search index, so `Chat`
rewrites it with the history into a standalone query (carrying today's date, so "last week"
resolves) before retrieval; the first question is used as it is and waits for no rewrite.
`AsyncAnswerStream` drives an `AnswerStream` from a worker thread for asyncio callers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Generator
from datetime import date
from typing import TYPE_CHECKING, Any

from .answer import AnswerStream, Turn, history_text
from .dates import question_filters
from .prompts import fill
from .types import Answer

if TYPE_CHECKING:
    from .api import Assistant


class AsyncAnswerStream:
    """An `AnswerStream` driven from a worker thread, for asyncio callers."""

    def __init__(self, start: Any) -> None:
        self._start = start
        self._stream: AnswerStream | None = None

    async def __aiter__(self) -> AsyncIterator[str]:
        stream: AnswerStream = await asyncio.to_thread(self._start)
        self._stream = stream
        iterator = iter(stream)
        done = object()
        while True:
            chunk = await asyncio.to_thread(next, iterator, done)
            if chunk is done:
                return
            yield str(chunk)

    async def answer(self) -> Answer:
        if self._stream is None:
            async for _ in self:
                pass
        assert self._stream is not None
        return await asyncio.to_thread(self._stream.answer)

    def cancel(self) -> None:
        if self._stream is not None:
            self._stream.cancel()


class Chat:
    """A conversation with history. The first question is used as it is; later ones are
    rewritten into standalone queries (with today's date) before retrieval."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.turns: list[Turn] = []

    def condense(self, question: str) -> str:
        """The standalone query for `question` given the history."""
        if not self.turns:
            return question
        answerer = self.assistant.answerer()
        llm = answerer.llm
        if llm is None:  # extractive: keep the last question's words in the query
            return f"{self.turns[-1].question} {question}"
        prompt = fill(
            self.assistant.prompts.condense,
            history=history_text(self.turns),
            question=question,
            today=date.today().isoformat(),
        )
        rewritten = "".join(
            llm.stream([{"role": "user", "content": prompt}], max_tokens=80, temperature=0.0)
        )
        rewritten = (
            rewritten.strip().strip('"').splitlines()[0].strip() if rewritten.strip() else ""
        )
        return rewritten or question

    def stream(self, question: str, **filters: Any) -> AnswerStream:
        answerer = self.assistant.answerer()
        f = question_filters(
            question, filters.get("source"), filters.get("since"), filters.get("until")
        )

        def run(handle: AnswerStream) -> Generator[str, None, Answer]:
            query = self.condense(question)
            answer = yield from answerer._run(
                handle, question, query, f, prompt_question=query if self.turns else None
            )
            self.turns.append(Turn(question, answer.text))
            return answer

        return AnswerStream(run)

    def ask(self, question: str, **filters: Any) -> Answer:
        return self.stream(question, **filters).answer()
