"""Settings: one typed, documented model read from TOML, the environment and arguments.

Precedence, lowest first: defaults < the TOML file (`config.toml`, or the file named by
`ASSISTANT_CONFIG`) < environment variables `ASSISTANT_<SECTION>__<KEY>` (and the shortcut
`ASSISTANT_DATA_DIR`) < keyword overrides (what CLI flags and `Assistant.from_config` pass).
Secrets never live here: the OpenAI key is read from `OPENAI_API_KEY` (or the variable
`llm.api_key_env` names) only.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "news-assistant"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class StoreSettings(_Section):
    data_dir: str = ""
    """Where the index lives. Empty: $ASSISTANT_DATA_DIR, else the user data dir."""
    url: str = ""
    """A Chroma server such as http://127.0.0.1:8000. Empty: an embedded store in data_dir."""
    timeout: float = Field(30.0, gt=0)
    """Seconds a Chroma server may take to answer one request before the command fails."""
    collection: str = "news"
    """Name prefix of the Chroma collections."""
    lease_seconds: float = Field(60.0, ge=1, le=3600)
    """An ingest holds a lease in Chroma, renewed at each write; one left by a crashed
    ingest on another machine expires after this many seconds (on this machine, at once)."""
    memory_vectors: int = Field(20_000, ge=0)
    """Search keeps a copy of the passages' vectors in memory when the index has at most
    this many passages (1.5 KB each; reading them grew the process by 86 MB on 8,248):
    a search within outlets or dates is then a few milliseconds instead of Chroma's
    25-30 ms. Bigger copies cost more than they save
    (reading 100,000 takes 10 s). 0: always ask Chroma."""


class IngestSettings(_Section):
    chunk_size: int = Field(160, ge=32, le=1024)
    """Chunk length in tokens (sentence-aware)."""
    chunk_overlap: int = Field(20, ge=0, le=256)
    """Tokens shared by neighbouring chunks."""
    max_file_mb: float = Field(20.0, gt=0)
    """Files larger than this are skipped with a reason."""


class EmbeddingSettings(_Section):
    provider: Literal["minilm", "openai"] = "minilm"
    """minilm: all-MiniLM-L6-v2 int8 ONNX, offline. openai: the OpenAI embeddings API."""
    model: str = "text-embedding-3-small"
    """Model name for the openai provider."""
    batch_size: int = Field(32, ge=1, le=1024)
    """Texts per model call; texts are sorted by length and padded to the batch's longest."""
    threads: int = Field(0, ge=0)
    """ONNX Runtime threads; 0 uses every core."""


class RetrievalSettings(_Section):
    mode: Literal["hybrid", "vector", "bm25"] = "hybrid"
    """hybrid fuses BM25 and vector rankings with reciprocal rank fusion."""
    k: int = Field(5, ge=1, le=100)
    """Passages returned by search."""
    max_per_article: int = Field(2, ge=1)
    """At most this many passages of one article in a result list."""
    rrf_k: int = Field(10, ge=1)
    """Reciprocal rank fusion constant."""


class LLMSettings(_Section):
    provider: Literal["auto", "openai", "local", "extractive"] = "auto"
    """auto: openai when OPENAI_API_KEY or base_url is set, else local when installed,
    else extractive."""
    model: str = ""
    """Model name; empty picks gpt-4o-mini (openai) or the embedded GGUF (local)."""
    base_url: str = ""
    """An OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1 for Ollama."""
    api_key_env: str = ""
    """The environment variable holding the key for base_url's server. Empty: OPENAI_API_KEY,
    sent to api.openai.com only (never to another base_url)."""
    model_path: str = ""
    """A GGUF file for the local provider; empty assembles the packaged Qwen2.5 1.5B."""
    temperature: float = Field(0.1, ge=0, le=2)
    """Sampling temperature."""
    max_tokens: int = Field(384, ge=16)
    """Longest answer in tokens."""
    context_size: int = Field(4096, ge=512)
    """Context window of the local model in tokens."""
    timeout: float = Field(60.0, gt=0)
    """Seconds an LLM server may take to start answering, retries included, and the longest
    pause within an answer; then the answer fails (or is shown as partial)."""
    threads: int = Field(0, ge=0)
    """llama.cpp threads; 0 uses every core."""


