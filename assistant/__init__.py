"""A news assistant: index articles offline, search them, ask questions with citations.

from assistant import Assistant
bot = Assistant.from_config()
bot.ingest("seeds")
print(bot.search("Boeing jets")[0].title)
"""

from .api import Assistant
from .errors import AssistantError
from .types import Article, ArticleInfo, Hit, IngestReport, Skipped

__all__ = [
    "Article",
    "ArticleInfo",
    "Assistant",
    "AssistantError",
    "Hit",
    "IngestReport",
    "Skipped",
]
