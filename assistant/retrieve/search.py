"""Find the passages that answer a query: vector, BM25, or both fused by reciprocal rank.

Filters (source, published date range) apply inside both searches, not after them, so a
filtered query still returns k passages when k exist. The result keeps at most
`max_per_article` passages per article, so a question spanning two articles gets both.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from ..index.store import Store
from ..models.embeddings import Embedder
from ..types import Filters, Hit
from .outlets import OutletMatcher
from .questions import Analysis, analyse

OVERFETCH = 4


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
        self._catalog_lock = threading.Lock()
        self._catalog: tuple[int, OutletMatcher, int] | None = None

    def _known(self) -> tuple[OutletMatcher, int]:
        """The indexed sources and the newest year (read again when the count changes)."""
        articles = self.store.count()[0]
        with self._catalog_lock:
            if self._catalog is None or self._catalog[0] != articles:
                counts, newest = self.store.sources()
                year = int(newest[:4]) if newest and newest[:4].isdigit() else date.today().year
                self._catalog = (articles, OutletMatcher(counts), year)
            return self._catalog[1], self._catalog[2]

    @property
    def outlets(self) -> OutletMatcher:
        """Finds the indexed sources a question names."""
        return self._known()[0]

    def analyse(self, question: str) -> Analysis:
        """`questions.analyse` with the sources and the newest year of this index."""
        matcher, year = self._known()
        return analyse(question, matcher, default_year=year)

    def vector(self, query: str, k: int, filters: Filters) -> list[Hit]:
        return self.store.query_vectors(self.embedder.embed([query])[0], k, filters)

    def bm25(self, query: str, k: int, filters: Filters) -> list[Hit]:
        return self.store.keyword_search(query, k, filters)

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        """The `k` best passages for `query` within `filters`."""
        return diversify(self.ranked([query], k, filters), k, self.max_per_article)

    def ranked(self, queries: Sequence[str], k: int, filters: Filters | None = None) -> list[Hit]:
        """Every passage found for any of `queries` (vector and keyword rankings of each,
        fused), best first; the queries are embedded in one call."""
        filters = filters or Filters()
        queries = [q.strip() for q in dict.fromkeys(queries) if q.strip()]
        if not queries:
            return []
        fetch = max(k * OVERFETCH, 20)
        rankings: list[list[Hit]] = []
        if self.mode != "bm25":
            vectors = self.embedder.embed(queries)
            rankings += [self.store.query_vectors(v, fetch, filters) for v in vectors]
        if self.mode != "vector":
            rankings += [self.bm25(q, fetch, filters) for q in queries]
        return rankings[0] if len(rankings) == 1 else self.fuse(rankings)

    def expand(self, hits: Sequence[Hit], articles: int) -> list[Hit]:
        """`hits`, then the other passages of their first `articles` articles, article by
        article in text order: the sentence that answers is often in a passage of the right
        article that ranked below the cut."""
        top = list(dict.fromkeys(h.article_id for h in hits))[:articles]
        seen = {h.chunk_id for h in hits}
        rank = {a: i for i, a in enumerate(top)}
        more = [h for h in self.store.article_chunks(top) if h.chunk_id not in seen]
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
