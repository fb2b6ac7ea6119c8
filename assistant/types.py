"""The frozen, typed values that flow between the layers of the assistant.

Every layer (sources, ingest, store, retrieve, answer, api, front ends) speaks in these
dataclasses, so none of them needs to know another's internals. They are frozen so a
value handed to a caller can never change under it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """One news article as read from a source, before chunking."""

    id: str
    title: str
    text: str
    author: str | None = None
    source: str | None = None
    published: str | None = None
    """ISO 8601 date or datetime, when known."""
    url: str | None = None
    path: str | None = None
    """Where the article was read from (file path or URL)."""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """Fields the reader did not recognise, kept as they came."""


@dataclass(frozen=True)
class Chunk:
    """A passage of an article, with its character offsets in the article's text."""

    id: str
    article_id: str
    index: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article as the store knows it (without its full text)."""

    id: str
    title: str
    author: str | None
    source: str | None
    published: str | None
    url: str | None
    path: str | None
    chunks: int
    content_hash: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """One retrieved passage and how well it matched the query."""

    article_id: str
    title: str
    source: str | None
    published: str | None
    text: str
    score: float
    start: int
    end: int
    chunk_id: str = ""
    author: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "published": self.published,
            "text": self.text,
            "score": round(self.score, 6),
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class Filters:
    """What a search is limited to: one source (or any of `sources`), and a published-date
    range (epoch seconds, both ends included)."""

    source: str | None = None
    since: int | None = None
    until: int | None = None
    sources: tuple[str, ...] = ()
    """Any of these sources (the outlets a question names); `source` wins when both are set."""


@dataclass(frozen=True)
class Progress:
    """Ingest progress for a front end's bar: `done` of `total` articles in `phase`."""

    phase: str
    done: int
    total: int
    detail: str = ""


ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True)
class Skipped:
    """An input that could not be ingested, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    duplicates: int = 0
    skipped: tuple[Skipped, ...] = ()
    chunks: int = 0
    """Chunks embedded and written by this ingest."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True unless inputs were given and none of them could be read."""
        read = self.added + self.updated + self.unchanged + self.duplicates
        return read > 0 or not self.skipped

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [asdict(s) for s in self.skipped]
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: the passage it quotes and how well it holds."""

    n: int
    article_id: str
    title: str
    source: str | None
    published: str | None
    quote: str
    """The cited passage: the sentence(s) of the source that back the claim."""
    start: int
    """Offset of `quote` in the article's full text."""
    end: int
    supported: bool
    """True when the citing sentences are backed by the passage (score >= min_support)."""
    score: float
    """0..1: how well the citing sentences are backed by the passage."""
    attached: bool = False
    """True when the model gave no marker and the assistant attached the supporting passage."""
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = round(self.score, 3)
        return data


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation: a question and the answer text shown for it."""

    question: str
    answer: str


@dataclass(frozen=True)
class SearchStep:
    """One part of a question as it was searched: what, where, and the articles it found."""

    label: str
    """How the step reads: "TechCrunch · 2023-10-01…2023-10-03", or "all articles"."""
    query: str
    sources: tuple[str, ...] = ()
    since: str | None = None
    """ISO date: the first publication day searched (None: any)."""
    until: str | None = None
    articles: tuple[str, ...] = ()
    """Ids of the articles this part contributed, best first."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sources"], data["articles"] = list(self.sources), list(self.articles)
        return data


@dataclass(frozen=True)
class Answer:
    """A finished answer: text with [n] markers, its citations, and how it was made."""

    question: str
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    provider: str
    model: str
    timings: Mapping[str, float]
    """Milliseconds: retrieve, first_token, total."""
    query: str = ""
    """The standalone query used for retrieval (a rewritten follow-up in a chat)."""
    partial: bool = False
    """True when the model stopped before finishing (the text is what arrived)."""
    dropped_markers: int = 0
    """Markers the model wrote that pointed at no source, removed from the text."""
    error: str | None = None
    """Why the answer is partial, when it is."""
    kind: str = ""
    """What the question asks for: entity, yes/no, choice, order, difference or open."""
    steps: tuple[SearchStep, ...] = ()
    """The parts of the question as they were searched (one for a simple question)."""
    evidence: tuple[str, ...] = ()
    """What the model was shown: the text of each numbered passage of its prompt."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "provider": self.provider,
            "model": self.model,
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
            "query": self.query,
            "partial": self.partial,
            "error": self.error,
            "dropped_markers": self.dropped_markers,
            "kind": self.kind,
            "steps": [s.to_dict() for s in self.steps],
            "evidence": list(self.evidence),
        }
