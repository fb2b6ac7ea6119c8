"""An in-process copy of the passages' vectors, so that a filtered search is a matrix product.

Chroma 1.5.9 answers a plain nearest-neighbour query in about 2 ms on MultiHop-RAG's 10,617
passages, but one with a `where` clause (the outlets and dates of a question's part) in
25-30 ms, and a question of three parts asks six such queries. This copy holds every
passage's id and unit vector with its article's source and publication time, read from
Chroma once and kept at the store's generation (the one the keyword index follows:
`Store.refresh` moves it when any process commits a write), and ranks by exact cosine
similarity among the passages the filters allow. It answers what Chroma's query would,
exactly rather than by an approximate graph walk.

Above `store.memory_vectors` passages (by default `LIMIT`, 31 MB of vectors) no copy is
made and Chroma answers, as it does before the store has a generation (an empty store, or
one opened read-only before its first commit). A write moves the copy on by what it changed
(the articles written or removed since), as it moves the keyword index.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..models.embeddings import FloatArray
from ..types import Filters
from .records import article_of
from .state import StoreState
from .sync import pages

LIMIT = 20_000
"""Most passages copied into memory (384 floats each); a bigger store is searched in Chroma.
At 100,000 passages the copy loses: reading it takes 10 s, a one-article update 2.3 s, and
an unfiltered exact search 15 ms more than Chroma's graph walk (`benchmarks/retrieval.py`)."""
PAGE = 5000


@dataclass(frozen=True)
class _Matrix:
    generation: int
    ids: list[str]
    vectors: FloatArray
    sources: npt.NDArray[np.object_]
    published: npt.NDArray[np.float64]
    """Epoch seconds, NaN when unknown (NaN compares False: no date range matches it)."""


class VectorCopy:
    """The vectors of one store's passages at one generation (thread-safe)."""

    def __init__(self, chunks: Any, articles: Any, state: StoreState, limit: int = LIMIT) -> None:
        self.chunks, self.articles, self.state = chunks, articles, state
        self.limit = limit
        self._lock = threading.Lock()
        self._matrix: _Matrix | None = None
        self._too_big: int | None = None
        """The generation at which the store was found too big to copy."""

    def nearest(
        self, generation: int | None, vector: FloatArray, k: int, filters: Filters | None
    ) -> list[tuple[str, float]] | None:
        """The ids and cosine similarities of the `k` passages nearest `vector` within
        `filters`, best first, at store `generation`; None when there is no copy to answer
        from (Chroma must)."""
        matrix = self._at(generation)
        if matrix is None:
            return None
        allowed = _allowed(matrix, filters)
        rows = np.arange(len(matrix.ids)) if allowed is None else np.flatnonzero(allowed)
        k = min(k, len(rows))
        if k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        vectors = matrix.vectors if allowed is None else matrix.vectors[rows]
        # not `@`: OpenBLAS would run it on every core and then spin for a while, and the
        # embedding model's next run (the next query) would take twice as long
        scores = np.einsum("ij,j->i", vectors, query)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(matrix.ids[rows[i]], float(scores[i])) for i in top]

    def prepare(self, generation: int | None) -> None:
        """Read the copy for `generation` now, so that the first search is as fast as the
        rest (`Assistant.warm_up`)."""
        self._at(generation)

    def _at(self, generation: int | None) -> _Matrix | None:
        if generation is None or generation == self._too_big:
            return None
        with self._lock:
            old = self._matrix
            if old is not None and old.generation == generation:
                return old
            self._matrix = None
            if int(self.chunks.count()) > self.limit:
                self._too_big = generation
                return None
            if old is not None and old.generation < generation:
                self._matrix = self._update(old, generation)
            else:
                self._matrix = self._load(generation)
            return self._matrix

    def _load(self, generation: int) -> _Matrix:
        """Every passage of a committed article, with its article's source and date."""
        about: dict[str, tuple[str | None, float]] = {}
        for article_ids, _, metas in pages(self.articles):
            about.update(
                (article_id, _about(meta))
                for article_id, meta in zip(article_ids, metas, strict=True)
            )
        ids, vectors = _vectors(self.chunks, None)
        return _matrix(generation, ids, vectors, about)

    def _update(self, old: _Matrix, generation: int) -> _Matrix:
        """`old` brought to `generation` by what changed since (as the keyword index is):
        the passages of articles written or removed since are read again or dropped."""
        changed = self.articles.get(
            where={"generation": {"$gt": old.generation}}, include=["metadatas"]
        )
        about = {
            article_id: _about(meta)
            for article_id, meta in zip(changed["ids"], changed["metadatas"], strict=True)
        }
        if len(about) > len(old.ids) // 4:
            return self._load(generation)  # much changed: read it all
        drop = set(about) | set(self.state.gone_since(old.generation))
        keep = [i for i, cid in enumerate(old.ids) if article_of(cid) not in drop]
        ids, vectors = _vectors(self.chunks, list(about))
        about |= {article_of(old.ids[i]): (old.sources[i], old.published[i]) for i in keep}
        kept = old.vectors[keep]
        return _matrix(
            generation,
            [old.ids[i] for i in keep] + ids,
            np.concatenate([kept, vectors]) if ids else kept,
            about,
        )