class AnswerSettings(_Section):
    k: int = Field(4, ge=1, le=20)
    """Passages given to the model as numbered sources."""
    min_support: float = Field(0.45, ge=0, le=1)
    """A cited sentence whose support score is below this is flagged as weak."""
    min_relevance: float = Field(0.25, ge=0, le=1)
    """Below this best passage similarity the assistant says the articles don't answer."""
    passage_sentences: int = Field(3, ge=0, le=50)
    """Give the model only this many best-matching sentences of each passage (0: all)."""
    context_words: int = Field(140, ge=0, le=10_000)
    """Give the model at most this many words of passage text in all, best sentences first;
    a passage with none of them is left out (0: no limit). The prompt's length sets how
    long a local model takes to start answering."""
    part_words: int = Field(80, ge=0, le=2_000)
    """For a question about several reports, words of evidence per report (its part of the
    question); the budget of the whole prompt is then the larger of this times the parts
    and `context_words`."""
    expand_articles: int = Field(2, ge=0, le=20)
    """With `context_words` set, also pick sentences from the other passages of the best
    this-many retrieved articles (0: only the retrieved passages)."""
    prompts_dir: str = "prompts"
    """Folder of prompt templates (system.txt, answer.txt, condense.txt, and verdict.txt,
    which may be left out)."""


class FeedSettings(_Section):
    timeout: Annotated[float, Field(gt=0)] = 15.0
    """Seconds one request for a feed or page may take in all (connect, headers, body and
    redirects) before it is skipped."""
    max_bytes: Annotated[int, Field(ge=1024)] = 5_000_000
    """Feeds and pages larger than this many bytes are skipped with a reason."""
    concurrency: Annotated[int, Field(ge=1, le=16)] = 4
    """Feeds (and linked article pages) fetched at the same time."""
    user_agent: str = "news-assistant/0.1 (+feeds)"
    """The User-Agent header sent with every request."""
    watch_minutes: Annotated[float, Field(gt=0)] = 30.0
    """How often `assistant feeds watch` and the chat refresh each feed (minutes), unless
    the feed asks for less (Cache-Control, Retry-After) or keeps failing (backing off)."""

    max_pages: Annotated[int, Field(ge=0)] = 300
    """Linked article pages fetched per refresh at most; the rest wait for the next one."""
    allow_hosts: list[str] = []
    """Private or loopback hosts (names, addresses or networks such as 192.168.1.0/24) that
    feeds may link or redirect to; a host you subscribe to directly needs no entry.
    Link-local and cloud-metadata addresses are never fetched."""


class BriefSettings(_Section):
    llm_stories: int = Field(8, ge=0, le=200)
    """With a language model, the first this-many stories of a briefing are summarised by
    it; the rest (and every story with the extractive provider) quote their articles."""
    max_sentences: int = Field(3, ge=1, le=3)
    """Longest summary of a story, in sentences."""


