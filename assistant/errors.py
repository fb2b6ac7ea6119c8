"""The assistant's exceptions: one family, so front ends can show one clear line.

Library exceptions (chromadb, openai, llama.cpp, onnxruntime) are turned into these at the
boundary where they happen; the CLI and the TUI catch `AssistantError` and print its message,
never a traceback.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: the message is meant for the user, on one line."""


class ConfigError(AssistantError):
    """The configuration or a prompt template is invalid."""


class SourceError(AssistantError):
    """An input (file, folder, URL) could not be read."""


class StoreError(AssistantError):
    """The vector store could not be opened, read or written."""


class EmbeddingError(AssistantError):
    """The embedding model could not be loaded or run."""


class LLMError(AssistantError):
    """The language model could not answer."""


class IngestLockedError(StoreError):
    """Another ingest holds the store's lock."""


class StoreDamagedError(StoreError):
    """The vector store lost articles that only a backup or a re-ingest can bring back."""
