"""The frozen, typed values that flow between the layers of the assistant.

Every layer (sources, ingest, store, retrieve, answer, api, front ends) speaks in these
dataclasses, so none of them needs to know another's internals. They are frozen so a
value handed to a caller can never change under it. An `Article` or a `Skipped` is where
outside text enters, so their strings are repaired there (`text.valid_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .text import valid_data, valid_text


def _repair(value: object, names: tuple[str, ...]) -> None:
    """Replace lone surrogates in the string fields `names` of a frozen dataclass."""
    for name in names:
        current = getattr(value, name)
        fixed = valid_data(current)
        if fixed is not current and fixed != current:
            object.__setattr__(value, name, fixed)


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

    def __post_init__(self) -> None:
        _repair(self, _ARTICLE_TEXT)


_ARTICLE_TEXT = ("id", "title", "text", "author", "source", "published", "url", "path", "metadata")


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", valid_text(self.path))
        object.__setattr__(self, "reason", valid_text(self.reason))


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
    duplicates_of: tuple[tuple[str, str], ...] = ()
    """(id, indexed id) of each duplicate: an article whose text is indexed under the other."""

    @property
    def ok(self) -> bool:
        """True unless inputs were given and none of them could be read."""
        read = self.added + self.updated + self.unchanged + self.duplicates
        return read > 0 or not self.skipped

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [asdict(s) for s in self.skipped]
        data["duplicates_of"] = [{"id": a, "of": b} for a, b in self.duplicates_of]
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass(frozen=True)
class IndexCheck:
    """What `assistant index check` found: the vector store (the source of truth) against
    the keyword index derived from it."""

    articles: int
    chunks: int
    keyword_chunks: int
    generation: int
    """How many committing writes the store has seen (every reader catches up to it)."""
    keyword_generation: int
    problems: tuple[str, ...] = ()
    """Damage still there (empty when the index is sound)."""
    repaired: tuple[str, ...] = ()
    """What was rebuilt on the way (the notices of opening the store)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["problems"], data["repaired"] = list(self.problems), list(self.repaired)
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


@dataclass(frozen=True)
class Story:
    """One event as the period's articles tell it: several outlets' reports are one story."""

    id: str
    """The id of the story's earliest article (stable as later reports join)."""
    title: str
    summary: str
    """1-3 sentences, each ending with the [n] markers of the articles it comes from."""
    articles: tuple[str, ...]
    """Article ids, newest first."""
    sources: tuple[str, ...]
    """The outlets that carry it."""
    citations: tuple[Citation, ...]
    latest: str | None = None
    """When its newest article was published (ISO 8601)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "summary": self.summary,
            "articles": list(self.articles),
            "sources": list(self.sources),
            "citations": [c.to_dict() for c in self.citations],
        }


@dataclass(frozen=True)
class Briefing:
    """What happened in a period: its stories, most outlets first, then most recent."""

    stories: tuple[Story, ...]
    since: str
    """The start of the period (ISO 8601, UTC)."""
    articles: int
    """Articles published in the period."""
    provider: str
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"stories": [s.to_dict() for s in self.stories]}


@dataclass(frozen=True)
class OpmlImport:
    """What importing an OPML file did."""

    added: tuple[str, ...]
    """Feeds newly subscribed."""
    known: tuple[str, ...]
    """Feeds that were subscribed already."""
    skipped: tuple[Skipped, ...] = ()
    """Outlines that could not be read, with the reason."""


@dataclass(frozen=True)
class FeedRefresh:
    """One feed refreshed by `feeds watch` (or the chat's background refresh)."""

    url: str
    report: IngestReport
    error: str | None
    """Why the feed could not be read this time (it backs off), else None."""
    next_due: float
    """When it is due again (epoch seconds)."""
