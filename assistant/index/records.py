"""How articles and passages become Chroma records and back, and a guard for Chroma.

Chroma metadata holds only str/int/float/bool values, so an article's fields are flattened
(None dropped, extra metadata as JSON) on the way in and rebuilt on the way out. The chunk-id
format (`<article id>::<n>`) and Chroma's `where` syntax for `Filters` live here and nowhere
else. Chroma and httpx raise many unrelated exception types; `Guarded` turns any of them
into one `StoreError` line naming the store.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import AssistantError, StoreError
from ..types import Article, ArticleInfo, Filters, Hit

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

    def __init__(self, collection: Any, where: str) -> None:
        self._collection = collection
        self._where = where

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
                detail = " ".join(str(exc).split()) or type(exc).__name__
                raise StoreError(f"the vector store at {self._where} failed: {detail}") from None

        return call


def jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
