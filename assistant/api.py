"""`Assistant`: the one door every front end (CLI, TUI, eval, your program) goes through.

It owns the settings, opens the store and the models lazily (so a front end can paint before
the heavy imports), and exposes one typed call per use case: ingest, feeds, search, articles,
ask, stream, chat and the saved conversations. It delegates: ingest work is `index.ingest`'s,
answering is `answer`'s. Everything it returns is a frozen dataclass from `types`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .answer.chat import Chat
from .answer.pipeline import Answerer
from .answer.prompts import Prompts
from .answer.stream import AnswerStream, AsyncAnswerStream, Step
from .config import Settings, load_config
from .errors import NoIndexError, StoreDamagedError
from .following import Following
from .history import FILE_NAME as HISTORY_FILE
from .history import ConversationStore
from .index.ingest import Ingester
from .index.store import Store, index_missing
from .models import served
from .models.embeddings import Embedder, get_embedder
from .models.llm import LLM, make_llm, model_name, resolve_provider
from .retrieve.filters import DateLike, to_timestamp
from .retrieve.pool import search_analysis
from .retrieve.questions import Analysis
from .retrieve.search import Retriever
from .sources import feeds
from .text import valid_text
from .types import (
    Answer,
    Article,
    ArticleInfo,
    Filters,
    Hit,
    IndexCheck,
    IngestReport,
    ProgressFn,
    Skipped,
    Turn,
)

__all__ = [
    "AnswerStream",
    "AsyncAnswerStream",
    "Assistant",
    "Chat",
    "ServerState",
    "Step",
    "Subscription",
]

Subscription = feeds.Subscription
ServerState = served.ServerState


class Assistant(Following):
    """A news assistant over one index. Safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._store: Store | None = None
        self._embedder: Embedder | None = None
        self._retriever: Retriever | None = None
        self._answerers: dict[str, Answerer] = {}
        self.prompts = Prompts.load(settings.prompts_path)
        self.notices: list[str] = []
        """What the store repaired by itself (a keyword index rebuilt from Chroma), in order."""
        self.on_notice: Callable[[str], None] | None = None
        """Called with each notice as it happens (the CLI prints it on stderr)."""

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
        """The index, for reading: `NoIndexError` (and nothing created) when there is none."""
        return self._open_store(create=False)

    def _open_store(self, *, create: bool) -> Store:
        with self._lock:
            if self._store is None:
                self._store = self._new_store(check=True, create=create)
            return self._store

    def _new_store(self, *, check: bool, create: bool = True) -> Store:
        s = self.settings
        return Store(
            s.data_path,
            collection=s.store.collection,
            url=s.store.url,
            embedding_provider=s.embedding.provider,
            embedding_model=s.embedding.model,
            lease_seconds=s.store.lease_seconds,
            timeout=s.store.timeout,
            memory_vectors=s.store.memory_vectors,
            check=check,
            create=create,
            notify=self._notice,
        )

    def _notice(self, message: str) -> None:
        self.notices.append(message)
        if self.on_notice is not None:
            self.on_notice(message)

    def require_index(self) -> None:
        """Raise `NoIndexError` when the data dir surely holds no index, without opening
        anything (an index on a Chroma server is checked when it is opened)."""
        if self._store is None and index_missing(self.settings.data_path, self.settings.store.url):
            raise NoIndexError(str(self.settings.data_path))

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

    def open(self, *, create: bool = False) -> Assistant:
        """Open the store and load the embedding model now rather than on first use
        (`NoIndexError` when there is no index yet, unless `create` makes an empty one)."""
        _ = self._open_store(create=create), self.embedder
        return self

    @property
    def history(self) -> ConversationStore:
        """The saved conversations (a SQLite file in the data dir)."""
        return ConversationStore(self.settings.data_path / HISTORY_FILE)

    # -- ingest ---------------------------------------------------------------------------
    def _ingester(self) -> Ingester:
        """Ingests create the index when there is none (reads never do)."""
        return Ingester(self.settings, self._open_store(create=True), self.embedder)

    def ingest(
        self,
        *paths: str | Path,
        prune: bool = False,
        confirm: bool = False,
        follow_links: bool = False,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Index files, folders and http(s) URLs (feeds or article pages); unchanged articles
        cost nothing. With `prune`, articles that came from these paths but are gone from them
        are removed (URLs are never pruned); a path that is missing or holds nothing while
        articles came from it raises `SourceError` unless `confirm`, and what could not be
        read keeps its articles. A symlink in a folder that leads out of it is skipped unless
        `follow_links`."""
        return self._ingester().paths(
            paths, prune=prune, confirm=confirm, follow_links=follow_links, progress=progress
        )

    def ingest_articles(
        self,
        articles: Sequence[Article],
        *,
        skipped: Sequence[Skipped] = (),
        prune_roots: Sequence[Path] | None = None,
        confirm: bool = False,
        progress: ProgressFn | None = None,
    ) -> IngestReport:
        """Index articles you built yourself (ids must be stable across runs); with
        `prune_roots`, remove stored articles under them that are not among `articles` (a
        root none of them is under is refused unless `confirm`)."""
        return self._ingester().articles(
            articles, skipped=skipped, prune_roots=prune_roots, confirm=confirm, progress=progress
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
        """The `k` best passages for `query`, optionally from one source and date range.

        The query is read like a question: outlets and dates it names limit the search (the
        caller's `source`, `since` and `until` win), and a question about several reports
        is searched report by report (see `analyse`)."""
        filters = Filters(source, to_timestamp(since), to_timestamp(until, end_of_day=True))
        analysis = self.retriever.analyse(valid_text(query))
        return search_analysis(self.retriever, analysis, k or self.settings.retrieval.k, filters)

    def analyse(self, question: str) -> Analysis:
        """What `question` names (outlets matched to the indexed sources, dates), its kind
        and the parts it is searched by."""
        return self.retriever.analyse(valid_text(question))

    def articles(self) -> list[ArticleInfo]:
        """Every indexed article (without its text), oldest first."""
        return self.store.list_articles()

    def article(self, article_id: str) -> Article | None:
        """One indexed article with its full text, or None."""
        return self.store.get_article(article_id)

    def counts(self) -> tuple[int, int]:
        """(articles, chunks) in the index."""
        return self.store.count()

    # -- the index itself -----------------------------------------------------------------
    def check_index(self) -> IndexCheck:
        """Compare the keyword index with the vector store (the source of truth). Opening
        the store already rebuilt what can be rebuilt (listed in `repaired`); `problems`
        lists what is still wrong, such as a vector store that lost its articles."""
        try:
            store = self.store
        except StoreDamagedError as exc:
            return IndexCheck(0, 0, 0, 0, 0, problems=(str(exc),), repaired=tuple(self.notices))
        found = store.inspect()
        return replace(found, repaired=tuple(self.notices))

    def rebuild_index(self) -> IndexCheck:
        """Rebuild the keyword index from every passage in the vector store, and accept what
        the vector store lost (after this, an emptied store is simply empty)."""
        with self._lock:
            if self._store is None:
                self._store = self._new_store(check=False, create=False)
            store = self._store
        with store.ingest_lock():
            store.rebuild_keyword_index()
        return store.inspect()

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
        system prompt into its cache, so the first question starts answering ~2 s sooner;
        read the passages' vectors into memory too (`store.memory_vectors`). Nothing is
        sent to an OpenAI-compatible server. The TUI calls this in a worker while you type;
        a program can call it at start-up."""
        try:
            self.store.load_vectors()
        except NoIndexError:
            pass  # nothing indexed yet: nothing to read
        self.answerer().warm_up()

    def answerer(self) -> Answerer:
        """The answer stage for the configured provider (built once per provider). The local
        model is the one `assistant serve` runs for this data dir, when it runs."""
        provider = self.provider
        with self._lock:
            if provider not in self._answerers:
                llm: LLM | None = None
                if provider == "local" and (server := self.model_server) is not None:
                    llm = served.ServedLlama(self.settings.llm, server)
                elif provider != "extractive":
                    llm = make_llm(provider, self.settings.llm)
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
    @property
    def model_server(self) -> served.ServerState | None:
        """The `assistant serve` running for this data dir with the local model these
        settings load, or None (checked cheaply: a state file, a pid, a connect)."""
        return served.find(self.settings.data_path, self.settings.llm)

    def serve_model(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        on_ready: Callable[[served.ServerState], None] | None = None,
    ) -> None:
        """Serve the local model over the OpenAI protocol until interrupted, so commands
        in this data dir answer without loading it (`assistant serve`)."""
        served.serve(
            self.settings.llm, self.settings.data_path, host=host, port=port, on_ready=on_ready
        )

    @staticmethod
    def prepare_model() -> str:
        """Assemble and verify the embedded model (once, ~10 s); what happened, in a line."""
        from .models.local import llama_cpp_installed, model_file, parts_installed

        if not parts_installed():
            return "embedded model not installed; the local provider is unavailable"
        path = model_file()
        state = "ready" if llama_cpp_installed() else "ready (llama-cpp-python missing)"
        return f"{path}: {state}"
