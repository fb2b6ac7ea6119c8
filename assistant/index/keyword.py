"""The BM25 index of every chunk: a tantivy index beside the store, kept incrementally.

Vector search misses exact names and numbers that keyword search finds, so retrieval fuses
both. Chroma (outside Chroma Cloud) ranks no keywords, so this index is ours, derived from
Chroma, which stays the source of truth. Every change is one tantivy commit that removes the
chunks of the articles it changed, adds their new chunks and records the Chroma generation
the index then reflects (a state document), so the index is always whole at a known
generation: a reader behind the store syncs what changed since (`sync.py`), and a crash
mid-commit leaves the previous commit. SQLite FTS5 (scores every matching chunk) and bm25s
(rebuilt on each change) lost to it in `benchmarks/keyword_index.py`.

Tokens are bm25s's (words of two or more letters, Lucene's English stop words dropped,
Snowball English stems); filters are clauses of the same query. tantivy's statistics count
deleted chunks until it merges them away, so its best candidates are scored again as bm25s
scored (Lucene's BM25, k1 = 1.5, b = 0.75) from the live chunks only: a store rebuilt after
a crash ranks as a clean one. A lock file beside the index serialises writers.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import shutil
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StoreError
from ..types import Filters
from .chroma_client import readable

SCHEMA_VERSION = 2
STATE_ID = "\x00state"
"""The chunk id of the document that holds the index's own state."""
ANALYZER = "bm25"
WRITER_HEAP = 32_000_000
BATCH = 5000
K1, B = 1.5, 0.75
CANDIDATES = 60
"""Chunks tantivy ranks first and this module scores exactly (all when fewer match)."""


@dataclass(frozen=True)
class KeywordDoc:
    """What the BM25 index needs of a chunk: its id, article, text and filterable fields."""

    chunk_id: str
    article_id: str
    text: str
    source: str
    published_ts: int | None


@dataclass(frozen=True)
class KeywordState:
    """What the index knows of itself: the store it was built from, the store generation it
    reflects, and how many chunks it holds."""

    store_id: str
    generation: int
    chunks: int


class KeywordIndexError(StoreError):
    """The keyword index could not be read or written (damaged, or the disk is full)."""


class KeywordBusy(Exception):
    """Another process is writing the keyword index (only from `apply(wait=False)`)."""


def _schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("chunk_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("article_id", tokenizer_name="raw")
    builder.add_text_field("source", tokenizer_name="raw")
    builder.add_integer_field("published_ts", indexed=True, fast=True)
    builder.add_text_field("body", tokenizer_name=ANALYZER, index_option="freq")
    builder.add_bytes_field("tokens", stored=True, indexed=False)
    builder.add_integer_field("length", stored=True)
    builder.add_text_field("state", stored=True, tokenizer_name="raw")
    return builder.build()


def _analyzer() -> Any:
    import tantivy
    from bm25s.stopwords import STOPWORDS_EN

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"(?u)\b\w\w+\b"))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.custom_stopword(list(STOPWORDS_EN)))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


