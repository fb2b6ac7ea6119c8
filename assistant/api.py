"""`Assistant`: the one door every front end (CLI, TUI, eval, your program) goes through.

It owns the settings, opens the store and the models lazily (so a front end can paint before
the heavy imports), and exposes typed calls: ingest, search, articles, ask, stream and chat
(a conversation lives in `conversation.py`). Everything it returns is a frozen dataclass from
`types`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .answer import Answerer, AnswerStream
from .config import Settings, load_config
from .conversation import AsyncAnswerStream, Chat
from .dates import DateLike, question_filters, to_timestamp
from .embeddings import Embedder, get_embedder
from .ingest import Progress, ProgressFn, collect, ingest_articles
from .llm import make_llm, resolve_provider
from .prompts import Prompts
from .retrieve import Filters, Retriever
from .sources import feeds
from .store import Store
from .types import Answer, Article, ArticleInfo, Hit, IngestReport, Skipped


class Assistant:
    """A news assistant over one index. Safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._store: Store | None = None
        self._embedder: Embedder | None = None
        self._answerers: dict[str, Answerer] = {}
        self.prompts = Prompts.load(settings.prompts_path)

    @classmethod
    def from_config(cls, path: str | Path | None = None, **overrides: Any) -> Assistant:
        """Settings from `path` (default `config.toml`), the environment, then `overrides`
        such as `llm__provider="extractive"` or `store={"data_dir": "/tmp/x"}`."""
        return cls(load_config(path, **overrides))

    # -- lazily opened parts --------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                e = self.settings.embedding
                self._embedder = get_embedder(e.provider, e.model, e.batch_size, e.threads)
            return self._embedder

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                s = self.settings
                self._store = Store(
                    s.data_path,
                    collection=s.store.collection,
                    url=s.store.url,
                    embedding_provider=s.embedding.provider,
                    embedding_model=s.embedding.model,
                )
            return self._store

    @property
    def retriever(self) -> Retriever:
        r = self.settings.retrieval
        return Retriever(
            self.store, self.embedder, mode=r.mode, max_per_article=r.max_per_article, rrf_k=r.rrf_k
        )

    def open(self) -> Assistant:
        """Open the store and load the embedding model now rather than on first use."""
        _ = self.store, self.embedder
        return self

    # -- ingest ---------------------------------------------------------------------------
    def ingest(
        self, *paths: str | Path, prune: bool = False, progress: ProgressFn | None = None
    ) -> IngestReport:
        """Index files, folders and http(s) URLs (feeds or article pages); unchanged articles
        cost nothing. With `prune`, articles that came from these paths but are gone from them
        are removed (URLs are never pruned)."""
        urls = [str(p) for p in paths if feeds.is_url(str(p))]
        roots = [Path(p).expanduser() for p in paths if not feeds.is_url(str(p))]
        max_bytes = int(self.settings.ingest.max_file_mb * 1_000_000)
        articles, skipped = collect(roots, max_bytes)
        if urls:
            return self._ingest_urls(urls, articles, skipped, roots if prune else None, progress)
        return self.ingest_articles(
            articles, skipped=skipped, prune_roots=roots if prune else None, progress=progress
        )

    def ingest_articles(
        self,
        articles: Sequence[Article],
        *,
        skipped: Sequence[Skipped] = (),
        prune_roots: Sequence[Path] | None = None,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Index articles you built yourself (ids must be stable across runs)."""
        store = self.store
        prune = None
        if prune_roots is not None:
            resolved = [str(r.resolve()) for r in prune_roots]

            def prune(seen: set[str]) -> list[str]:
                gone = []
                for info in store.list_articles():
                    if info.id in seen or not info.path or feeds.is_url(info.path):
                        continue
                    origin = str(Path(info.path).resolve())
                    if any(origin == r or origin.startswith(r.rstrip("/") + "/") for r in resolved):
                        gone.append(info.id)
                return gone

        ing = self.settings.ingest
        return ingest_articles(
            store,
            self.embedder,
            articles,
            chunk_size=ing.chunk_size,
            chunk_overlap=ing.chunk_overlap,
            skipped=skipped,
            prune_ids=prune,
            progress=progress,
        )

    # -- feeds ----------------------------------------------------------------------------
    def feeds_add(self, url: str) -> bool:
        """Subscribe to a feed (http or https); False when already subscribed."""
        return feeds.add_feed(self.settings.data_path, url)

    def feeds_list(self) -> list[feeds.Subscription]:
        """The subscribed feeds, with what their last refresh saw."""
        return feeds.list_feeds(self.settings.data_path)

    def feeds_remove(self, url: str) -> bool:
        """Unsubscribe (the feed's articles stay indexed); False when not subscribed."""
        return feeds.remove_feed(self.settings.data_path, url)

    def feeds_refresh(self, progress: ProgressFn | None = None) -> IngestReport:
        """Fetch every subscribed feed (conditionally) and index what is new or changed."""
        urls = [sub.url for sub in self.feeds_list()]
        return self._ingest_urls(urls, [], [], None, progress) if urls else IngestReport()

    def _ingest_urls(
        self,
        urls: Iterable[str],
        articles: list[Article],
        skipped: list[Skipped],
        prune_roots: Sequence[Path] | None,
        progress: ProgressFn | None,
    ) -> IngestReport:
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
        report = self.ingest_articles(
            [*articles, *fetched.articles],
            skipped=[*skipped, *fetched.skipped],
            prune_roots=prune_roots,
            progress=progress,
        )
        fetched.commit(data_dir)  # only now: a failed ingest fetches everything again
        return replace(
            report,
            unchanged=report.unchanged + fetched.unchanged,
            seconds=time.perf_counter() - started,
        )

    # -- read -----------------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        source: str | None = None,
        since: DateLike = None,
        until: DateLike = None,
    ) -> list[Hit]:
        """The `k` best passages for `query`, optionally from one source and date range."""
        filters = Filters(source, to_timestamp(since), to_timestamp(until, end_of_day=True))
        return self.retriever.search(query, k or self.settings.retrieval.k, filters)

    def articles(self) -> list[ArticleInfo]:
        """Every indexed article (without its text), oldest first."""
        return self.store.list_articles()

    def article(self, article_id: str) -> Article | None:
        """One indexed article with its full text, or None."""
        return self.store.get_article(article_id)

    def counts(self) -> tuple[int, int]:
        """(articles, chunks) in the index."""
        return self.store.count()

    # -- answers --------------------------------------------------------------------------
    @property
    def provider(self) -> str:
        """The provider that answers: `llm.provider`, with `auto` resolved."""
        return resolve_provider(self.settings.llm)

    def warm_up(self) -> None:
        """Load the embedding and answering models now and, for the local model, read the
        system prompt into its cache, so the first question starts answering ~2 s sooner.
        Nothing is sent to an OpenAI-compatible server. The TUI calls this in a worker
        while you type; a program can call it at start-up."""
        self.answerer().warm_up()

    def answerer(self) -> Answerer:
        provider = self.provider
        with self._lock:
            if provider not in self._answerers:
                llm = None if provider == "extractive" else make_llm(provider, self.settings.llm)
                self._answerers[provider] = Answerer(
                    self.settings, self.retriever, self.embedder, self.prompts, provider, llm
                )
            return self._answerers[provider]

    def stream(
        self,
        question: str,
        *,
        source: str | None = None,
        since: DateLike = None,
        until: DateLike = None,
    ) -> AnswerStream:
        """Start answering: iterate the result for text chunks, then call `.answer()`.

        Without `since` and `until`, a phrase such as "this week" or "yesterday" in the
        question limits the search to articles published then (see `dates.date_range`)."""
        return self.answerer().stream(
            question, filters=question_filters(question, source, since, until)
        )

    def ask(
        self,
        question: str,
        *,
        source: str | None = None,
        since: DateLike = None,
        until: DateLike = None,
    ) -> Answer:
        """Answer `question` from the indexed articles, with verified citations."""
        return self.stream(question, source=source, since=since, until=until).answer()

    async def aask(self, question: str, **filters: Any) -> Answer:
        """`ask` without blocking the event loop."""
        return await asyncio.to_thread(self.ask, question, **filters)

    def astream(self, question: str, **filters: Any) -> AsyncAnswerStream:
        """`stream` for asyncio: `async for chunk in ...`, then `await .answer()`."""
        return AsyncAnswerStream(lambda: self.stream(question, **filters))

    def chat(self) -> Chat:
        """A conversation: follow-up questions are rewritten with the history before search."""
        return Chat(self)
