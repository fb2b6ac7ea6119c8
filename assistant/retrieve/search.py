"""Find the passages that answer a query: vector, BM25, or both fused by reciprocal rank.

Filters (source, published date range) apply inside both searches, not after them, so a
filtered query still returns k passages when k exist. The result keeps at most
`max_per_article` passages per article, so a question spanning two articles gets both.
The rankings are fused by passage id and only the passages kept are read from the store;
a query's vector is kept for reuse, since every part of a question is searched with the
whole question too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol, TypeVar

import numpy as np

from ..index.records import article_of
from ..index.store import Store
from ..models.embeddings import Embedder, FloatArray
from ..types import Filters, Hit
from .outlets import OutletMatcher
from .questions import Analysis, analyse

OVERFETCH = 4
QUERY_VECTORS = 256
"""Query vectors kept for reuse (a few questions' worth of parts)."""


class _Passage(Protocol):
    @property
    def chunk_id(self) -> str: ...
    @property
    def article_id(self) -> str: ...


H = TypeVar("H", bound=_Passage)


def diversify(hits: Sequence[H], k: int, max_per_article: int) -> list[H]:
    """The best `k` hits, preferring at most `max_per_article` per article; when fewer
    articles match than that allows, the remaining places go to the next best passages."""
    counts: dict[str, int] = {}
    kept: list[H] = []
    spare: list[H] = []
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


@dataclass(frozen=True)
class Scored:
    """A passage found by id before its text is read: its id, its article and its score."""

    chunk_id: str
    score: float

    @property
    def article_id(self) -> str:
        return article_of(self.chunk_id)


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
        self._catalog: tuple[tuple[str, int], OutletMatcher, int] | None = None
        """(the store generation, or its article count before it has one; its sources; its
        newest year)"""
        self._vectors_lock = threading.Lock()
        self._vectors: OrderedDict[str, FloatArray] = OrderedDict()

    def _known(self) -> tuple[OutletMatcher, int]:
        """The indexed sources and the newest year (read again when the store changes)."""
        generation = self.store.generation()
        key = ("articles", self.store.count()[0]) if generation is None else ("at", generation)
        with self._catalog_lock:
            if self._catalog is None or self._catalog[0] != key:
                counts, newest = self.store.sources()
                year = int(newest[:4]) if newest and newest[:4].isdigit() else date.today().year
                self._catalog = (key, OutletMatcher(counts), year)
            return self._catalog[1], self._catalog[2]

    @property
    def outlets(self) -> OutletMatcher:
        """Finds the indexed sources a question names."""
        return self._known()[0]

    def analyse(self, question: str) -> Analysis:
        """`questions.analyse` with the sources and the newest year of this index."""
        matcher, year = self._known()
        return analyse(question, matcher, default_year=year)

    def embed(self, queries: Sequence[str]) -> FloatArray:
        """The vectors of `queries`; a query embedded lately is not embedded again (each
        part of a question is searched with the whole question too)."""
        with self._vectors_lock:
            missing = [q for q in dict.fromkeys(queries) if q not in self._vectors]
        if missing:
            fresh = self.embedder.embed(missing)
            with self._vectors_lock:
                for query, vector in zip(missing, fresh, strict=True):
                    self._vectors[query] = vector
                    self._vectors.move_to_end(query)
                while len(self._vectors) > QUERY_VECTORS:
                    self._vectors.popitem(last=False)
        with self._vectors_lock:
            rows = [self._vectors.get(q) for q in queries]
        if any(row is None for row in rows):  # evicted by another thread meanwhile
            return self.embedder.embed(list(queries))
        return np.stack([row for row in rows if row is not None])

    def forget_queries(self) -> None:
        """Drop the query vectors kept for reuse (a benchmark times each search afresh)."""
        with self._vectors_lock:
            self._vectors.clear()

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        """The `k` best passages for `query` within `filters`."""
        return self.best([query], k, filters)

    def best(self, queries: Sequence[str], k: int, filters: Filters | None = None) -> list[Hit]:
        """The `k` best passages for any of `queries` (vector and keyword rankings of each,
        fused by reciprocal rank), at most `max_per_article` per article while others
        match. Only those `k` passages are read from the store."""
        ranked = self.ranked_ids(queries, k, filters)
        read: dict[str, Hit] = {}
        while True:
            chosen = diversify(ranked, k, self.max_per_article)
            unread = [s.chunk_id for s in chosen if s.chunk_id not in read]
            if not unread:
                break
            read |= self.store.get_chunks(unread)
            lost = set(unread) - set(read)
            if not lost:
                break
            # ids the store lost since it ranked them: choose again among the others, so
            # the places and the limit per article are kept
            ranked = [s for s in ranked if s.chunk_id not in lost]
        return [replace(read[s.chunk_id], score=s.score) for s in chosen]

    def ranked_ids(
        self, queries: Sequence[str], k: int, filters: Filters | None = None
    ) -> list[Scored]:
        """Every passage found for any of `queries`, best first, by id."""
        filters = filters or Filters()
        queries = [q.strip() for q in dict.fromkeys(queries) if q.strip()]
        if not queries:
            return []
        fetch = max(k * OVERFETCH, 20)
        rankings: list[list[tuple[str, float]]] = []
        if self.mode != "bm25":
            vectors = self.embed(queries)
            rankings += [self.store.nearest(v, fetch, filters) for v in vectors]
        if self.mode != "vector":
            rankings += [self.store.keyword_ids(q, fetch, filters) for q in queries]
        if len(rankings) == 1:
            return [Scored(cid, score) for cid, score in rankings[0]]
        return self.fuse(rankings)

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

    def fuse(self, rankings: Sequence[Sequence[tuple[str, float]]]) -> list[Scored]:
        """Reciprocal rank fusion: score = sum of 1 / (rrf_k + rank) over the rankings."""
        scores: dict[str, float] = {}
        for ranking in rankings:
            for rank, (cid, _) in enumerate(ranking, start=1):
                scores[cid] = scores.get(cid, 0.0) + 1.0 / (self.rrf_k + rank)
        # ties (common in RRF) go by chunk id, so equal stores rank equally
        order = sorted(scores, key=lambda cid: (-scores[cid], cid))
        return [Scored(cid, scores[cid]) for cid in order]
