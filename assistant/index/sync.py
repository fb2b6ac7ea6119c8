"""Keeping the keyword index in step with Chroma, the source of truth, and telling damage.

The keyword index records the store generation it reflects. A reader that finds the store
at a later generation (another process, another machine, or a writer killed before it
updated the index) re-reads only what changed since: articles written at a later
generation, and those that went away since (`state.gone_since`). An index that cannot be
trusted (unreadable, from another store, ahead of the store, or holding another number of
passages at the same generation) is rebuilt from Chroma with a notice; a store that lost
what its keyword index knows (an emptied `chroma.sqlite3`) cannot be rebuilt, and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..errors import StoreDamagedError
from ..types import IndexCheck
from .keyword import KeywordBusy, KeywordDoc, KeywordIndex, KeywordIndexError
from .state import Snapshot, StoreState

PAGE = 2000
BATCH = 500


def keyword_doc(chunk_id: str, text: str, meta: dict[str, Any]) -> KeywordDoc:
    """What the keyword index holds of a chunk record (its title is searched too)."""
    return KeywordDoc(
        chunk_id,
        str(meta.get("article_id", "")),
        f"{meta.get('title', '')}\n{text}",
        str(meta.get("source", "")),
        meta.get("published_ts"),
    )


def pages(collection: Any, *, documents: bool = False, where: Any = None) -> Iterator[Any]:
    """Every record of `collection`, a page at a time: (ids, documents, metadatas)."""
    include = ["metadatas", "documents"] if documents else ["metadatas"]
    offset = 0
    while True:
        page = collection.get(include=include, limit=PAGE, offset=offset, where=where)
        if not page["ids"]:
            return
        docs = page.get("documents") or [""] * len(page["ids"])
        yield page["ids"], docs, page["metadatas"]
        offset += len(page["ids"])


class KeywordSync:
    """Brings `index` to the generation of the store made of `chunks`, `articles`, `state`."""

    def __init__(
        self,
        chunks: Any,
        articles: Any,
        state: StoreState,
        index: KeywordIndex,
        notify: Callable[[str], None],
    ) -> None:
        self.chunks, self.articles, self.state, self.index = chunks, articles, state, index
        self.notify = notify

    def docs_of(self, generations: dict[str, int]) -> list[KeywordDoc]:
        """The chunks of these committed articles (id -> generation of its record); chunks of
        another generation belong to a write in flight and are left out."""
        ids = list(generations)
        docs: list[KeywordDoc] = []
        for begin in range(0, len(ids), BATCH):
            got = self.chunks.get(
                where={"article_id": {"$in": ids[begin : begin + BATCH]}},
                include=["metadatas", "documents"],
            )
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if meta.get("generation") == generations.get(str(meta.get("article_id"))):
                    docs.append(keyword_doc(cid, text, meta))
        return docs

    def catch_up(self, snapshot: Snapshot) -> bool:
        """Sync the index to `snapshot` (read before this call) by what changed since its
        generation; False when skipped because another process is writing the same index."""
        try:
            mine = self.index.state()
        except KeywordIndexError as exc:
            self.rebuild(snapshot, f"it could not be read ({exc})")
            return True
        if mine.generation == snapshot.generation and mine.store_id == snapshot.store_id:
            return True
        if mine.store_id != snapshot.store_id or mine.generation > snapshot.generation:
            known = mine.store_id and mine.chunks
            self.rebuild(snapshot, "it was built from another copy of the store" if known else "")
            return True
        changed = self.articles.get(
            where={"generation": {"$gt": mine.generation}}, include=["metadatas"]
        )
        generations = {
            a: int(m["generation"])
            for a, m in zip(changed["ids"], changed["metadatas"], strict=True)
        }
        gone = self.state.gone_since(mine.generation)
        try:
            self.index.apply(
                remove=[*gone, *generations],
                add=self.docs_of(generations),
                generation=snapshot.generation,
                store_id=snapshot.store_id,
                expect=mine.generation,
                wait=False,
            )
        except KeywordBusy:
            return False  # another process is updating this index; the next search looks
        return True

    def rebuild(self, snapshot: Snapshot, reason: str) -> int:
        """Build the index afresh from every committed chunk in Chroma; a notice says why
        (no notice for a first build). Returns the passages indexed."""
        committed: dict[str, int] = {}
        for ids, _, metas in pages(self.articles):
            for article_id, meta in zip(ids, metas, strict=True):
                committed[article_id] = int(meta.get("generation", 0))
        docs = [
            keyword_doc(cid, text, meta)
            for ids, texts, metas in pages(self.chunks, documents=True)
            for cid, text, meta in zip(ids, texts, metas, strict=True)
            if str(meta.get("article_id")) in committed
            and meta.get("generation", 0) == committed[str(meta.get("article_id"))]
        ]
        docs.sort(key=lambda d: d.chunk_id)  # the same index whatever order Chroma returns
        try:
            self.index.replace_all(docs, generation=snapshot.generation, store_id=snapshot.store_id)
        except KeywordIndexError:
            self.index.close()
            KeywordIndex.discard(self.index.directory)
            self.index.replace_all(docs, generation=snapshot.generation, store_id=snapshot.store_id)
        if reason:
            passages = f"{len(docs)} passages"
            self.notify(
                f"the keyword index was rebuilt from the vector store ({passages}): {reason}"
            )
        return len(docs)

    def check_open(self, snapshot: Snapshot | None, chunks: int) -> None:
        """Damage found when the store opens: repair the keyword index, or raise
        StoreDamagedError when the vector store lost what the keyword index knows."""
        if not self.index.exists():
            return  # built by the first search
        try:
            mine = self.index.state()
        except KeywordIndexError as exc:
            if snapshot is not None:
                self.rebuild(snapshot, f"it could not be read ({exc})")
            return
        other = snapshot is None or snapshot.store_id != mine.store_id
        if mine.chunks and chunks == 0 and other:
            raise StoreDamagedError(
                f"the vector store at {self.state.where} holds no passages, but its keyword "
                f"index knows {mine.chunks} (generation {mine.generation}): chroma.sqlite3 was "
                "emptied or replaced. Restore it from a backup, or run `assistant index "
                "rebuild` to accept the loss, then ingest again"
            )
        if snapshot is None or other or mine.generation != snapshot.generation:
            return  # the first search syncs or rebuilds it
        if snapshot.pending is None and mine.chunks != chunks:
            self.rebuild(
                snapshot, f"it held {mine.chunks} passages where the vector store holds {chunks}"
            )

    def inspect(self, snapshot: Snapshot) -> IndexCheck:
        """Every passage and article record compared (for `assistant index check`)."""
        per_article: dict[str, int] = {}
        chunk_ids: list[str] = []
        for ids, _, metas in pages(self.chunks):
            chunk_ids += ids
            for meta in metas:
                article_id = str(meta.get("article_id"))
                per_article[article_id] = per_article.get(article_id, 0) + 1
        records = {
            article_id: int(meta.get("chunks", 0))
            for ids, _, metas in pages(self.articles)
            for article_id, meta in zip(ids, metas, strict=True)
        }
        problems = self.index.check()
        orphans = sorted(set(per_article) - set(records))
        if orphans and snapshot.pending is None:
            problems.append(f"{len(orphans)} articles have passages but no record: {orphans[:3]}")
        wrong = sorted(a for a, n in records.items() if n and per_article.get(a, 0) != n)
        if wrong:
            problems.append(f"{len(wrong)} articles miss passages: {wrong[:3]}")
        mine = self.index.state()
        if mine.generation != snapshot.generation:
            problems.append(
                f"the keyword index is at generation {mine.generation}, the store at "
                f"{snapshot.generation}"
            )
        elif sorted(chunk_ids) != self.index.chunk_ids() and snapshot.pending is None:
            problems.append(
                f"the keyword index holds {mine.chunks} passages, the vector store {len(chunk_ids)}"
            )
        return IndexCheck(
            len(records),
            len(chunk_ids),
            mine.chunks,
            snapshot.generation,
            mine.generation,
            tuple(problems),
        )
