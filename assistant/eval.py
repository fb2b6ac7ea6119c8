"""Measure the assistant on a question set: retrieval, answers, citations, abstention, latency.

Question files are JSONL: `{id, question, answer, accept, evidence: [{article, quote, alt}],
type}` (see the eval README). An evidence item is matched by the article id, one of its `alt`
ids, or (when ids differ between a corpus and its question set) by an article whose text
contains the evidence quote. Everything goes through the public `Assistant` API.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .api import Assistant
from .errors import AssistantError


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    accept: tuple[str, ...]
    evidence: tuple[dict[str, Any], ...]
    type: str

    @property
    def is_null(self) -> bool:
        return self.type == "null" or not self.evidence


def load_questions(path: Path) -> list[Question]:
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise AssistantError(f"cannot read {path}: {exc.strerror}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            questions.append(
                Question(
                    id=str(obj.get("id", number)),
                    question=str(obj["question"]),
                    accept=tuple(str(a).lower() for a in obj.get("accept", [])),
                    evidence=tuple(obj.get("evidence", [])),
                    type=str(obj.get("type", "single")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise AssistantError(f"{path}:{number}: not a question ({exc})") from None
    return questions


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

    def matches(self, article_id: str, item: dict[str, Any]) -> bool:
        if article_id == item.get("article") or article_id in item.get("alt", []):
            return True
        quote = " ".join(str(item.get("quote", "")).split())
        return bool(quote) and quote in self.text(article_id)


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 3) if den else None


def evaluate(
    assistant: Assistant,
    questions: Sequence[Question],
    *,
    on_question: Callable[[int, int, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run every question; return the metrics and per-question rows."""
    match = Matcher(assistant)
    rows: list[dict[str, Any]] = []
    for index, q in enumerate(questions, 1):
        hits = assistant.search(q.question, 10)
        ranked: list[str] = list(dict.fromkeys(h.article_id for h in hits))
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
        seconds = time.perf_counter() - t0
        row: dict[str, Any] = {
            "id": q.id,
            "type": q.type,
            "question": q.question,
            "answer": text,
            "abstained": abstained,
            "cited": cited,
            "retrieved": ranked[:10],
            "seconds": round(seconds, 3),
            "first_token_ms": None if first_token is None else round(first_token, 1),
            "correct": any(a in text.lower() for a in q.accept) and not abstained,
        }
        if error:
            row["error"] = error
        if not q.is_null:
            ranks = [
                next((r for r, aid in enumerate(ranked[:10], 1) if match.matches(aid, e)), None)
                for e in q.evidence
            ]
            found = [r for r in ranks if r is not None]
            row["first_rank"] = min(found) if found else None
            row["all_in_4"] = all(r is not None and r <= 4 for r in ranks)
            row["cited_ok"] = sum(any(match.matches(a, e) for e in q.evidence) for a in cited)
            row["evidence_cited"] = sum(any(match.matches(a, e) for a in cited) for e in q.evidence)
            row["evidence"] = len(q.evidence)
        rows.append(row)
        if on_question:
            on_question(index, len(questions), row)
    return {"metrics": metrics(rows), "by_type": by_type(rows), "questions": rows}


def metrics(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["type"] != "null"]
    nulls = [r for r in rows if r["type"] == "null"]
    ranks = [r.get("first_rank") for r in answerable]
    cited = sum(len(r["cited"]) for r in answerable)
    seconds = [r["seconds"] * 1000 for r in rows]
    first = [r["first_token_ms"] for r in rows if r.get("first_token_ms") is not None]
    return {
        "questions": len(rows),
        "hits@1": _ratio(sum(1 for x in ranks if x is not None and x <= 1), len(ranks)),
        "hits@4": _ratio(sum(1 for x in ranks if x is not None and x <= 4), len(ranks)),
        "hits@10": _ratio(sum(1 for x in ranks if x is not None), len(ranks)),
        "mrr@10": _ratio(sum(1 / x for x in ranks if x is not None), len(ranks)),
        "all@4": _ratio(sum(1 for r in answerable if r.get("all_in_4")), len(answerable)),
        "accuracy": _ratio(sum(1 for r in answerable if r["correct"]), len(answerable)),
        "citation_precision": _ratio(sum(r.get("cited_ok", 0) for r in answerable), cited),
        "citation_recall": _ratio(
            sum(r.get("evidence_cited", 0) for r in answerable),
            sum(r.get("evidence", 0) for r in answerable),
        ),
        "null_abstention": _ratio(sum(1 for r in nulls if r["abstained"]), len(nulls)),
        "false_abstention": _ratio(sum(1 for r in answerable if r["abstained"]), len(answerable)),
        "errors": sum(1 for r in rows if "error" in r),
        "latency_ms_p50": round(statistics.median(seconds), 1) if seconds else None,
        "latency_ms_p95": round(_percentile(seconds, 0.95), 1),
        "first_token_ms_p50": round(statistics.median(first), 1) if first else None,
    }


def by_type(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    types = sorted({r["type"] for r in rows})
    return {t: metrics([r for r in rows if r["type"] == t]) for t in types}