class KeywordIndex:
    """A BM25 index over chunk ids in `directory`, safe for many threads and processes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.RLock()
        self._index: Any = None
        self._schema: Any = None
        self._analyzer: Any = None
        self._seen: float | None = None
        self._held = False

    # -- opening --------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.directory / "meta.json").is_file()

    def _open(self) -> Any:
        if self._index is None:
            import tantivy

            with self._guard():
                self.directory.mkdir(parents=True, exist_ok=True)
                self._schema, self._analyzer = _schema(), _analyzer()
                with self._write_lock():  # creating the index writes its meta.json
                    path = readable(self.directory)  # tantivy locks a file even to read
                    index = tantivy.Index(self._schema, path=str(path), reuse=True)
                index.register_tokenizer(ANALYZER, self._analyzer)
                index.config_reader(reload_policy="manual")
                self._index = index
        return self._index

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """tantivy's errors (a damaged segment, a full disk) as one StoreError line."""
        try:
            yield
        except (ValueError, OSError) as exc:
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise KeywordIndexError(
                f"the keyword index {self.directory} failed: {detail}"
            ) from None

    @contextmanager
    def _write_lock(self, *, wait: bool = True) -> Iterator[None]:
        """One writer at a time across processes (tantivy refuses a second one); re-entrant
        within this object (whose lock the caller holds)."""
        lock = self.directory.with_name(self.directory.name + ".lock")
        if self._held or (lock.exists() and not os.access(lock, os.W_OK)):
            yield  # re-entered, or a read-only index (searched, never written)
            return
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        with open(lock, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise KeywordBusy(str(self.directory)) from None
            self._held = True
            try:
                yield
            finally:
                self._held = False
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _searcher(self) -> Any:
        """A searcher over the latest commit (reloaded when another writer committed)."""
        index = self._open()
        try:
            seen: float | None = (self.directory / "meta.json").stat().st_mtime_ns
        except OSError:
            seen = None
        if seen != self._seen:
            index.reload()
            self._seen = seen
        return index.searcher()

    def close(self) -> None:
        with self._lock:
            self._index = self._seen = None

    @classmethod
    def discard(cls, directory: Path) -> None:
        """Delete the index (a damaged one is rebuilt from Chroma)."""
        shutil.rmtree(directory, ignore_errors=True)

    # -- state ----------------------------------------------------------------------------
    def state(self) -> KeywordState:
        with self._lock, self._guard():
            return self._state(self._searcher())

    def _state(self, searcher: Any) -> KeywordState:
        values = self._values(searcher)
        chunks = int(searcher.num_docs) - (1 if values else 0)
        return KeywordState(
            str(values.get("store_id", "")), int(values.get("generation", 0)), chunks
        )

    def _values(self, searcher: Any) -> dict[str, Any]:
        """The state document's values ({} in a new index)."""
        import tantivy

        query = tantivy.Query.term_query(self._schema, "chunk_id", STATE_ID)
        hits = searcher.search(query, 1).hits
        if not hits:
            return {}
        values: dict[str, Any] = json.loads(searcher.doc(hits[0][1])["state"][0])
        if values.get("schema") != SCHEMA_VERSION:
            raise KeywordIndexError(
                f"the keyword index {self.directory} has schema {values.get('schema')}"
            )
        return values

    def _length(self, searcher: Any, field: str, value: str) -> int:
        """Tokens in the live chunks whose `field` is `value`."""
        import tantivy

        hits = searcher.search(tantivy.Query.term_query(self._schema, field, value), 10_000).hits
        return sum(int(searcher.doc(address)["length"][0]) for _, address in hits)

    # -- writes ---------------------------------------------------------------------------
    def apply(
        self,
        *,
        remove: Iterable[str],
        add: Sequence[KeywordDoc],
        generation: int,
        store_id: str,
        expect: int | None = None,
        wait: bool = True,
    ) -> bool:
        """Remove every chunk of the articles `remove`, add `add`, and record that the index
        now reflects store `generation`, in one commit. With `expect`, do nothing and return
        False unless the index was at generation `expect` (it fell behind, or another
        process moved it: the caller syncs instead). Without `wait`, raise KeywordBusy
        rather than wait for another process's write."""
        with self._lock, self._guard(), self._write_lock(wait=wait):
            searcher = self._searcher()
            if expect is not None and self._state(searcher).generation != expect:
                return False
            tokens = int(self._values(searcher).get("tokens", 0))
            removed = list(dict.fromkeys(remove))
            with self._writer() as writer:
                for article_id in removed:
                    tokens -= self._length(searcher, "article_id", article_id)
                    writer.delete_documents_by_term("article_id", article_id)
                gone = set(removed)
                for doc in add:  # a chunk written again without its article: replaced
                    if doc.article_id not in gone:
                        tokens -= self._length(searcher, "chunk_id", doc.chunk_id)
                tokens += self._add(writer, add)
                self._set_state(writer, generation, store_id, tokens)
        return True

    def replace_all(self, docs: Iterable[KeywordDoc], *, generation: int, store_id: str) -> None:
        """Empty the index and fill it with `docs`, in one commit (a crash keeps the old
        index whole)."""
        with self._lock, self._guard(), self._write_lock(), self._writer() as writer:
            writer.delete_all_documents()
            batch: list[KeywordDoc] = []
            tokens = 0
            for doc in docs:
                batch.append(doc)
                if len(batch) >= BATCH:
                    tokens += self._add(writer, batch)
                    batch = []
            tokens += self._add(writer, batch)
            self._set_state(writer, generation, store_id, tokens)

    @contextmanager
    def _writer(self) -> Iterator[Any]:
        writer = self._open().writer(heap_size=WRITER_HEAP, num_threads=1)
        try:
            yield writer
        except BaseException:
            writer.rollback()
            raise
        writer.commit()
        writer.wait_merging_threads()  # segments merged now, not left to pile up

    def _add(self, writer: Any, docs: Sequence[KeywordDoc]) -> int:
        """Add `docs` (replacing chunks of the same id); the tokens they hold."""
        import tantivy

        total = 0
        for doc in docs:
            writer.delete_documents_by_term("chunk_id", doc.chunk_id)  # written again
            words = self._analyzer.analyze(doc.text)
            fields: dict[str, Any] = {
                "chunk_id": doc.chunk_id,
                "article_id": doc.article_id,
                "source": doc.source,
                "body": doc.text,
                "tokens": " ".join(words).encode(),
                "length": len(words),
            }
            if doc.published_ts is not None:
                fields["published_ts"] = doc.published_ts
            writer.add_document(tantivy.Document(**fields))
            total += len(words)
        return total

    def _set_state(self, writer: Any, generation: int, store_id: str, tokens: int) -> None:
        import tantivy

        writer.delete_documents_by_term("chunk_id", STATE_ID)
        state = {
            "schema": SCHEMA_VERSION,
            "generation": generation,
            "store_id": store_id,
            "tokens": tokens,
        }
        writer.add_document(tantivy.Document(chunk_id=STATE_ID, state=json.dumps(state)))

    # -- reads ----------------------------------------------------------------------------
    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """The best `k` chunk ids for `query` with their BM25 scores (best first)."""
        import tantivy

        if k <= 0:
            return []
        filters = filters or Filters()
        with self._lock, self._guard():
            searcher = self._searcher()
            words = list(dict.fromkeys(self._analyzer.analyze(query)))
            if not words:
                return []
            Q, Occur = tantivy.Query, tantivy.Occur
            should = [
                (Occur.Should, Q.term_query(self._schema, "body", w, index_option="freq"))
                for w in words
            ]
            clauses = [(Occur.Must, Q.boolean_query(should))]
            limits = []  # filters match, they do not score
            if filters.source is not None:
                limits.append(Q.term_query(self._schema, "source", filters.source))
            elif filters.sources:
                names = [
                    (Occur.Should, Q.term_query(self._schema, "source", n)) for n in filters.sources
                ]
                limits.append(Q.boolean_query(names))
            if filters.since is not None or filters.until is not None:
                limits.append(
                    Q.range_query(
                        self._schema,
                        "published_ts",
                        tantivy.FieldType.Integer,
                        filters.since,
                        filters.until,
                    )
                )
            clauses += [(Occur.Must, Q.const_score_query(q, 0.0)) for q in limits]
            hits = searcher.search(Q.boolean_query(clauses), max(k, CANDIDATES)).hits
            if not hits:
                return []
            chunks = int(searcher.num_docs) - 1
            avgdl = int(self._values(searcher).get("tokens", 0)) / max(chunks, 1)
            idf = {}
            for w in words:  # live chunks only: a count, not tantivy's doc_freq
                df = searcher.search(Q.term_query(self._schema, "body", w), 1, count=True).count
                idf[w] = math.log(1 + (chunks - df + 0.5) / (df + 0.5))
            found = []
            for _, address in hits:
                doc = searcher.doc(address)
                counts = Counter(bytes(doc["tokens"][0]).decode().split())
                norm = K1 * (1 - B + B * int(doc["length"][0]) / max(avgdl, 1e-9))
                score = sum(w * counts[t] / (counts[t] + norm) for t, w in idf.items() if counts[t])
                found.append((doc["chunk_id"][0], score))
        # ties go by chunk id, so equal indexes rank equally
        found.sort(key=lambda p: (-p[1], p[0]))
        return [(c, s) for c, s in found if s > 0][:k]

    def chunk_ids(self) -> list[str]:
        """Every chunk id in the index (for checks and tests)."""
        import tantivy

        with self._lock, self._guard():
            searcher = self._searcher()
            limit = max(1, int(searcher.num_docs))
            hits = searcher.search(tantivy.Query.all_query(), limit).hits
            found = [searcher.doc(address)["chunk_id"][0] for _, address in hits]
        return sorted(c for c in found if c != STATE_ID)

    def check(self) -> list[str]:
        """Problems found reading every segment of the index (empty when it is sound)."""
        import tantivy

        try:
            with self._lock, self._guard():
                searcher = self._searcher()
                every = searcher.search(tantivy.Query.all_query(), 1, count=True)
                if every.count != searcher.num_docs:
                    return [f"{every.count} documents found, {searcher.num_docs} counted"]
                self._state(searcher)
        except KeywordIndexError as exc:
            return [str(exc)]
        return []
