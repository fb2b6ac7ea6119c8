"""Turn articles into indexed chunks: read, hash, chunk, embed, write, prune.

An article whose content hash (text, metadata, chunking and embedding settings) is already
stored costs nothing; a changed one replaces its chunks; an identical text under another id
is indexed once. Chunks of many articles are embedded together, sorted by length, so padding
is minimal; each article is then written atomically by the store. `Ingester` is what the API
calls: it splits paths from URLs, reads files and fetches feeds, and prunes by root.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import Settings
from ..models.embeddings import Embedder
from ..sources import feeds
from ..sources.files import iter_path
from ..types import Article, Chunk, IngestReport, Progress, ProgressFn, Skipped
from .chunks import CHUNKER, chunk_article, content_hash, text_hash
from .store import Store

EMBED_GROUP = 256
"""Chunks embedded per model pass; also the granularity of progress and of commits."""


def collect(paths: Iterable[Path], max_bytes: int) -> tuple[list[Article], list[Skipped]]:
    """Read files and folders into articles (paths made absolute) and skipped inputs."""
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
    settings_key = f"{embedder.name}|{chunk_size}|{chunk_overlap}|{CHUNKER}"
    with store.ingest_lock():
        store.recover(locked=True)  # a crashed ingest's leftovers, before new writes
        stored = store.hashes()
        by_text = {th: aid for aid, (_, th) in stored.items()}
        report = dict(added=0, updated=0, unchanged=0, removed=0, duplicates=0, chunks=0)
        skips = list(skipped)
        twins: list[tuple[str, str]] = []
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
                # the same text under another id: indexed once, and said so on every ingest
                report["duplicates"] += 1
                twins.append((article.id, twin))
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
        if changed or store.keyword_stale:
            notify(Progress("keyword index", 0, 1))
            store.rebuild_keyword_index()
            notify(Progress("keyword index", 1, 1))
    return IngestReport(
        skipped=tuple(skips),
        duplicates_of=tuple(twins),
        seconds=time.perf_counter() - started,
        **report,
    )


def prune_under(store: Store, roots: Sequence[Path]) -> Callable[[set[str]], list[str]]:
    """A pruner for `ingest_articles`: stored articles read from a file under one of `roots`
    that this ingest did not see again (URLs are never pruned)."""
    resolved = [str(r.resolve()) for r in roots]

    def gone(seen: set[str]) -> list[str]:
        found = []
        for info in store.list_articles():
            if info.id in seen or not info.path or feeds.is_url(info.path):
                continue
            origin = str(Path(info.path).resolve())
            if any(origin == r or origin.startswith(r.rstrip("/") + "/") for r in resolved):
                found.append(info.id)
        return found

    return gone


@dataclass
class Ingester:
    """Ingest as the settings say: files, folders and feed or page URLs into one store."""

    settings: Settings
    store: Store
    embedder: Embedder

    def paths(
        self,
        paths: Sequence[str | Path],
        *,
        prune: bool = False,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Index files, folders and http(s) URLs; with `prune`, remove the articles that
        came from these folders and files but are gone from them."""
        urls = [str(p) for p in paths if feeds.is_url(str(p))]
        roots = [Path(p).expanduser() for p in paths if not feeds.is_url(str(p))]
        max_bytes = int(self.settings.ingest.max_file_mb * 1_000_000)
        articles, skipped = collect(roots, max_bytes)
        prune_roots = roots if prune else None
        if urls:
            return self.urls(urls, articles, skipped, prune_roots, progress)
        return self.articles(articles, skipped=skipped, prune_roots=prune_roots, progress=progress)

    def articles(
        self,
        articles: Sequence[Article],
        *,
        skipped: Sequence[Skipped] = (),
        prune_roots: Sequence[Path] | None = None,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Index `articles` (and report `skipped`); prune under `prune_roots` when given."""
        ing = self.settings.ingest
        return ingest_articles(
            self.store,
            self.embedder,
            articles,
            chunk_size=ing.chunk_size,
            chunk_overlap=ing.chunk_overlap,
            skipped=skipped,
            prune_ids=None if prune_roots is None else prune_under(self.store, prune_roots),
            progress=progress,
        )

    def urls(
        self,
        urls: Iterable[str],
        articles: Sequence[Article] = (),
        skipped: Sequence[Skipped] = (),
        prune_roots: Sequence[Path] | None = None,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Fetch feeds and pages (conditionally), then index them with `articles`. The
        feeds' state is recorded only after the ingest, so a failed one fetches again."""
        started = time.perf_counter()
        f = self.settings.feeds
        options = feeds.FetchOptions(f.timeout, f.max_bytes, f.user_agent, f.concurrency)

        def on_fetch(phase: str, done: int, total: int) -> None:
            if progress is not None:
                progress(Progress(phase, done, total))

        data_dir = self.settings.data_path
        fetched = feeds.fetch(
            urls, options, data_dir=data_dir, indexed=self.store.hashes(), progress=on_fetch
        )
        report = self.articles(
            [*articles, *fetched.articles],
            skipped=[*skipped, *fetched.skipped],
            prune_roots=prune_roots,
            progress=progress,
        )
        fetched.commit(data_dir)
        return replace(
            report,
            unchanged=report.unchanged + fetched.unchanged,
            seconds=time.perf_counter() - started,
        )
