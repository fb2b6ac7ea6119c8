"""An answer in progress: `AnswerStream` (iterate for text, then `.answer()`) and its
asyncio twin.

Like simonw/llm's `Response`, an `AnswerStream` does nothing until it is iterated: the
question is retrieved, the prompt built and the model run as the caller reads the text.
`.cancel()` from any thread stops the model between chunks; the answer is then partial.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Generator, Iterator

from ..types import Answer

AnswerSteps = Generator[str, None, Answer]
"""What an answer is made of: text chunks as they are shown, then the finished `Answer`."""


class AnswerStream:
    """An answer in progress: iterate for text chunks, then `.answer()` for the result.

    `.text()` waits for the whole text; `.cancel()` (from any thread) stops the model and
    makes the answer partial.
    """

    def __init__(self, run: Callable[[AnswerStream], AnswerSteps]) -> None:
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
