"""Run a question set through the public API and record what happened to each question.

Everything goes through `Assistant`: `search` for the retrieval figures (the same
question-aware search the answers use), `ask` for the answer. An evidence item is matched
by its article id, one of its `alt` ids, or (when ids differ between a corpus and its
question set) by an article whose text contains the evidence quote.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api import Assistant
from ..errors import AssistantError
from .metrics import breakdown, fact_ranks, metrics
from .questions import Evidence, Question, is_correct

OnQuestion = Callable[[int, int, dict[str, Any]], None]


def index_dir(base: Path, corpus: Path, assistant: Assistant) -> Path:
    """A data dir of its own for each corpus (and chunking/embedding settings)."""
    s = assistant.settings
    key = f"{corpus.resolve()}|{s.ingest.chunk_size}|{s.ingest.chunk_overlap}|{s.embedding}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return base / "eval" / f"{corpus.stem}-{digest}"


@dataclass
class Matcher:
    """Decides whether an article id satisfies an evidence item."""

    assistant: Assistant
    _texts: dict[str, str] = field(default_factory=dict)

    def text(self, article_id: str) -> str:
        if article_id not in self._texts:
            article = self.assistant.article(article_id)
            self._texts[article_id] = " ".join(article.text.split()) if article else ""
        return self._texts[article_id]

    def matches(self, article_id: str, item: Evidence) -> bool:
        if article_id == item.article or article_id in item.alt:
            return True
        quote = " ".join(item.quote.split())
        return bool(quote) and quote in self.text(article_id)


def evaluate(
    assistant: Assistant,
    questions: Sequence[Question],
    *,
    on_question: OnQuestion | None = None,
    answers: bool = True,
) -> dict[str, Any]:
    """Run every question; the metrics overall, per type and per answer kind, and the rows.
    Without `answers`, only retrieval is measured (no model runs)."""
    match = Matcher(assistant)
    rows: list[dict[str, Any]] = []
    for index, q in enumerate(questions, 1):
        row = _retrieval_row(assistant, match, q)
        row["answered"] = answers
        if answers:
            row.update(_answer_row(assistant, match, q))
        rows.append(row)
        if on_question:
            on_question(index, len(questions), row)
    return {
        "metrics": metrics(rows),
        "by_type": breakdown(rows, "type"),
        "by_kind": breakdown(rows, "kind"),
        "questions": rows,
    }


def _retrieval_row(assistant: Assistant, match: Matcher, q: Question) -> dict[str, Any]:
    started = time.perf_counter()
    hits = assistant.search(q.question, 10)
    ranked: list[str] = list(dict.fromkeys(h.article_id for h in hits))
    row: dict[str, Any] = {
        "id": q.id,
        "type": q.type,
        "kind": q.kind,
        "null": q.is_null,
        "question": q.question,
        "retrieved": ranked[:10],
        "search_ms": round((time.perf_counter() - started) * 1000, 1),
        "correct": False,
        "abstained": False,
        "cited": [],
        "seconds": 0.0,
    }
    if not q.is_null:
        ranks = [
            next((r for r, aid in enumerate(ranked[:10], 1) if match.matches(aid, e)), None)
            for e in q.evidence
        ]
        found = [r for r in ranks if r is not None]
        row["first_rank"] = min(found) if found else None
        row["all_in_4"] = all(r is not None and r <= 4 for r in ranks)
        row.update(fact_ranks([h.text for h in hits], [e.quote for e in q.evidence]))
    return row


def _answer_row(assistant: Assistant, match: Matcher, q: Question) -> dict[str, Any]:
    error = None
    first_token: float | None = None
    t0 = time.perf_counter()
    try:
        answer = assistant.ask(q.question)
        text, abstained = answer.text, answer.abstained
        cited = list(dict.fromkeys(c.article_id for c in answer.citations))
        first_token = answer.timings.get("first_token")
    except AssistantError as exc:
        text, abstained, cited, error = "", False, [], str(exc)
    row: dict[str, Any] = {
        "answer": text,
        "abstained": abstained,
        "cited": cited,
        "seconds": round(time.perf_counter() - t0, 3),
        "first_token_ms": None if first_token is None else round(first_token, 1),
        "correct": is_correct(q, text, abstained),
    }
    if error:
        row["error"] = error
    if not q.is_null:
        row["cited_ok"] = sum(any(match.matches(a, e) for e in q.evidence) for a in cited)
        row["evidence_cited"] = sum(any(match.matches(a, e) for a in cited) for e in q.evidence)
        row["evidence"] = len(q.evidence)
    return row
