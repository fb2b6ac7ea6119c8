"""An answer in progress: `AnswerStream` (iterate for text, then `.answer()`) and its
asyncio twin.

Like simonw/llm's `Response`, an `AnswerStream` does nothing until it is iterated: the
question is retrieved, the prompt built and the model run as the caller reads the text.
`.cancel()` from any thread stops it between steps and between chunks; the answer is then
partial. Iterating gives the answer's text; `.events()` gives the same text interleaved
with `Step`s ("searching TechCrunch · 2023-10-02…"), so a front end can show what is being
done while a question of several parts is answered.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass

from ..types import Answer


@dataclass(frozen=True)
class Step:
    """Something the answer is doing now, for the user to see: "searching TechCrunch"."""

    text: str


AnswerSteps = Generator[str | Step, None, Answer]
"""What an answer is made of: steps and text chunks as they happen, then the `Answer`."""


class AnswerStream:
    """An answer in progress: iterate for text chunks, then `.answer()` for the result.

    `.text()` waits for the whole text; `.cancel()` (from any thread) stops the model and
    makes the answer partial.
    """

    def __init__(self, run: Callable[[AnswerStream], AnswerSteps]) -> None:
        self._cancel = threading.Event()
        self._gen = run(self)
        self._answer: Answer | None = None
        self.steps: list[str] = []
        """The steps taken so far."""

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def events(self) -> Iterator[str | Step]:
        """The answer's text chunks and the steps taken, as they happen."""
        while self._answer is None:
            try:
                event = next(self._gen)
            except StopIteration as stop:
                self._answer = stop.value
                return
            if isinstance(event, Step):
                self.steps.append(event.text)
            yield event

    def __iter__(self) -> Iterator[str]:
        for event in self.events():
            if isinstance(event, str):
                yield event

    def answer(self) -> Answer:
        for _ in self:
            pass
        assert self._answer is not None
        return self._answer

    def text(self) -> str:
        return self.answer().text


class AsyncAnswerStream:
    """An `AnswerStream` driven from a worker thread, for asyncio callers."""

    def __init__(self, start: Callable[[], AnswerStream]) -> None:
        self._start = start
        self._stream: AnswerStream | None = None

    async def __aiter__(self) -> AsyncIterator[str]:
        stream = await asyncio.to_thread(self._start)
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
