"""The only module that knows how articles and chunks are laid out in Chroma and on disk.

Two Chroma collections: `<name>_chunks` (one record per passage: text, offsets, article
fields for filtering, its embedding) and `<name>_articles` (one record per article: the full
text, metadata, content hash and chunk count; its vector is the mean of its chunks), plus
`<name>_state` (`state.py`: the store's id and generation, the write in flight, the ingest
lease). The article record is the commit point of an article: the ids being written are
recorded first, chunks are written, then the article records, then the generation is bumped;
on the next open (from any machine) chunks of a pending article without a record are
removed. A BM25 index of the chunks lives beside the store (`keyword.py`), updated by the
same write and synced from Chroma by any reader that finds the store moved on (`sync.py`).
Everything goes in and out as the frozen types of `assistant.types`; Chroma's record layout
is `records.py`'s business.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import private_dir, private_tree
from ..errors import IngestLockedError, NoIndexError, StoreError
from ..models.embeddings import FloatArray
from ..types import Article, Chunk, IndexCheck
from .chroma_client import NoRoomError, disk_full, read_only_error, room_error
from .keyword import KeywordIndex, KeywordIndexError
from .reads import StoreReads
from .records import (
    WriteRecords,
    connect,
)
from .state import Lease, Pending, Snapshot, StoreState
from .stories import StoryIndex
from .sync import KeywordSync, keyword_doc
from .vectors import LIMIT, VectorCopy

FRESH_FOR = 0.05
"""Seconds a check of the store generation holds (readers see others' writes within it)."""
REFRESH_ID = "::refresh::"
"""A chunk id that never exists: deleting it makes a PersistentClient load other processes'
new vectors (Chroma applies its log to the vector index on a write, not on a query)."""


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (waits for it). In a folder this process cannot write
    there is nothing to lock: the index is opened from a snapshot copy."""
    try:
        handle = open(path, "a")
    except PermissionError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def index_missing(data_dir: Path, url: str = "") -> bool:
    """True when there is surely no index in `data_dir` (without opening anything); an
    index on a Chroma server (`url`) is found out only by opening it."""
    return not url and not (data_dir / "chroma" / "chroma.sqlite3").is_file()


class Store(StoreReads):
    """Chroma collections plus the BM25 index, in one data dir (or against a Chroma server)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        collection: str = "news",
        url: str = "",
        embedding_provider: str = "minilm",
        embedding_model: str = "",
        lease_seconds: float = 60.0,
        check: bool = True,
        notify: Callable[[str], None] | None = None,
        timeout: float = 30.0,
        create: bool = True,
        memory_vectors: int = LIMIT,
    ) -> None:
        """Open the index; without `create`, one that does not exist is a `NoIndexError`
        and nothing is written (a read command on a mistyped data dir creates nothing)."""
        from chromadb.config import Settings as ChromaSettings

        self.data_dir = data_dir
        if not create and index_missing(data_dir, url):
            raise NoIndexError(str(data_dir))
        try:
            private_dir(data_dir)  # the index and the chat history are the user's own
        except OSError as exc:
            raise StoreError(f"cannot create the data dir {data_dir}: {exc.strerror}") from None
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self.where = url or str(data_dir)
        self.url = url
        self.notify = notify or (lambda _message: None)
        try:
            # Chroma's first open of a data dir migrates its SQLite file; two processes doing
            # that at once fail ("database is locked", chroma-core/chroma#7040)
            with file_lock(data_dir / "open.lock"):
                opened = connect(
                    url,
                    data_dir,
                    settings,
                    collection,
                    embedding_provider,
                    embedding_model,
                    timeout,
                    # a keyword index without its Chroma collections is damage, not no index
                    create or (data_dir / f"{collection}_keyword").exists(),
                )
            self.client: Any = opened[0]
            self.chunks: Any = opened[1]
            self.articles_col: Any = opened[2]
            self.state_col: Any = opened[3]
            self.read_only = opened[4]
        except StoreError:
            raise
        except Exception as exc:  # chromadb raises many unrelated types
            full = disk_full(exc, None if url else data_dir)
            raise StoreError(
                full or f"cannot open the vector store at {self.where}: {exc}"
            ) from None
        self.state = StoreState(self.state_col, self.where, lease_seconds)
        self.keyword_index = KeywordIndex(data_dir / f"{collection}_keyword")
        self.stories = StoryIndex(data_dir / f"{collection}_stories.json")
        self.sync = KeywordSync(
            self.chunks, self.articles_col, self.state, self.keyword_index, self.notify
        )
        for legacy in (
            f"{collection}_bm25",
            f"{collection}_bm25.stale",
            f"{collection}_pending.json",
        ):
            path = data_dir / legacy  # the bm25s index and pending file of earlier versions
            if not self.read_only:
                shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        self._lease: Lease | None = None
        self.vectors = VectorCopy(self.chunks, self.articles_col, self.state, memory_vectors)
        self._seen: int | None = None
        self._checked = -FRESH_FOR
        """The store generation this process's vector and keyword views reflect."""
        self._max_batch = int(getattr(self.client, "get_max_batch_size", lambda: 5000)())
        if not self.read_only:
            private_tree(data_dir)  # files of an older install, or made by Chroma: 0600
        if check:
            self.sync.check_open(self.state.read(), int(self.chunks.count()))
        self.recover()

    # -- crash safety ---------------------------------------------------------------------
    @contextmanager
    def ingest_lock(self) -> Iterator[None]:
        """Serialise writers: a second ingest fails at once with a clear message, whether it
        runs on this data dir (a file lock) or on another machine sharing the Chroma server
        (the lease in Chroma). A full disk met while the lock is held is said to be one."""
        if self.read_only:
            raise read_only_error(self.data_dir)
        path = self.data_dir / "ingest.lock"
        with open(path, "w") as handle, _disk_errors(self.data_dir):
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IngestLockedError(
                    f"another ingest is running on {self.data_dir}; wait for it to finish"
                ) from None
            handle.write(str(os.getpid()))
            handle.flush()
            self._room(0)
            self._lease = self.state.acquire()
            failed: BaseException | None = None
            try:
                yield
            except BaseException as exc:
                failed = exc
                raise
            finally:
                lease, self._lease = self._lease, None
                # after Chroma met a full disk it is not written again: that write can hang
                # the next one, and the lease of a process that has exited is free; a write
                # refused before Chroma saw it gives the lease back (this process may retry)
                if (
                    failed is None
                    or isinstance(failed, NoRoomError)
                    or disk_full(failed, self.data_dir) is None
                ):
                    try:
                        self.state.release(lease)
                    except StoreError:
                        pass  # it expires by itself
                private_tree(self.data_dir)  # what this ingest wrote is owner-only too
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _snapshot(self) -> Snapshot:
        snapshot = self.state.read()
        if snapshot is None:  # a new store, or one written before the store record existed
            snapshot = self.state.create(1 if self.articles_col.count() else 0)
        return snapshot

    def recover(self, *, locked: bool = False) -> None:
        """Finish what an interrupted write left: chunks of articles whose write did not
        commit are removed, an interrupted delete is completed, and the generation moves on
        so every reader syncs. Unless the caller holds the ingest lock (`locked`), this
        takes it, and does nothing while another ingest (on any machine) holds it."""
        snapshot = self.state.read()
        if snapshot is None or snapshot.pending is None or self.read_only:
            return
        if not locked:
            try:
                with self.ingest_lock():
                    self.recover(locked=True)
            except IngestLockedError:
                pass
            return
        pending = snapshot.pending
        ids = list(pending.ids)
        if pending.deleting:
            gone = ids
            self.articles_col.delete(ids=ids)
        else:
            committed = set(self.articles_col.get(ids=ids, include=[])["ids"])
            gone = [article_id for article_id in ids if article_id not in committed]
        self._delete_chunks(gone)
        self.state.mark_gone(gone, pending.generation)
        self.state.write(Snapshot(snapshot.store_id, pending.generation, None))
        self.refresh(force=True)

    # -- writes ---------------------------------------------------------------------------
    def write_articles(
        self, items: Sequence[tuple[Article, str, str, Sequence[Chunk], FloatArray]]
    ) -> None:
        """Write (article, content_hash, text_hash, chunks, vectors), each article atomically."""
        if not items:
            return
        ids = [article.id for article, *_ in items]
        self._room(sum(len(chunks) + 1 for _, _, _, chunks, _ in items))
        before, generation = self._begin(ids, deleting=False)
        self.articles_col.delete(ids=ids)
        self._delete_chunks(ids)
        records = WriteRecords.of(items, generation)
        chunk_ids, chunk_docs, chunk_meta = (
            records.chunk_ids,
            records.chunk_docs,
            records.chunk_meta,
        )
        all_vectors = records.vectors
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
            metadatas=records.article_meta,
            embeddings=records.article_vectors,
        )
        docs = [
            keyword_doc(c, d, m) for c, d, m in zip(chunk_ids, chunk_docs, chunk_meta, strict=True)
        ]
        self._commit(before, generation, ids, docs)

    def _room(self, chunks: int) -> None:
        """Refuse, before Chroma sees it, a write the data dir's free space cannot hold."""
        if not self.url and (error := room_error(self.data_dir, chunks)) is not None:
            raise error

    def delete_articles(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        before, generation = self._begin(ids, deleting=True)
        self.state.mark_gone(list(ids), generation)
        self._delete_chunks(ids)  # chunks first: no chunk outlives its article record
        self.articles_col.delete(ids=list(ids))
        self._commit(before, generation, ids, [])

    def _delete_chunks(self, article_ids: Sequence[str]) -> None:
        """Every chunk of these articles, in one request per 500 articles."""
        ids = list(article_ids)
        for begin in range(0, len(ids), 500):
            self.chunks.delete(where={"article_id": {"$in": ids[begin : begin + 500]}})

    def _begin(self, ids: Sequence[str], *, deleting: bool) -> tuple[Snapshot, int]:
        """Record the write about to start (the ids, at the next generation)."""
        if self._lease is not None:
            self.state.renew(self._lease)
        before = self._snapshot()
        generation = before.generation + 1
        self.state.write(replace(before, pending=Pending(tuple(ids), generation, deleting)))
        return before, generation

    def _commit(
        self, before: Snapshot, generation: int, ids: Sequence[str], docs: Sequence[Any]
    ) -> None:
        """The write is in Chroma: bump the generation (and clear the pending ids) in one
        upsert, then update the keyword index; if it was behind, it syncs from Chroma."""
        now = Snapshot(before.store_id, generation, None)
        self.state.write(now)
        try:
            done = self.keyword_index.apply(
                remove=ids,
                add=docs,
                generation=generation,
                store_id=before.store_id,
                expect=before.generation,
            )
        except KeywordIndexError:
            done = False
        if not done:
            self.sync.catch_up(now)
        self._seen = generation

    def rebuild_keyword_index(self) -> int:
        """Build the BM25 index afresh from every committed chunk in Chroma (the source of
        truth); the passages indexed."""
        snapshot = self._snapshot()
        indexed = self.sync.rebuild(snapshot, "")
        self._seen = snapshot.generation
        return indexed

    def refresh(self, *, force: bool = False) -> None:
        """Catch up with other processes' and machines' writes: a cheap read of the store
        generation; when it moved, the vector index is reloaded and the keyword index
        synced by what changed. Checked at most every FRESH_FOR seconds (a hybrid search
        asks twice)."""
        now = time.monotonic()
        if now - self._checked < FRESH_FOR and not force:
            return
        self._checked = now
        snapshot = self.state.read()
        if snapshot is None:
            if not self.articles_col.count():
                return
            snapshot = self._snapshot()  # a store written before the store record existed
        if snapshot.generation == self._seen:
            return
        if self._seen is not None and not self.url:
            try:
                self.chunks.delete(ids=[REFRESH_ID])
            except StoreError:
                pass  # a read-only store: vector search sees what was there at open
        if self.sync.catch_up(snapshot):
            self._seen = snapshot.generation

    def load_vectors(self) -> None:
        """Read the in-memory copy of the passages' vectors now (`vectors.py`)."""
        self.vectors.prepare(self.generation())

    def generation(self) -> int | None:
        """The store generation this process now reflects (None: a store with no record
        of one yet, such as an empty one)."""
        self.refresh()
        return self._seen

    def inspect(self) -> IndexCheck:
        """The vector store and the keyword index compared, passage by passage."""
        self.refresh()
        return self.sync.inspect(self._snapshot())

    def rebuild_stories(self) -> None:
        """Group every article into stories afresh (`stories.py`); called after an ingest."""
        self.stories.rebuild(self.articles_col, self.chunks)

    def story_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """article id -> story id: articles that report the same event share one (an
        article not grouped yet is a story of its own). An index that has never been
        grouped is grouped now."""
        if not self.stories.exists() and self.articles_col.count():
            self.rebuild_stories()
        return self.stories.story_of(article_ids)


@contextmanager
def _disk_errors(data_dir: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        full = disk_full(exc, data_dir)
        if full is None:
            raise
        raise StoreError(full) from None
