"""`Assistant`: the one door every front end (CLI, TUI, eval, your program) goes through.

It owns the settings, opens the store and the models lazily (so a front end can paint before
the heavy imports), and exposes one typed call per use case: ingest, feeds, search, articles,
ask, stream, chat and the saved conversations. It delegates: ingest work is `index.ingest`'s,
answering is `answer`'s. Everything it returns is a frozen dataclass from `types`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .answer.chat import Chat
from .answer.pipeline import Answerer
from .answer.prompts import Prompts
from .answer.stream import AnswerStream, AsyncAnswerStream, Step
from .config import Settings, load_config
from .history import FILE_NAME as HISTORY_FILE
from .history import ConversationStore
from .index.ingest import Ingester
from .index.store import Store
from .models.embeddings import Embedder, get_embedder
from .models.llm import make_llm, model_name, resolve_provider
from .retrieve.filters import DateLike, to_timestamp
from .retrieve.pool import search_analysis
from .retrieve.questions import Analysis
from .retrieve.search import Retriever
from .sources import feeds
from .types import (
    Answer,
    Article,
    ArticleInfo,
    Filters,
    Hit,
    IngestReport,
    ProgressFn,
    Skipped,
    Turn,
)

__all__ = ["AnswerStream", "AsyncAnswerStream", "Assistant", "Chat", "Step", "Subscription"]

Subscription = feeds.Subscription


class Assistant:
    """A news assistant over one index. Safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._store: Store | None = None
        self._embedder: Embedder | None = None
        self._retriever: Retriever | None = None
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
        with self._lock:
            if self._retriever is None:
                r = self.settings.retrieval
                self._retriever = Retriever(
                    self.store,
                    self.embedder,
                    mode=r.mode,
                    max_per_article=r.max_per_article,
                    rrf_k=r.rrf_k,
                )
            return self._retriever

    def open(self) -> Assistant:
        """Open the store and load the embedding model now rather than on first use."""
        _ = self.store, self.embedder
        return self

    @property
    def history(self) -> ConversationStore:
        """The saved conversations (a SQLite file in the data dir)."""
        return ConversationStore(self.settings.data_path / HISTORY_FILE)

    # -- ingest ---------------------------------------------------------------------------
    def _ingester(self) -> Ingester:
        return Ingester(self.settings, self.store, self.embedder)

    def ingest(
        self, *paths: str | Path, prune: bool = False, progress: ProgressFn | None = None
    ) -> IngestReport:
        """Index files, folders and http(s) URLs (feeds or article pages); unchanged articles
        cost nothing. With `prune`, articles that came from these paths but are gone from them
        are removed (URLs are never pruned)."""
        return self._ingester().paths(paths, prune=prune, progress=progress)

    def ingest_articles(
        self,
        articles: Sequence[Article],
        *,
        skipped: Sequence[Skipped] = (),
        prune_roots: Sequence[Path] | None = None,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Index articles you built yourself (ids must be stable across runs)."""
        return self._ingester().articles(
            articles, skipped=skipped, prune_roots=prune_roots, progress=progress
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
        return self._ingester().urls(urls, progress=progress) if urls else IngestReport()

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
        """The `k` best passages for `query`, optionally from one source and date range.

        The query is read like a question: outlets and dates it names limit the search (the
        caller's `source`, `since` and `until` win), and a question about several reports
        is searched report by report (see `analyse`)."""
        filters = Filters(source, to_timestamp(since), to_timestamp(until, end_of_day=True))
        analysis = self.retriever.analyse(query)
        return search_analysis(self.retriever, analysis, k or self.settings.retrieval.k, filters)

    def analyse(self, question: str) -> Analysis:
        """What `question` names (outlets matched to the indexed sources, dates), its kind
        and the parts it is searched by."""
        return self.retriever.analyse(question)

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

    @property
    def model(self) -> str:
        """The name of the model that answers (without loading it); "none" for extractive."""
        return model_name(self.settings.llm, self.provider)

    def warm_up(self) -> None:
        """Load the embedding and answering models now and, for the local model, read the
        system prompt into its cache, so the first question starts answering ~2 s sooner.
        Nothing is sent to an OpenAI-compatible server. The TUI calls this in a worker
        while you type; a program can call it at start-up."""
        self.answerer().warm_up()

    def answerer(self) -> Answerer:
        """The answer stage for the configured provider (built once per provider)."""
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
        question limits the search to articles published then."""
        return self.answerer().stream(question, source=source, since=since, until=until)

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

    def chat(self, turns: Sequence[Turn] = ()) -> Chat:
        """A conversation: follow-up questions are rewritten with the history before search.
        `turns` resumes one (for example from `history.turns(id)`)."""
        return Chat(self.answerer(), turns)

    # -- the embedded model ---------------------------------------------------------------
    @staticmethod
    def prepare_model() -> str:
        """Assemble and verify the embedded model (once, ~10 s); what happened, in a line."""
        from .models.local import llama_cpp_installed, model_file, parts_installed

        if not parts_installed():
            return "embedded model not installed; the local provider is unavailable"
        path = model_file()
        state = "ready" if llama_cpp_installed() else "ready (llama-cpp-python missing)"
        return f"{path}: {state}"
