"""The figures of an evaluation: retrieval, answers, citations, abstention and latency.

Retrieval is measured twice. At article level, on the distinct articles of the top 10
passages: Hits@1/4/10 and MRR@10 of the first evidence article, and All@4 (every evidence
article among the top 4). At fact level, MultiHop-RAG's own criterion (Tang & Yang, 2024): a
retrieved passage is relevant when an evidence quote, spaces and newlines removed, is
contained in it; Hits@4/10, MRR@10 and MAP@10 over the top 10 passages, as the paper's
`retrieval_evaluate.py` computes them.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any


def _squash(text: str) -> str:
    return text.replace(" ", "").replace("\n", "")


def fact_ranks(passages: Sequence[str], quotes: Sequence[str]) -> dict[str, Any]:
    """The paper's per-question figures: first relevant rank and average precision @10."""
    gold = [_squash(q) for q in quotes if q.strip()]
    found: list[str] = []
    first: int | None = None
    precision_sum = 0.0
    for rank, passage in enumerate(passages[:10], start=1):
        text = _squash(passage)
        if any(g in text for g in gold):
            first = first or rank
            new = [g for g in gold if g in text and g not in found]
            found.extend(new)
            precision_sum += len(new) / rank
    return {
        "fact_first_rank": first,
        "fact_ap": precision_sum / min(len(gold), 10) if gold else 0.0,
    }


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 3) if den else None


def _hits(ranks: Sequence[int | None], at: int) -> float | None:
    return _ratio(sum(1 for x in ranks if x is not None and x <= at), len(ranks))


def metrics(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The figures of `rows` (one per question, as `run.evaluate` records them)."""
    answerable = [r for r in rows if not r["null"]]
    nulls = [r for r in rows if r["null"]]
    ranks = [r.get("first_rank") for r in answerable]
    facts = [r.get("fact_first_rank") for r in answerable]
    cited = sum(len(r["cited"]) for r in answerable)
    seconds = [r["seconds"] * 1000 for r in rows]
    first = [r["first_token_ms"] for r in rows if r.get("first_token_ms") is not None]
    figures = {
        "questions": len(rows),
        "hits@1": _hits(ranks, 1),
        "hits@4": _hits(ranks, 4),
        "hits@10": _hits(ranks, 10),
        "mrr@10": _ratio(sum(1 / x for x in ranks if x is not None), len(ranks)),
        "all@4": _ratio(sum(1 for r in answerable if r.get("all_in_4")), len(answerable)),
        "fact_hits@4": _hits(facts, 4),
        "fact_hits@10": _hits(facts, 10),
        "fact_mrr@10": _ratio(sum(1 / x for x in facts if x is not None), len(facts)),
        "fact_map@10": _ratio(sum(r.get("fact_ap", 0.0) for r in answerable), len(answerable)),
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
    if rows and not any(r.get("answered", True) for r in rows):  # retrieval only
        retrieval = ("questions", "hits@", "mrr@", "all@", "fact_")
        figures = {k: v if k.startswith(retrieval) else None for k, v in figures.items()}
    return figures


def breakdown(rows: Sequence[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """`metrics` per value of `key` (question type, answer kind)."""
    values = sorted({str(r[key]) for r in rows if r.get(key)})
    return {v: metrics([r for r in rows if str(r.get(key)) == v]) for v in values}
