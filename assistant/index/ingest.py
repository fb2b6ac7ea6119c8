"""Turn articles into indexed chunks: read, hash, chunk, embed, write, prune.

An article whose content hash (text, metadata, chunking and embedding settings) is already
stored costs nothing; a changed one replaces its chunks; an identical text under another id
is indexed once. Chunks of many articles are embedded together, sorted by length, so padding
is minimal; each article is then written atomically by the store. `Ingester` is what the API
calls: it splits paths from URLs, reads files and fetches feeds, and prunes by root.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import Settings
from ..errors import SourceError
from ..models.embeddings import Embedder
from ..sources import feeds
from ..sources.files import iter_path
from ..types import Article, Chunk, IngestReport, Progress, ProgressFn, Skipped
from .chunks import CHUNKER, chunk_article, content_hash, text_hash
from .store import Store

EMBED_GROUP = 256
"""Chunks embedded per model pass; also the granularity of progress and of commits."""


def collect(
    paths: Iterable[Path], max_bytes: int, *, follow_links: bool = False
) -> tuple[list[Article], list[Skipped]]:
    """Read files and folders into articles (paths made absolute) and skipped inputs."""
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for path in paths:
        for item in iter_path(path, max_bytes=max_bytes, follow_links=follow_links):
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
        store.refresh(force=True)  # a keyword index left behind by a crash catches up
        if changed or not store.stories.exists():
            notify(Progress("stories", 0, 1))
            store.rebuild_stories()
            notify(Progress("stories", 1, 1))
    return IngestReport(
        skipped=tuple(skips),
        duplicates_of=tuple(twins),
        seconds=time.perf_counter() - started,
        **report,
    )


def _resolved(path: str | Path) -> str:
    return str(Path(path).resolve())


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _file_origins(store: Store) -> dict[str, str]:
    """Stored article id -> the resolved path of the file it was read from (not URLs)."""
    return {
        info.id: _resolved(info.path)
        for info in store.list_articles()
        if info.path and not feeds.is_url(info.path)
    }


def prune_under(
    store: Store, roots: Sequence[Path], protected: Sequence[str] = ()
) -> Callable[[set[str]], list[str]]:
    """A pruner for `ingest_articles`: stored articles read from a file under one of `roots`
    that this ingest did not see again (URLs are never pruned), except those under a
    `protected` path (an input this ingest could not read: a failed read deletes nothing)."""
    resolved = [_resolved(r) for r in roots]
    kept = [_resolved(p) for p in protected]

    def gone(seen: set[str]) -> list[str]:
        return [
            article_id
            for article_id, origin in _file_origins(store).items()
            if article_id not in seen
            and any(_under(origin, r) for r in resolved)
            and not any(_under(origin, k) for k in kept)
        ]

    return gone


def unreadable(skipped: Sequence[Skipped]) -> list[str]:
    """The paths of inputs that are there but could not be read (a dangling symlink names
    something that is gone, so it is not one of them)."""
    return [s.path for s in skipped if not (os.path.islink(s.path) and not os.path.exists(s.path))]


def check_prune(
    store: Store,
    roots: Sequence[Path],
    articles: Sequence[Article],
    skipped: Sequence[Skipped],
    *,
    confirm: bool,
) -> list[Skipped]:
    """Refuse (SourceError) to prune a root that is missing, or in which nothing was found,
    while indexed articles came from it: a moved folder or an unmounted share must not empty
    the index. With `confirm`, prune it anyway; returns `skipped` without the missing roots
    so confirmed."""
    stored = list(_file_origins(store).values())
    there = [a.path for a in articles if a.path]
    found = [_resolved(p) for p in there + [s.path for s in skipped if os.path.lexists(s.path)]]
    gone_roots: set[str] = set()
    for root in roots:
        where = _resolved(root)
        indexed = sum(1 for path in stored if _under(path, where))
        if not indexed or any(_under(path, where) for path in found):
            continue
        missing = not root.exists()
        if not confirm:
            state = "it does not exist" if missing else "no articles were found in it"
            raise SourceError(
                f"not pruning {root}: {state}, and {indexed} indexed articles came from it "
                "(moved, mistyped or not mounted?); confirm with --yes (confirm=True) to "
                "remove them"
            )
        if missing:
            gone_roots.add(where)
    return [s for s in skipped if _resolved(s.path) not in gone_roots]


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
        confirm: bool = False,
        follow_links: bool = False,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Index files, folders and http(s) URLs; with `prune`, remove the articles that
        came from these folders and files but are gone from them. A folder that is missing or
        holds nothing while articles came from it is refused unless `confirm`; what could not
        be read keeps its articles. Links out of a folder are followed only with
        `follow_links`."""
        urls = [str(p) for p in paths if feeds.is_url(str(p))]
        roots = [Path(p).expanduser() for p in paths if not feeds.is_url(str(p))]
        max_bytes = int(self.settings.ingest.max_file_mb * 1_000_000)
        articles, skipped = collect(roots, max_bytes, follow_links=follow_links)
        pruner = None
        if prune:
            skipped = check_prune(self.store, roots, articles, skipped, confirm=confirm)
            pruner = prune_under(self.store, roots, unreadable(skipped))
        if urls:
            return self.urls(urls, articles, skipped, pruner, progress)
        return self._index(articles, skipped, pruner, progress)

    def articles(
        self,
        articles: Sequence[Article],
        *,
        skipped: Sequence[Skipped] = (),
        prune_roots: Sequence[Path] | None = None,
        confirm: bool = False,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Index `articles` (and report `skipped`); prune under `prune_roots` when given
        (a root none of `articles` is under is refused unless `confirm`)."""
        pruner = None
        if prune_roots is not None:
            check_prune(self.store, prune_roots, articles, (), confirm=confirm)
            pruner = prune_under(self.store, prune_roots)
        return self._index(articles, skipped, pruner, progress)

    def _index(
        self,
        articles: Sequence[Article],
        skipped: Sequence[Skipped],
        pruner: Callable[[set[str]], Sequence[str]] | None,
        progress: ProgressFn | None,
    ) -> IngestReport:
        ing = self.settings.ingest
        return ingest_articles(
            self.store,
            self.embedder,
            articles,
            chunk_size=ing.chunk_size,
            chunk_overlap=ing.chunk_overlap,
            skipped=skipped,
            prune_ids=pruner,
            progress=progress,
        )

    def urls(
        self,
        urls: Iterable[str],
        articles: Sequence[Article] = (),
        skipped: Sequence[Skipped] = (),
        pruner: Callable[[set[str]], Sequence[str]] | None = None,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Fetch feeds and pages (conditionally), then index them with `articles`. The
        feeds' state is recorded only after the ingest, so a failed one fetches again."""
        started = time.perf_counter()
        f = self.settings.feeds
        options = feeds.FetchOptions(
            f.timeout, f.max_bytes, f.user_agent, f.concurrency, f.max_pages, tuple(f.allow_hosts)
        )

        def on_fetch(phase: str, done: int, total: int) -> None:
            if progress is not None:
                progress(Progress(phase, done, total))

        data_dir = self.settings.data_path
        fetched = feeds.fetch(
            urls, options, data_dir=data_dir, indexed=self.store.hashes(), progress=on_fetch
        )
        report = self._index(
            [*articles, *fetched.articles], [*skipped, *fetched.skipped], pruner, progress
        )
        fetched.commit(data_dir)
        return replace(
            report,
            unchanged=report.unchanged + fetched.unchanged,
            seconds=time.perf_counter() - started,
        )
