"""The BM25 index of every chunk, kept on disk beside the vector store.

Vector search misses exact names and numbers that keyword search finds, so retrieval fuses
both. bm25s builds the index (sparse matrices, stemmed English tokens) once per ingest that
changed something; queries only load it (memory-mapped) and score. Filters by source and date
become a weight mask over the chunks, so a filtered query never scores the rest.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..types import Filters

INDEX_VERSION = 1


@dataclass(frozen=True)
class KeywordDoc:
    """What the BM25 index needs of a chunk: its id, text and filterable fields."""

    chunk_id: str
    text: str
    source: str
    published_ts: int | None


_LOCAL = threading.local()


def _stemmer() -> Any:
    """One stemmer per thread (PyStemmer objects are not thread-safe), built once rather
    than on every query."""
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _LOCAL.stemmer = Stemmer.Stemmer("english")
    return stemmer


def _tokenize(texts: Sequence[str], *, as_ids: bool = True) -> Any:
    import bm25s

    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False, return_ids=as_ids
    )


class KeywordIndex:
    """A BM25 index over chunk ids, persisted in `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._model: Any = None
        self._ids: list[str] = []
        self._sources: np.ndarray[Any, Any] = np.zeros(0, dtype=object)
        self._dates: np.ndarray[Any, Any] = np.zeros(0, dtype=np.int64)
        self._loaded_stamp: float | None = None

    @property
    def _meta_path(self) -> Path:
        return self.directory / "chunks.json"

    def exists(self) -> bool:
        return self._meta_path.is_file()

    def rebuild(self, docs: Sequence[KeywordDoc]) -> None:
        """Replace the index with one over `docs` (atomically: a crash keeps the old one)."""
        import bm25s

        tmp = self.directory.with_name(self.directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if docs:
            model = bm25s.BM25()
            model.index(_tokenize([d.text for d in docs]), show_progress=False)
            model.save(str(tmp), show_progress=False)
        meta = {
            "version": INDEX_VERSION,
            "ids": [d.chunk_id for d in docs],
            "sources": [d.source for d in docs],
            "dates": [d.published_ts if d.published_ts is not None else -1 for d in docs],
        }
        (tmp / "chunks.json").write_text(json.dumps(meta), encoding="utf-8")
        old = self.directory.with_name(self.directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        with self._lock:  # searches in this process never see the folder missing
            if self.directory.exists():
                self.directory.rename(old)
            tmp.rename(self.directory)
            self._loaded_stamp = None
        shutil.rmtree(old, ignore_errors=True)  # a loaded (memory-mapped) index stays valid

    def _load(self) -> None:
        import bm25s

        try:
            stamp: float | None = self._meta_path.stat().st_mtime
        except OSError:
            stamp = None
        if stamp == self._loaded_stamp and (self._model is not None or not self._ids):
            return
        if stamp is None:
            # no index yet, or another process is swapping in a new one: keep what is loaded
            return
        try:
            meta = json.loads(self._meta_path.read_text(encoding="utf-8"))
            ids = list(meta["ids"])
            model = (
                bm25s.BM25.load(str(self.directory), mmap=True, show_progress=False)
                if ids
                else None
            )
        except (OSError, ValueError, KeyError):
            return  # replaced while being read (another process's ingest): keep the old one
        self._ids, self._model = ids, model
        self._sources = np.asarray(meta["sources"], dtype=object)
        self._dates = np.asarray(meta["dates"], dtype=np.int64)
        self._loaded_stamp = stamp

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """The best `k` chunk ids for `query` with their BM25 scores (best first)."""
        filters = filters or Filters()
        with self._lock:
            self._load()
            model, ids = self._model, self._ids
            if model is None or not ids:
                return []
            mask = np.ones(len(ids), dtype=np.float32)
            if filters.source is not None:
                mask *= self._sources == filters.source
            elif filters.sources:
                mask *= np.isin(self._sources, list(filters.sources))
            if filters.since is not None:
                mask *= self._dates >= filters.since
            if filters.until is not None:
                mask *= (self._dates <= filters.until) & (self._dates >= 0)
        vocab = model.vocab_dict
        tokens = [t for t in _tokenize([query], as_ids=False)[0] if t in vocab]
        if not tokens:
            return []
        k = min(k, len(ids))
        docs, scores = model.retrieve(
            [tokens], k=k, show_progress=False, n_threads=1, weight_mask=mask
        )
        return [(ids[int(i)], float(s)) for i, s in zip(docs[0], scores[0], strict=True) if s > 0]
