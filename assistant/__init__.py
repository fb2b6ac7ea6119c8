"""A news assistant: index articles offline, search them, ask questions with citations.

    from assistant import Assistant
    bot = Assistant.from_config()
    bot.ingest("seeds")
    print(bot.search("Boeing jets")[0].title)
    print(bot.ask("How many Boeing jets might China buy?").text)

Everything a program needs is exported here; `Assistant` is the one door.
"""

from .api import AnswerStream, Assistant, AsyncAnswerStream, Chat, Step, Subscription
from .errors import AssistantError
from .types import (
    Answer,
    Article,
    ArticleInfo,
    Briefing,
    Citation,
    FeedRefresh,
    Hit,
    IndexCheck,
    IngestReport,
    OpmlImport,
    Progress,
    SearchStep,
    Skipped,
    Story,
    Turn,
)

__all__ = [
    "Answer",
    "AnswerStream",
    "Article",
    "ArticleInfo",
    "Assistant",
    "AssistantError",
    "AsyncAnswerStream",
    "Briefing",
    "Chat",
    "Citation",
    "FeedRefresh",
    "Hit",
    "IndexCheck",
    "IngestReport",
    "OpmlImport",
    "Progress",
    "SearchStep",
    "Skipped",
    "Step",
    "Story",
    "Subscription",
    "Turn",
]
