"""Turn articles into indexed chunks: hash, chunk, embed, write, prune.

An article whose content hash (text, metadata, chunking and embedding settings) is already
stored costs nothing; a changed one replaces its chunks; an identical text under another id
is indexed once. Chunks of many articles are embedded together, sorted by length, so padding
is minimal; each article is then written atomically by the store.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .embeddings import Embedder
from .sources.files import iter_path
from .store import Store
from .types import Article, Chunk, IngestReport, Skipped

EMBED_GROUP = 256
"""Chunks embedded per model pass; also the granularity of progress and of commits."""


@dataclass(frozen=True)
class Progress:
    """Ingest progress for a front end's bar: `done` of `total` articles in `phase`."""

    phase: str
    done: int
    total: int
    detail: str = ""


ProgressFn = Callable[[Progress], None]


@lru_cache(maxsize=4)
def _splitter(chunk_size: int, chunk_overlap: int) -> Any:
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)


def chunk_article(article: Article, chunk_size: int = 160, chunk_overlap: int = 20) -> list[Chunk]:
    """Sentence-aware chunks with their character offsets in `article.text`."""
    pieces = _splitter(chunk_size, chunk_overlap).split_text(article.text)
    chunks: list[Chunk] = []
    cursor = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        start = article.text.find(piece, cursor)
        if start < 0:
            start = article.text.find(piece)
        if start < 0:  # the splitter normalised something: fall back to the first words
            head = piece[:40]
            start = max(article.text.find(head, cursor), cursor)
            end = min(len(article.text), start + len(piece))
            text = article.text[start:end]
        else:
            end = start + len(piece)
            text = piece
        chunks.append(
            Chunk(f"{article.id}::{len(chunks)}", article.id, len(chunks), text, start, end)
        )
        cursor = start + 1
    return chunks


def text_hash(article: Article) -> str:
    normalised = " ".join(article.text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def content_hash(article: Article, settings_key: str) -> str:
    fields = {
        "title": article.title,
        "text": article.text,
        "author": article.author,
        "source": article.source,
        "published": article.published,
        "url": article.url,
        "path": article.path,
        "metadata": article.metadata,
        "settings": settings_key,
    }
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def collect(paths: Iterable[Path], max_bytes: int) -> tuple[list[Article], list[Skipped]]:
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for path in paths:
        for item in iter_path(path, max_bytes=max_bytes):
            if isinstance(item, Skipped):
                skipped.append(item)
            elif item.path and "://" not in item.path:
                articles.append(replace(item, path=str(Path(item.path).resolve())))
            else:
                articles.append(item)
    return articles, skipped


def ingest_articles(
    store: Store,
    embedder: Embedder,
    articles: Sequence[Article],
    *,
    chunk_size: int,
    chunk_overlap: int,
    skipped: Sequence[Skipped] = (),
    prune_ids: Callable[[set[str]], Sequence[str]] | None = None,
    progress: ProgressFn | None = None,
) -> IngestReport:
    """Index `articles` incrementally; `prune_ids(seen)` names stored ids to remove."""
    started = time.perf_counter()
    notify = progress or (lambda _p: None)
    settings_key = f"{embedder.name}|{chunk_size}|{chunk_overlap}"
    with store.ingest_lock():
        store.recover(locked=True)  # a crashed ingest's leftovers, before new writes
        stored = store.hashes()
        by_text = {th: aid for aid, (_, th) in stored.items()}
        report = dict(added=0, updated=0, unchanged=0, removed=0, duplicates=0, chunks=0)
        skips = list(skipped)
        todo: list[tuple[Article, str, str]] = []
        seen: set[str] = set()
        for article in articles:
            if article.id in seen:
                skips.append(Skipped(article.path or article.id, f"duplicate id {article.id}"))
                continue
            seen.add(article.id)
            chash, thash = content_hash(article, settings_key), text_hash(article)
            if stored.get(article.id, ("", ""))[0] == chash:
                report["unchanged"] += 1
                continue
            twin = by_text.get(thash)
            if twin is not None and twin != article.id:
                # the same text under another id: indexed once. A twin indexed by an earlier
                # ingest means nothing to do (unchanged); one from this ingest, a duplicate.
                report["unchanged" if twin in stored else "duplicates"] += 1
                continue
            by_text[thash] = article.id
            todo.append((article, chash, thash))
        total = len(todo)
        notify(Progress("embedding", 0, total))
        done = 0
        changed = False
        group: list[tuple[Article, str, str, list[Chunk]]] = []
        group_chunks = 0
        for index, (article, chash, thash) in enumerate(todo):
            chunks = chunk_article(article, chunk_size, chunk_overlap)
            group.append((article, chash, thash, chunks))
            group_chunks += len(chunks)
            if group_chunks >= EMBED_GROUP or index == total - 1:
                texts = [c.text for _, _, _, cs in group for c in cs]
                vectors = embedder.embed(texts)
                items = []
                offset = 0
                for art, ch, th, cs in group:
                    items.append((art, ch, th, cs, vectors[offset : offset + len(cs)]))
                    offset += len(cs)
                    report["updated" if art.id in stored else "added"] += 1
                store.write_articles(items)
                changed = True
                report["chunks"] += len(texts)
                done += len(group)
                notify(Progress("embedding", done, total, group[-1][0].id))
                group, group_chunks = [], 0
        if prune_ids is not None:
            gone = list(prune_ids(seen))
            store.delete_articles(gone)
            report["removed"] = len(gone)
            changed = changed or bool(gone)
        if changed or store.lexical_stale:
            notify(Progress("keyword index", 0, 1))
            store.rebuild_lexical()
            notify(Progress("keyword index", 1, 1))
    return IngestReport(skipped=tuple(skips), seconds=time.perf_counter() - started, **report)
