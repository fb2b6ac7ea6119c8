"""Find the passages that answer a query: vector, BM25, or both fused by reciprocal rank.

Filters (source, published date range) apply inside both searches, not after them, so a
filtered query still returns k passages when k exist. The result keeps at most
`max_per_article` passages per article, so a question spanning two articles gets both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .embeddings import Embedder
from .store import Store
from .types import Hit

OVERFETCH = 4


@dataclass(frozen=True)
class Filters:
    source: str | None = None
    since: int | None = None
    until: int | None = None

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.source is not None:
            clauses.append({"source": self.source})
        if self.since is not None:
            clauses.append({"published_ts": {"$gte": self.since}})
        if self.until is not None:
            clauses.append({"published_ts": {"$lte": self.until}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _hit(chunk_id: str, text: str, meta: dict[str, Any], score: float) -> Hit:
    return Hit(
        article_id=str(meta.get("article_id", chunk_id.rsplit("::", 1)[0])),
        title=str(meta.get("title", "")),
        source=meta.get("source"),
        published=meta.get("published"),
        text=text,
        score=score,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        chunk_id=chunk_id,
        author=meta.get("author"),
        url=meta.get("url"),
    )


def diversify(hits: Sequence[Hit], k: int, max_per_article: int) -> list[Hit]:
    """The best `k` hits, preferring at most `max_per_article` per article; when fewer
    articles match than that allows, the remaining places go to the next best passages."""
    counts: dict[str, int] = {}
    kept: list[Hit] = []
    spare: list[Hit] = []
    for hit in hits:
        if counts.get(hit.article_id, 0) >= max_per_article:
            spare.append(hit)
            continue
        counts[hit.article_id] = counts.get(hit.article_id, 0) + 1
        kept.append(hit)
        if len(kept) == k:
            return kept
    chosen = {h.chunk_id for h in kept + spare[: k - len(kept)]}
    return [h for h in hits if h.chunk_id in chosen]


class Retriever:
    """Top-k passages for a query, over one store, with one embedder."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        *,
        mode: str = "hybrid",
        max_per_article: int = 2,
        rrf_k: int = 60,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.mode = mode
        self.max_per_article = max_per_article
        self.rrf_k = rrf_k

    def vector(self, query: str, k: int, filters: Filters) -> list[Hit]:
        vector = self.embedder.embed([query])[0]
        rows = self.store.query_vectors(vector, k, filters.where())
        return [_hit(cid, doc, meta, sim) for cid, doc, meta, sim in rows]

    def bm25(self, query: str, k: int, filters: Filters) -> list[Hit]:
        scored = self.store.lexical.search(
            query, k, source=filters.source, since=filters.since, until=filters.until
        )
        found = self.store.get_chunks([cid for cid, _ in scored])
        return [_hit(cid, *found[cid], score) for cid, score in scored if cid in found]

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        filters = filters or Filters()
        query = query.strip()
        if not query:
            return []
        fetch = max(k * OVERFETCH, 20)
        if self.mode == "vector":
            hits = self.vector(query, fetch, filters)
        elif self.mode == "bm25":
            hits = self.bm25(query, fetch, filters)
        else:
            hits = self.fuse([self.vector(query, fetch, filters), self.bm25(query, fetch, filters)])
        return diversify(hits, k, self.max_per_article)

    def expand(self, hits: Sequence[Hit], articles: int) -> list[Hit]:
        """`hits`, then the other passages of their first `articles` articles, article by
        article in text order: the sentence that answers is often in a passage of the right
        article that ranked below the cut."""
        top = list(dict.fromkeys(h.article_id for h in hits))[:articles]
        seen = {h.chunk_id for h in hits}
        rank = {a: i for i, a in enumerate(top)}
        more = [
            _hit(cid, doc, meta, 0.0)
            for cid, doc, meta in self.store.article_chunks(top)
            if cid not in seen
        ]
        more.sort(key=lambda h: (rank.get(h.article_id, len(rank)), h.start))
        return [*hits, *more]

    def fuse(self, rankings: Sequence[Sequence[Hit]]) -> list[Hit]:
        """Reciprocal rank fusion: score = sum of 1 / (rrf_k + rank) over the rankings."""
        scores: dict[str, float] = {}
        first: dict[str, Hit] = {}
        for ranking in rankings:
            for rank, hit in enumerate(ranking, start=1):
                scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + 1.0 / (self.rrf_k + rank)
                first.setdefault(hit.chunk_id, hit)
        # ties (common in RRF) go by chunk id, so equal stores rank equally
        order = sorted(scores, key=lambda cid: (-scores[cid], cid))
        return [replace(first[cid], score=scores[cid]) for cid in order]
