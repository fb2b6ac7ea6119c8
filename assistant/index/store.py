"""The only module that knows how articles and chunks are laid out in Chroma and on disk.

Two Chroma collections: `<name>_chunks` (one record per passage: text, offsets, article
fields for filtering, its embedding) and `<name>_articles` (one record per article: the full
text, metadata, content hash and chunk count; its vector is the mean of its chunks). The
article record is written last, so it is the commit point of an article: chunks written
before a crash are listed in a pending file and removed on the next open. A BM25 index of
the chunks lives beside the store (`keyword.py`). Everything goes in and out as the frozen
types of `assistant.types`; Chroma's record layout is `records.py`'s business.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IngestLockedError, StoreError
from ..models.embeddings import FloatArray, chroma_embedding_function
from ..types import Article, ArticleInfo, Chunk, Filters, Hit
from .keyword import KeywordDoc, KeywordIndex
from .records import (
    Guarded,
    article_from_record,
    clean_meta,
    hit_from_record,
    info_from_record,
    jsonable,
    where,
)

PAGE = 2000


class Store:
    """Chroma collections plus the BM25 index, in one data dir (or against a Chroma server)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        collection: str = "news",
        url: str = "",
        embedding_provider: str = "minilm",
        embedding_model: str = "",
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.data_dir = data_dir
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data dir {data_dir}: {exc.strerror}") from None
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if url:
                from urllib.parse import urlparse

                parsed = urlparse(url)
                self.client: Any = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=settings,
                )
            else:
                self.client = chromadb.PersistentClient(
                    path=str(data_dir / "chroma"), settings=settings
                )
            ef = chroma_embedding_function(embedding_provider, embedding_model)
            space = {"hnsw:space": "cosine"}
            where = url or str(data_dir)
            self.chunks: Any = Guarded(
                self.client.get_or_create_collection(
                    f"{collection}_chunks", embedding_function=ef, metadata=space
                ),
                where,
            )
            self.articles_col: Any = Guarded(
                self.client.get_or_create_collection(
                    f"{collection}_articles", embedding_function=ef, metadata=space
                ),
                where,
            )
        except Exception as exc:  # chromadb raises many unrelated types
            where = url or str(data_dir)
            raise StoreError(f"cannot open the vector store at {where}: {exc}") from None
        self.keyword_index = KeywordIndex(data_dir / f"{collection}_bm25")
        self._pending_path = data_dir / f"{collection}_pending.json"
        self._stale_path = data_dir / f"{collection}_bm25.stale"
        self._max_batch = int(getattr(self.client, "get_max_batch_size", lambda: 5000)())
        self.recover()

    # -- crash safety ---------------------------------------------------------------------
    @contextmanager
    def ingest_lock(self) -> Iterator[None]:
        """Serialise writers: a second ingest fails at once with a clear message."""
        path = self.data_dir / "ingest.lock"
        with open(path, "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IngestLockedError(
                    f"another ingest is running on {self.data_dir}; wait for it to finish"
                ) from None
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _pending(self) -> list[str]:
        try:
            return list(json.loads(self._pending_path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return []

    def _set_pending(self, ids: Sequence[str]) -> None:
        if not ids:
            self._pending_path.unlink(missing_ok=True)
            return
        tmp = self._pending_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(list(ids)), encoding="utf-8")
        os.replace(tmp, self._pending_path)

    def recover(self, *, locked: bool = False) -> None:
        """Remove chunks of articles whose write was interrupted (they have no record).

        Unless the caller holds the ingest lock (`locked`), this takes it, and does nothing
        while another ingest holds it: that ingest's pending articles are in flight."""
        pending = self._pending()
        if not pending:
            return
        if not locked:
            try:
                with self.ingest_lock():
                    self.recover(locked=True)
            except IngestLockedError:
                pass
            return
        committed = set(self.articles_col.get(ids=pending, include=[])["ids"])
        for article_id in pending:
            if article_id not in committed:
                self._stale_path.touch()
                self.chunks.delete(where={"article_id": article_id})
        self._set_pending([])

    @property
    def keyword_stale(self) -> bool:
        """True when chunks changed since the BM25 index was built (or there is none)."""
        return self._stale_path.exists() or not self.keyword_index.exists()

    # -- writes ---------------------------------------------------------------------------
    def write_articles(
        self, items: Sequence[tuple[Article, str, str, Sequence[Chunk], FloatArray]]
    ) -> None:
        """Write (article, content_hash, text_hash, chunks, vectors), each article atomically."""
        if not items:
            return
        ids = [article.id for article, *_ in items]
        self._stale_path.touch()
        self._set_pending(ids)
        self.articles_col.delete(ids=ids)
        for article_id in ids:
            self.chunks.delete(where={"article_id": article_id})
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
        for begin in range(0, len(chunk_ids), self._max_batch):
            end = begin + self._max_batch
            self.chunks.upsert(
                ids=chunk_ids[begin:end],
                documents=chunk_docs[begin:end],
                metadatas=chunk_meta[begin:end],
                embeddings=all_vectors[begin:end],
            )
        self.articles_col.upsert(
            ids=ids,
            documents=[article.text for article, *_ in items],
            metadatas=art_meta,
            embeddings=np.stack(art_vecs),
        )
        self._set_pending([])

    def delete_articles(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        self._stale_path.touch()
        # chunks first: a kill between the two leaves an article record without chunks, which
        # the next prune finds and removes; the other order would leave chunks nobody owns
        for article_id in ids:
            self.chunks.delete(where={"article_id": article_id})
        self.articles_col.delete(ids=list(ids))

    def rebuild_keyword_index(self) -> None:
        """Build the BM25 index afresh from every chunk in Chroma (the source of truth)."""
        docs: list[KeywordDoc] = []
        for ids, texts, metas in self._pages(self.chunks, documents=True):
            for chunk_id, text, meta in zip(ids, texts, metas, strict=True):
                docs.append(
                    KeywordDoc(
                        chunk_id,
                        f"{meta.get('title', '')}\n{text}",
                        str(meta.get("source", "")),
                        meta.get("published_ts"),
                    )
                )
        docs.sort(key=lambda d: d.chunk_id)  # the same index whatever order Chroma returns
        self.keyword_index.rebuild(docs)
        self._stale_path.unlink(missing_ok=True)

    # -- reads ----------------------------------------------------------------------------
    def _pages(
        self, collection: Any, *, documents: bool = False
    ) -> Iterator[tuple[list[str], list[str], list[dict[str, Any]]]]:
        include = ["metadatas", "documents"] if documents else ["metadatas"]
        offset = 0
        while True:
            page = collection.get(include=include, limit=PAGE, offset=offset)
            if not page["ids"]:
                return
            docs = page.get("documents") or [""] * len(page["ids"])
            yield page["ids"], docs, page["metadatas"]
            offset += len(page["ids"])

    def hashes(self) -> dict[str, tuple[str, str]]:
        """article id -> (content hash, text hash) of every committed article."""
        out: dict[str, tuple[str, str]] = {}
        for ids, _, metas in self._pages(self.articles_col):
            for article_id, meta in zip(ids, metas, strict=True):
                out[article_id] = (str(meta.get("content_hash")), str(meta.get("text_hash")))
        return out

    def list_articles(self) -> list[ArticleInfo]:
        infos = [
            info_from_record(article_id, meta)
            for ids, _, metas in self._pages(self.articles_col)
            for article_id, meta in zip(ids, metas, strict=True)
        ]
        return sorted(infos, key=lambda a: (a.published or "", a.id))

    def sources(self) -> tuple[dict[str, int], str | None]:
        """How many articles each source has, and the newest publication date (ISO)."""
        counts: dict[str, int] = {}
        newest: str | None = None
        for _, _, metas in self._pages(self.articles_col):
            for meta in metas:
                source = meta.get("source")
                if isinstance(source, str) and source:
                    counts[source] = counts.get(source, 0) + 1
                published = meta.get("published")
                if isinstance(published, str) and (newest is None or published > newest):
                    newest = published
        return counts, newest

    def get_article(self, article_id: str) -> Article | None:
        got = self.articles_col.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return article_from_record(got["ids"][0], got["metadatas"][0], got["documents"][0])

    def count(self) -> tuple[int, int]:
        """(articles, chunks)."""
        return int(self.articles_col.count()), int(self.chunks.count())

    def get_chunks(self, chunk_ids: Sequence[str]) -> dict[str, Hit]:
        """The passages with these ids (score 0), by id; unknown ids are left out."""
        if not chunk_ids:
            return {}
        got = self.chunks.get(ids=list(chunk_ids), include=["metadatas", "documents"])
        return {
            cid: hit_from_record(cid, doc, meta, 0.0)
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }

    def article_chunks(self, article_ids: Sequence[str]) -> list[Hit]:
        """Every passage of these articles (score 0), in no particular order."""
        if not article_ids:
            return []
        got = self.chunks.get(
            where={"article_id": {"$in": list(article_ids)}}, include=["metadatas", "documents"]
        )
        return [
            hit_from_record(cid, doc, meta, 0.0)
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def keyword_search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        """The `k` best passages for `query` by BM25 (score = BM25), best first."""
        scored = self.keyword_index.search(query, k, filters)
        found = self.get_chunks([cid for cid, _ in scored])
        return [replace(found[cid], score=score) for cid, score in scored if cid in found]

    def query_vectors(
        self, vector: FloatArray, k: int, filters: Filters | None = None
    ) -> list[Hit]:
        """The `k` nearest passages (score = cosine similarity), best first."""
        if self.chunks.count() == 0:
            return []
        result = self.chunks.query(
            query_embeddings=[vector],
            n_results=k,
            where=where(filters),
            include=["metadatas", "documents", "distances"],
        )
        return [
            hit_from_record(cid, doc, meta, 1.0 - float(dist))
            for cid, doc, meta, dist in zip(
                result["ids"][0],
                result["documents"][0],
                result["metadatas"][0],
                result["distances"][0],
                strict=True,
            )
        ]


def _epoch(published: str | None) -> int | None:
    from ..sources.dates import to_epoch  # the sources package loads lazily

    return to_epoch(published)
