"""How articles and passages become Chroma records and back, and a guard for Chroma.

`WriteRecords` builds the records of one write (chunks, then articles, all stamped with the
write's generation, which readers use to sync their keyword index).

Chroma metadata holds only str/int/float/bool values, so an article's fields are flattened
(None dropped, extra metadata as JSON) on the way in and rebuilt on the way out. The chunk-id
format (`<article id>::<n>`) and Chroma's `where` syntax for `Filters` live here and nowhere
else. Chroma and httpx raise many unrelated exception types; `Guarded` turns any of them
into one `StoreError` line naming the store.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AssistantError, NoIndexError, StoreError
from ..models.embeddings import FloatArray, chroma_embedding_function
from ..types import Article, ArticleInfo, Chunk, Filters, Hit
from .chroma_client import disk_full, open_client

_CHUNK_SEPARATOR = "::"


def chunk_id(article_id: str, index: int) -> str:
    """The record id of passage `index` of an article."""
    return f"{article_id}{_CHUNK_SEPARATOR}{index}"


def article_of(chunk_record_id: str) -> str:
    """The article id a chunk record id belongs to."""
    return chunk_record_id.rsplit(_CHUNK_SEPARATOR, 1)[0]


def where(filters: Filters | None) -> dict[str, Any] | None:
    """Chroma's `where` clause for `filters` (None: no filter)."""
    if filters is None:
        return None
    clauses: list[dict[str, Any]] = []
    if filters.source is not None:
        clauses.append({"source": filters.source})
    elif filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    if filters.since is not None:
        clauses.append({"published_ts": {"$gte": filters.since}})
    if filters.until is not None:
        clauses.append({"published_ts": {"$lte": filters.until}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def hit_from_record(record_id: str, text: str, meta: dict[str, Any], score: float) -> Hit:
    """A chunk record as a search hit with `score`."""
    return Hit(
        article_id=str(meta.get("article_id", article_of(record_id))),
        title=str(meta.get("title", "")),
        source=meta.get("source"),
        published=meta.get("published"),
        text=text,
        score=score,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        chunk_id=record_id,
        author=meta.get("author"),
        url=meta.get("url"),
    )


def clean_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Chroma metadata values must be str/int/float/bool, never None."""
    return {k: v for k, v in meta.items() if v is not None}


def article_from_record(record_id: str, meta: dict[str, Any], text: str | None = None) -> Article:
    return Article(
        id=record_id,
        title=str(meta.get("title", "")),
        text=text or "",
        author=meta.get("author"),
        source=meta.get("source"),
        published=meta.get("published"),
        url=meta.get("url"),
        path=meta.get("path"),
        metadata=json.loads(meta.get("extra", "{}")),
    )


def info_from_record(record_id: str, meta: dict[str, Any]) -> ArticleInfo:
    return ArticleInfo(
        id=record_id,
        title=str(meta.get("title", "")),
        author=meta.get("author"),
        source=meta.get("source"),
        published=meta.get("published"),
        url=meta.get("url"),
        path=meta.get("path"),
        chunks=int(meta.get("chunks", 0)),
        content_hash=str(meta.get("content_hash", "")),
    )


class Guarded:
    """A Chroma collection whose failures (a server gone away, a broken disk) surface as one
    `StoreError` line naming the store, not as raw httpx or chromadb exceptions."""

    def __init__(self, collection: Any, where: str, data_dir: Path | None = None) -> None:
        self._collection = collection
        self._where = where
        self._data_dir = data_dir

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._collection, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except AssistantError:
                raise
            except Exception as exc:  # chromadb and httpx raise many unrelated types
                full = disk_full(exc, self._data_dir)
                if full is not None:
                    raise StoreError(full) from None
                if _timed_out(exc):
                    raise StoreError(
                        f"the vector store at {self._where} did not answer in time (store.timeout)"
                    ) from None
                detail = " ".join(str(exc).split()) or type(exc).__name__
                raise StoreError(f"the vector store at {self._where} failed: {detail}") from None

        return call


def connect(
    url: str,
    data_dir: Path,
    settings: Any,
    collection: str,
    provider: str,
    model: str,
    timeout: float = 30.0,
    create: bool = True,
) -> tuple[Any, Guarded, Guarded, Guarded, bool]:
    """The Chroma client (a server's, or embedded in `data_dir`), the store's three
    collections, each `Guarded`, and whether the index is a read-only snapshot."""
    opened = open_client(data_dir, url, timeout, settings)
    client: Any = opened.client
    if not create and f"{collection}_chunks" not in {
        getattr(c, "name", c) for c in client.list_collections()
    }:
        raise NoIndexError(f"{url or data_dir} (collection {collection!r})")
    ef = chroma_embedding_function(provider, model)
    space = {"hnsw:space": "cosine"}

    def open_collection(name: str, metadata: dict[str, Any] | None) -> Guarded:
        made = client.get_or_create_collection(
            f"{collection}_{name}", embedding_function=ef, metadata=metadata
        )
        return Guarded(made, url or str(data_dir), None if url else data_dir)

    return (
        client,
        open_collection("chunks", space),
        open_collection("articles", space),
        open_collection("state", None),
        opened.read_only,
    )


def _timed_out(exc: BaseException) -> bool:
    """An httpx timeout (a Chroma server that stopped answering), whatever wraps it."""
    seen: BaseException | None = exc
    while seen is not None:
        if "Timeout" in type(seen).__name__:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


@dataclass
class WriteRecords:
    """The Chroma records of a write: chunk records, then article records (whose vector is
    the normalised mean of the article's chunks); each carries the write's generation."""

    chunk_ids: list[str]
    chunk_docs: list[str]
    chunk_meta: list[dict[str, Any]]
    vectors: FloatArray
    article_meta: list[dict[str, Any]]
    article_vectors: FloatArray

    @classmethod
    def of(
        cls,
        items: Sequence[tuple[Article, str, str, Sequence[Chunk], FloatArray]],
        generation: int,
    ) -> WriteRecords:
        chunk_ids: list[str] = []
        chunk_docs: list[str] = []
        chunk_meta: list[dict[str, Any]] = []
        vectors: list[FloatArray] = []
        art_meta: list[dict[str, Any]] = []
        art_vecs: list[FloatArray] = []
        for article, content_hash, text_hash, chunks, vecs in items:
            common = clean_meta(
                {
                    "article_id": article.id,
                    "title": article.title,
                    "source": article.source,
                    "published": article.published,
                    "published_ts": _epoch(article.published),
                    "author": article.author,
                    "url": article.url,
                    "generation": generation,
                }
            )
            for chunk in chunks:
                chunk_ids.append(chunk.id)
                chunk_docs.append(chunk.text)
                chunk_meta.append(
                    {**common, "index": chunk.index, "start": chunk.start, "end": chunk.end}
                )
            vectors.append(vecs)
            mean = vecs.mean(axis=0) if len(vecs) else np.zeros(vecs.shape[1], dtype=np.float32)
            art_vecs.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
            extra = {k: v for k, v in article.metadata.items() if jsonable(v)}
            art_meta.append(
                {
                    **{k: v for k, v in common.items() if k != "article_id"},
                    **clean_meta({"path": article.path}),
                    "chunks": len(chunks),
                    "content_hash": content_hash,
                    "text_hash": text_hash,
                    "extra": json.dumps(extra, ensure_ascii=False),
                }
            )
        all_vectors = np.concatenate(vectors) if vectors else np.zeros((0, 1), np.float32)
        return cls(chunk_ids, chunk_docs, chunk_meta, all_vectors, art_meta, np.stack(art_vecs))


def _epoch(published: str | None) -> int | None:
    from ..sources.dates import to_epoch  # the sources package loads lazily

    return to_epoch(published)
