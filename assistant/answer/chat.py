"""A conversation: `Chat` keeps the history and rewrites follow-ups before retrieval.

A follow-up ("and what did he say next?") means nothing to the search index, so `Chat`
rewrites it with the history into a standalone query (carrying today's date, so "last week"
resolves) before retrieval; the first question is used as it is and waits for no rewrite.
A turn is recorded only for an answer that was not cancelled, the same in every front end;
a chat can start from saved turns to resume a conversation. It uses only the public calls
of the answer stage (`Answerer.stream`'s parts: `filters` and `steps`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from ..retrieve.filters import DateLike
from ..text import content_words
from ..types import Answer, Turn
from .markers import strip_markers
from .pipeline import Answerer
from .prompts import fill
from .stream import AnswerSteps, AnswerStream

HISTORY_TURNS = 3
"""Turns of history shown to the model when a follow-up is rewritten."""
_REFERS_BACK = re.compile(
    r"\b(?:he|she|it|its|they|them|their|theirs|him|his|her|hers|this|that|these|those|"
    r"there|then|the same|such|other|another|else|former|latter|above|previous|earlier)\b",
    re.I,
)
_CONTINUES = re.compile(r"^\s*(?:and|but|so|also|or|what about|how about|why|how come)\b", re.I)


def needs_history(question: str) -> bool:
    """Whether a follow-up means something only with the turns before it ("Why?", "And
    what did he say next?"); "When might Xi visit the US?" stands on its own and is
    searched as it is, with no rewrite to wait for."""
    if _REFERS_BACK.search(question) or _CONTINUES.match(question):
        return True
    return len(content_words(question)) < 3


def history_text(turns: Sequence[Turn], limit: int = HISTORY_TURNS) -> str:
    """The last `limit` turns as "User: …" / "Assistant: …" lines (answers cut short)."""
    lines = []
    for turn in turns[-limit:]:
        lines.append(f"User: {turn.question}")
        lines.append(f"Assistant: {strip_markers(turn.answer)[:400]}")
    return "\n".join(lines)


class Chat:
    """A conversation with history. The first question is used as it is; later ones are
    rewritten into standalone queries (with today's date) before retrieval."""

    def __init__(self, answerer: Answerer, turns: Sequence[Turn] = ()) -> None:
        self.answerer = answerer
        self.turns: list[Turn] = list(turns)

    def condense(self, question: str) -> str:
        """The standalone query for `question` given the history (the question itself when
        it needs none)."""
        if not self.turns or not needs_history(question):
            return question
        llm = self.answerer.llm
        if llm is None:  # extractive: keep the last question's words in the query
            return f"{self.turns[-1].question} {question}"
        prompt = fill(
            self.answerer.prompts.condense,
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

    def stream(
        self,
        question: str,
        *,
        source: str | None = None,
        since: DateLike = None,
        until: DateLike = None,
    ) -> AnswerStream:
        """Answer `question` in the light of the history; the turn is recorded when the
        answer is finished and was not cancelled."""
        filters = self.answerer.filters(question, source, since, until)

        def run(handle: AnswerStream) -> AnswerSteps:
            query = self.condense(question)
            follow_up = query != question
            answer = yield from self.answerer.steps(
                handle,
                question,
                query=query,
                filters=filters,
                prompt_question=query if follow_up else None,
            )
            if not handle.cancelled:
                self.turns.append(Turn(question, answer.text))
            return answer

        return AnswerStream(run)

    def ask(
        self,
        question: str,
        *,
        source: str | None = None,
        since: DateLike = None,
        until: DateLike = None,
    ) -> Answer:
        """`stream(...).answer()`."""
        return self.stream(question, source=source, since=since, until=until).answer()
