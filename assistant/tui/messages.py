"""The messages that thread workers post back to the UI.

Workers (answering, ingesting, loading from the index or the conversation store) never touch
widgets: they post one of these dataclasses and a handler on the screen (or the app) updates
the view. Keeping them in one module documents the whole worker-to-UI protocol in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from textual.worker import Worker

    from ..history import ConversationInfo, SavedTurn
    from ..types import Answer, Article, ArticleInfo, Briefing, IngestReport


@dataclass
class IndexOpened(Message):
    """The store and the embedding model are loaded."""

    articles: int
    provider: str
    model: str
    notices: tuple[str, ...] = ()
    """What opening the store repaired (a keyword index rebuilt from Chroma)."""


@dataclass
class ArticlesCounted(Message):
    """The periodic check of the index: it holds `articles` now (another process may have
    ingested)."""

    articles: int


@dataclass
class PreferencesLoaded(Message):
    """What the last session left: its theme and the questions asked (oldest first)."""

    theme: str | None
    questions: list[str]


@dataclass
class IndexFailed(Message):
    """The store could not be opened."""

    error: str


@dataclass
class AnswerChunk(Message):
    """Text of answer number `ask` as it streams in (citation markers already final)."""

    ask: int
    text: str


@dataclass
class AnswerStep(Message):
    """What answer number `ask` is doing now ("searching TechCrunch · 2023-10-02")."""

    ask: int
    text: str


@dataclass
class AnswerDone(Message):
    """Answer number `ask` is finished and verified (and saved in `conversation_id`)."""

    ask: int
    answer: Answer
    seconds: float
    conversation_id: int | None
    warning: str | None = None


@dataclass
class AnswerFailed(Message):
    """Answer number `ask` failed; `question` goes back into the input."""

    ask: int
    question: str
    error: str


@dataclass
class IngestProgress(Message):
    """`done` of `total` steps of `phase` of an ingest."""

    phase: str
    done: int
    total: int


@dataclass
class IngestDone(Message):
    """An ingest finished; `articles` is the index's new article list."""

    report: IngestReport
    articles: list[ArticleInfo]
    coverage: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Article id -> the other outlets that report its story."""


@dataclass
class IngestFailed(Message):
    """An ingest of `path` failed."""

    path: str
    error: str


@dataclass
class ArticlesLoaded(Message):
    """The index's article list, for the library."""

    articles: list[ArticleInfo]
    coverage: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Article id -> the other outlets that report its story."""


@dataclass
class ArticleLoaded(Message):
    """One article with its text (None when it is no longer indexed)."""

    article: Article | None


@dataclass
class ConversationsLoaded(Message):
    """The saved conversations, newest first."""

    conversations: list[ConversationInfo]


@dataclass
class ConversationLoaded(Message):
    """The turns of a saved conversation, to resume it."""

    conversation_id: int
    title: str
    turns: list[SavedTurn]


@dataclass
class BriefingLoaded(Message):
    """The stories of the period asked for."""

    briefing: Briefing


@dataclass
class BriefingFailed(Message):
    """The briefing could not be made."""

    error: str


@dataclass
class FeedsRefreshed(Message):
    """The background refresh read feeds that were due: `new` articles arrived."""

    new: int
    updated: int
    feeds: int
    articles: int


@dataclass
class ExportDone(Message):
    """A conversation was written to `path` (None: there was nothing to export)."""

    path: str | None
    error: str | None = None


def describe_error(exc: BaseException) -> str:
    """One line for a notification: the message of an `AssistantError`, else the type too."""
    from ..errors import AssistantError

    if isinstance(exc, AssistantError):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc}"


def worker_error(event: Worker.StateChanged) -> str | None:
    """The error of a worker that raised, as one line (None for any other state change).

    Workers catch what they expect and post a message; this is the safety net for the rest,
    so a bug shows as a notification instead of ending the app."""
    from textual.worker import WorkerState

    error = event.worker.error
    if event.state != WorkerState.ERROR or error is None:
        return None
    return describe_error(error)