def _about(meta: dict[str, Any]) -> tuple[str | None, float]:
    source, stamp = meta.get("source"), meta.get("published_ts")
    return (
        source if isinstance(source, str) else None,
        float(stamp) if isinstance(stamp, int | float) else float("nan"),
    )


def _vectors(chunks: Any, article_ids: list[str] | None) -> tuple[list[str], FloatArray]:
    """The ids and unit vectors of every passage (or of these articles' passages)."""
    ids: list[str] = []
    blocks: list[FloatArray] = []

    def add(page: Any) -> bool:
        if not page["ids"]:
            return False
        ids.extend(page["ids"])
        blocks.append(np.asarray(page["embeddings"], dtype=np.float32))
        return True

    if article_ids is None:
        while add(chunks.get(include=["embeddings"], limit=PAGE, offset=len(ids))):
            pass
    else:
        step = PAGE // 10
        for begin in range(0, len(article_ids), step):
            where = {"article_id": {"$in": article_ids[begin : begin + step]}}
            add(chunks.get(where=where, include=["embeddings"]))
    if not blocks:
        return [], np.zeros((0, 1), dtype=np.float32)
    vectors = np.concatenate(blocks)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return ids, np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def _matrix(
    generation: int,
    ids: list[str],
    vectors: FloatArray,
    about: dict[str, tuple[str | None, float]],
) -> _Matrix:
    """The copy of the passages whose article is committed (`about` holds its fields)."""
    rows = [i for i, cid in enumerate(ids) if article_of(cid) in about]
    fields = [about[article_of(ids[i])] for i in rows]
    return _Matrix(
        generation,
        [ids[i] for i in rows],
        np.ascontiguousarray(vectors[rows], dtype=np.float32)
        if rows
        else np.zeros((0, 1), dtype=np.float32),
        np.array([f[0] for f in fields], dtype=object),
        np.array([f[1] for f in fields], dtype=np.float64),
    )


def _allowed(matrix: _Matrix, filters: Filters | None) -> npt.NDArray[np.bool_] | None:
    """Which passages `filters` lets through (None: all), as Chroma's `where` would."""
    if filters is None:
        return None
    mask: npt.NDArray[np.bool_] | None = None

    def both(more: npt.NDArray[np.bool_]) -> None:
        nonlocal mask
        mask = more if mask is None else mask & more

    if filters.source is not None:
        both(matrix.sources == filters.source)
    elif filters.sources:
        both(np.isin(matrix.sources, list(filters.sources)))
    with np.errstate(invalid="ignore"):
        if filters.since is not None:
            both(matrix.published >= filters.since)
        if filters.until is not None:
            both(matrix.published <= filters.until)
    return mask
