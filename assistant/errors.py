"""The assistant's exceptions: one family, so front ends can show one clear line.

Library exceptions (chromadb, openai, llama.cpp, onnxruntime) are turned into these at the
boundary where they happen; the CLI and the TUI catch `AssistantError` and print its message,
never a traceback.
"""

from __future__ import annotations

import re

_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@")


def redact_credentials(text: str) -> str:
    """`text` with the user and password of every URL in it hidden:
    "http://me:secret@host/" -> "http://***@host/"."""
    return _CREDENTIALS.sub(r"\1***@", text)


class AssistantError(Exception):
    """Base class: the message is meant for the user, on one line. Credentials in URLs
    (`llm.base_url`, `store.url` with user:password@) never show in it."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact_credentials(a) if isinstance(a, str) else a for a in args))


class ConfigError(AssistantError):
    """The configuration or a prompt template is invalid."""


class SourceError(AssistantError):
    """An input (file, folder, URL) could not be read."""


class StoreError(AssistantError):
    """The vector store could not be opened, read or written."""


class NoIndexError(StoreError):
    """A command that only reads found no index where the settings point."""

    def __init__(self, where: str) -> None:
        super().__init__(
            f"no index in {where}: make one with `assistant ingest PATH` (files, folders or "
            "feed URLs), or `assistant feeds add URL` then `assistant feeds refresh`"
        )


class EmbeddingError(AssistantError):
    """The embedding model could not be loaded or run."""


class LLMError(AssistantError):
    """The language model could not answer."""


class IngestLockedError(StoreError):
    """Another ingest holds the store's lock."""


class StoreDamagedError(StoreError):
    """The vector store lost articles that only a backup or a re-ingest can bring back."""