class Settings(BaseSettings):
    """Every setting of the assistant, grouped by the layer that uses it."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_nested_delimiter="__",
        extra="forbid",
        use_attribute_docstrings=True,
    )

    store: StoreSettings = StoreSettings()
    ingest: IngestSettings = IngestSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()
    answer: AnswerSettings = AnswerSettings()
    feeds: FeedSettings = FeedSettings()
    brief: BriefSettings = BriefSettings()
    config_path: str = ""
    """The TOML file these settings were read from (set by `load_config`)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = settings_cls.model_config.get("toml_file")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    # -- resolved paths ---------------------------------------------------------------
    @property
    def base_dir(self) -> Path:
        """Relative paths in the config are relative to the config file's folder."""
        return Path(self.config_path).resolve().parent if self.config_path else Path.cwd()

    def _resolve(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    @property
    def data_path(self) -> Path:
        if self.store.data_dir:
            return self._resolve(self.store.data_dir)
        from platformdirs import user_data_dir

        return Path(user_data_dir(APP_NAME, appauthor=False))

    @property
    def prompts_path(self) -> Path:
        path = self._resolve(self.answer.prompts_dir)
        if not path.exists() and (PROJECT_ROOT / "prompts").is_dir():
            return PROJECT_ROOT / "prompts"
        return path


def private_dir(path: Path) -> Path:
    """Create the folder `path` (and its parents) readable by its owner only (0700), or
    tighten it when it exists: the data dir holds the index and the chat history."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_tree(path, files=False)
    return path


def private_tree(path: Path, *, files: bool = True) -> None:
    """`path`, the folders below it (0700) and, with `files`, the files below it (0600)
    made owner-only. Links are left alone; what cannot be changed (a read-only disk,
    another user's file) is left as it is."""
    todo = [path]
    while todo:
        current = todo.pop()
        try:
            info = current.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            _chmod(current, info.st_mode, 0o700)
            if files:
                try:
                    todo.extend(current.iterdir())
                except OSError:
                    continue
        elif stat.S_ISREG(info.st_mode):
            _chmod(current, info.st_mode, 0o600)


def _chmod(path: Path, mode: int, wanted: int) -> None:
    if stat.S_IMODE(mode) & 0o077:
        try:
            os.chmod(path, stat.S_IMODE(mode) & wanted)
        except OSError:
            pass


def default_config_path() -> Path | None:
    """`$ASSISTANT_CONFIG`, else ./config.toml, else the project's config.toml."""
    named = os.environ.get("ASSISTANT_CONFIG")
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(f"ASSISTANT_CONFIG names {path}, which is not a file")
        return path
    for candidate in (Path.cwd() / "config.toml", PROJECT_ROOT / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def _nest(overrides: dict[str, Any]) -> dict[str, Any]:
    """Turn `llm__provider="x"` (or `llm={"provider": "x"}`) into nested dicts."""
    nested: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        parts = key.split("__") if "__" in key else key.split(".")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, dict) and isinstance(node.get(parts[-1]), dict):
            node[parts[-1]].update(value)
        else:
            node[parts[-1]] = value
    return nested


def load_config(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read settings from `path` (or the default file), the environment and `overrides`."""
    toml_path = Path(path).expanduser() if path else default_config_path()
    if toml_path is not None and not toml_path.is_file():
        raise ConfigError(f"config file not found: {toml_path}")
    values = _nest(overrides)
    if os.environ.get("ASSISTANT_DATA_DIR") and "ASSISTANT_STORE__DATA_DIR" not in os.environ:
        values.setdefault("store", {}).setdefault("data_dir", os.environ["ASSISTANT_DATA_DIR"])
    if toml_path is not None:
        values["config_path"] = str(toml_path.resolve())

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=toml_path)

    try:
        return _FileSettings(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, toml_path, values)) from None
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise ConfigError(f"{toml_path}: {exc}") from None


def _origin(loc: tuple[str, ...], overrides: dict[str, Any], path: Path | None) -> str:
    """Where the value at `loc` came from, as the user wrote it: the keyword override
    (`retrieval__mode`), the environment variable (`ASSISTANT_RETRIEVAL__MODE`), else the
    TOML file; the same precedence as `load_config`'s."""
    node: Any = overrides
    for part in loc:
        if not isinstance(node, dict) or part not in node:
            break
        node = node[part]
    else:
        if loc != ("store", "data_dir") or "ASSISTANT_DATA_DIR" not in os.environ:
            return f"override {'__'.join(loc)}"
    environ = {name.upper(): name for name in os.environ}
    for depth in range(len(loc), 0, -1):  # ASSISTANT_LLM__PROVIDER, then ASSISTANT_LLM (JSON)
        name = "ASSISTANT_" + "__".join(loc[:depth]).upper()
        if name in environ:
            return environ[name]
    if loc == ("store", "data_dir") and "ASSISTANT_DATA_DIR" in os.environ:
        return "ASSISTANT_DATA_DIR"
    return path.name if path else "the defaults"


def _describe(exc: ValidationError, path: Path | None, overrides: dict[str, Any]) -> str:
    """One line naming each bad setting and where it came from (the override, the
    environment variable or the file that holds it)."""
    problems = []
    for err in exc.errors()[:3]:
        parts = tuple(str(p) for p in err["loc"])
        loc = ".".join(parts)
        where = _origin(parts, overrides, path)
        if err["type"] == "extra_forbidden":
            hint = " (secrets such as API keys belong in the environment)" if "key" in loc else ""
            problems.append(f"{where}: unknown setting {loc}{hint}")
        else:
            problems.append(f"{where}: {loc}: {err['msg']}")
    return "invalid configuration: " + "; ".join(problems)
