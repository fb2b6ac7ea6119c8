"""Passages for a question of several parts: each part searched with its own filters, the
results pooled so that every part keeps its best reports.

One ranking for "Did TechCrunch's report contradict the Verge's?" is won by whichever outlet
matches the words better; the other report never reaches the top. Here each part (from
`questions.analyse`) is searched within its outlets and dates, with its own clause and the
whole question as queries; then the pool is dealt like cards: each part in turn gives its
best passage not yet dealt, and the passages of each round go best score first; then
again. An article gives at most `max_per_article` passages, as in a plain search: the
sentence that answers is often in the second passage of the right report, which dealing
one article per turn pushed below every other article's best (MultiHop-RAG dev: fact
Hits@4 0.746 -> 0.845, MRR@10 0.607 -> 0.668, docs/benchmarks.md). A passage
that repeats one already dealt from another article (the same wire copy under two outlets)
takes no place: it would crowd out a report that says something else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ..types import Filters, Hit, SearchStep
from .questions import Analysis, Part
from .search import Retriever

NEAR_COPY = 0.7
"""Share of word triples two passages must have in common to count as the same text."""


def part_filters(part: Part, base: Filters) -> Filters:
    """The part's outlets and dates, unless the caller chose a source or dates (they win)."""
    return Filters(
        source=base.source,
        sources=() if base.source else part.sources,
        since=base.since if base.since is not None or base.until is not None else part.since,
        until=base.until if base.since is not None or base.until is not None else part.until,
    )


@dataclass(frozen=True)
class Found:
    """What the search for an analysed question found: each part's ranking, and the pool
    dealt from them."""

    analysis: Analysis
    rankings: tuple[tuple[Hit, ...], ...]
    """One ranking per part of the analysis, best first."""
    hits: tuple[Hit, ...]

    def steps(self) -> tuple[SearchStep, ...]:
        """The parts as they were searched, with the articles each contributed."""
        pooled = {h.article_id for h in self.hits}
        return tuple(
            SearchStep(
                label=part.label or "all articles",
                query=part.query,
                sources=part.sources,
                since=_day(part.since),
                until=_day(part.until),
                articles=tuple(
                    a for a in dict.fromkeys(h.article_id for h in ranking) if a in pooled
                ),
            )
            for part, ranking in zip(self.analysis.parts, self.rankings, strict=True)
        )


def _day(stamp: int | None) -> str | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, UTC).date().isoformat()


def find(retriever: Retriever, analysis: Analysis, k: int, base: Filters | None = None) -> Found:
    """Search each part of `analysis` and deal `k` passages from them (the module doc)."""
    base = base or Filters()
    if not analysis.named:
        hits = retriever.search(analysis.question, k, base)
        return Found(analysis, (tuple(hits),), tuple(hits))
    rankings = []
    for part in analysis.parts:
        queries = [part.query, analysis.question]
        found = retriever.best(queries, k, part_filters(part, base))
        if not found and (part.since is not None or part.until is not None):
            # a date that matches nothing was probably the event's, not the report's
            undated = replace(part, since=None, until=None)
            found = retriever.best(queries, k, part_filters(undated, base))
        rankings.append(tuple(found))
    return Found(analysis, tuple(rankings), tuple(deal(rankings, k, retriever.max_per_article)))


def search_analysis(
    retriever: Retriever, analysis: Analysis, k: int, base: Filters | None = None
) -> list[Hit]:
    """The `k` passages for an analysed question (see the module docstring)."""
    return list(find(retriever, analysis, k, base).hits)


def deal(rankings: Sequence[Sequence[Hit]], k: int, max_per_article: int) -> list[Hit]:
    """Up to `k` passages from several rankings, round by round: in each, every ranking
    gives its best passage not dealt yet (at most `max_per_article` per article; no
    near-copy of a passage dealt from another article), and the round's passages go best
    score first; then, if places are left, the rest by rank."""
    dealt: list[Hit] = []
    shingles: list[tuple[str, set[tuple[str, ...]]]] = []
    counts: dict[str, int] = {}
    chosen: set[str] = set()
    cursors = [0] * len(rankings)
    while len(dealt) < k:
        dealt_in_round: list[Hit] = []
        for i, ranking in enumerate(rankings):
            while cursors[i] < len(ranking):
                hit = ranking[cursors[i]]
                cursors[i] += 1
                if hit.chunk_id in chosen or counts.get(hit.article_id, 0) >= max_per_article:
                    continue
                words = _shingles(hit.text)
                if any(a != hit.article_id and _similar(words, w) for a, w in shingles):
                    continue
                dealt_in_round.append(hit)
                shingles.append((hit.article_id, words))
                counts[hit.article_id] = counts.get(hit.article_id, 0) + 1
                chosen.add(hit.chunk_id)
                break
        if not dealt_in_round:
            break
        dealt += sorted(dealt_in_round, key=lambda h: -h.score)
    if len(dealt) < k:  # fewer passages than places: the others, best first
        dealt += [h for h in _unique([h for r in rankings for h in r]) if h.chunk_id not in chosen]
    return dealt[:k]


def _unique(hits: Sequence[Hit]) -> list[Hit]:
    seen: set[str] = set()
    out = []
    for hit in hits:
        if hit.chunk_id not in seen:
            seen.add(hit.chunk_id)
            out.append(hit)
    return out


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(0, len(words) - 2))}


def _similar(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> bool:
    if not a or not b:
        return False
    return len(a & b) >= NEAR_COPY * min(len(a), len(b))
