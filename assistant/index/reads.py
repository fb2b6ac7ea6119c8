"""What a `Store` answers: its articles, their passages, and the two searches (BM25 and
vector) that retrieval fuses.

Split from `store.py`, which keeps the writes, the crash safety and the freshness protocol;
`StoreReads` is the half every reader uses, a mixin over the same collections. Each search
first catches up with other processes' writes (`refresh`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..models.embeddings import FloatArray
from ..types import Article, ArticleInfo, Filters, Hit
from .keyword import KeywordIndex
from .records import article_from_record, hit_from_record, info_from_record, where
from .sync import pages
from .vectors import VectorCopy


class StoreReads:
    """The read calls of `Store`."""

    chunks: Any
    articles_col: Any
    keyword_index: KeywordIndex
    vectors: VectorCopy
    _seen: int | None

    if TYPE_CHECKING:

        def refresh(self, *, force: bool = False) -> None: ...  # `Store.refresh`

    def hashes(self) -> dict[str, tuple[str, str]]:
        """article id -> (content hash, text hash) of every committed article."""
        out: dict[str, tuple[str, str]] = {}
        for ids, _, metas in pages(self.articles_col):
            for article_id, meta in zip(ids, metas, strict=True):
                out[article_id] = (str(meta.get("content_hash")), str(meta.get("text_hash")))
        return out

    def list_articles(self) -> list[ArticleInfo]:
        infos = [
            info_from_record(article_id, meta)
            for ids, _, metas in pages(self.articles_col)
            for article_id, meta in zip(ids, metas, strict=True)
        ]
        return sorted(infos, key=lambda a: (a.published or "", a.id))

    def sources(self) -> tuple[dict[str, int], str | None]:
        """How many articles each source has, and the newest publication date (ISO)."""
        counts: dict[str, int] = {}
        newest: str | None = None
        for _, _, metas in pages(self.articles_col):
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

    def keyword_ids(
        self, query: str, k: int, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """The ids of the `k` best passages for `query` by BM25, with their scores, best
        first (`get_chunks` reads them)."""
        self.refresh()
        return self.keyword_index.search(query, k, filters)

    def nearest(
        self, vector: FloatArray, k: int, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """The ids of the `k` passages nearest `vector`, with their cosine similarities,
        best first: from the in-process copy of the vectors (`vectors.py`), else from
        Chroma's own query."""
        self.refresh()
        nearest = self.vectors.nearest(self._seen, vector, k, filters)
        if nearest is not None:
            return nearest
        if self.chunks.count() == 0:
            return []
        result = self.chunks.query(
            query_embeddings=[vector], n_results=k, where=where(filters), include=["distances"]
        )
        return [
            (cid, 1.0 - float(dist))
            for cid, dist in zip(result["ids"][0], result["distances"][0], strict=True)
        ]
