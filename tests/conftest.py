"""Shared fixtures: every test gets a clean environment and its own data dir.

Environment variables that change the assistant's behaviour (OPENAI_*, ASSISTANT_*) are
removed so a developer's shell or the CI runner cannot leak into a test; ASSISTANT_CONFIG
points at the repository's config.toml and ASSISTANT_DATA_DIR at a fresh folder.

Expensive stores (the 350-article Lee corpus) are built once per session in their own
folder and opened with the data dir passed explicitly, so the per-test environment does not
affect them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from assistant import Assistant

if TYPE_CHECKING:
    from servers.llm_server import FakeLLM

pytest_plugins = ["servers.llm_server"]  # the OpenAI-compatible test server fixture

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG = REPO_ROOT / "config.toml"
SEEDS = REPO_ROOT / "seeds"
SEED_FILE = SEEDS / "000_9b8fe6ecb3e6f2bf.txt"
SEED_ID = SEED_FILE.name
SHARED_EVAL = REPO_ROOT.parent / "shared" / "eval"
LEE_ARTICLES = SHARED_EVAL / "lee-articles.jsonl"

SCRUBBED = ("OPENAI_API_KEY", "OPENAI_BASE_URL")


def scrub_environment(mp: pytest.MonkeyPatch, data_dir: Path) -> None:
    """Remove OPENAI_* and ASSISTANT_* variables; point config and data dir at test values."""
    for name in list(os.environ):
        if name in SCRUBBED or name.startswith("ASSISTANT_"):
            mp.delenv(name, raising=False)
    mp.setenv("ASSISTANT_CONFIG", str(CONFIG))
    mp.setenv("ASSISTANT_DATA_DIR", str(data_dir))


def write(path: Path, content: str | bytes) -> Path:
    """Write a fixture file (text as UTF-8, or raw bytes), creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def make_assistant(data_dir: Path, **overrides: Any) -> Assistant:
    """An Assistant on `data_dir`, independent of the environment's data dir."""
    return Assistant.from_config(CONFIG, store__data_dir=str(data_dir), **overrides)


def openai_assistant(data_dir: Path, server: Any, **overrides: Any) -> Assistant:
    """An Assistant on `data_dir` answering with the `openai` provider against `server`,
    the fake chat-completions server of tests/llm_server.py."""
    return make_assistant(
        data_dir,
        llm__provider="openai",
        llm__base_url=server.url + "/v1",
        llm__model="test-model",
        **overrides,
    )


def jsonl_store(factory: pytest.TempPathFactory, name: str, articles: list[dict[str, Any]]) -> Path:
    """A data dir holding `articles` (dicts as in a JSON Lines export), ingested once."""
    data_dir = factory.mktemp(f"{name}-store")
    path = factory.mktemp(name) / f"{name}.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in articles) + "\n", encoding="utf-8")
    build_store(data_dir, path)
    return data_dir


def build_store(data_dir: Path, *paths: Path, **overrides: Any) -> Assistant:
    """Ingest `paths` into `data_dir` under a clean environment; return the Assistant."""
    with pytest.MonkeyPatch.context() as mp:
        scrub_environment(mp, data_dir)
        bot = make_assistant(data_dir, **overrides)
        report = bot.ingest(*paths)
    assert report.ok, report
    return bot


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    data_dir = tmp_path_factory.mktemp("data")
    scrub_environment(monkeypatch, data_dir)
    return data_dir


@pytest.fixture
def data_dir(_isolated_environment: Path) -> Path:
    """The data dir of the current test (what ASSISTANT_DATA_DIR names)."""
    return _isolated_environment


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_eval() -> Path:
    """The evaluation data beside the clone (`<repo>/../shared/eval`); skip when absent."""
    if not SHARED_EVAL.is_dir():
        pytest.skip(f"evaluation data not present at {SHARED_EVAL}")
    return SHARED_EVAL


@pytest.fixture(scope="session")
def lee_store(shared_eval: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The 350 Lee articles, ingested once per session (about 20-30 s on two cores)."""
    path = shared_eval / "lee-articles.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return build_store(tmp_path_factory.mktemp("lee-store"), path)


# -- the stores and assistants the answer tests share --------------------------------------


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the seed article only (four passages)."""
    data_dir = tmp_path_factory.mktemp("seed-store")
    build_store(data_dir, SEEDS)
    return data_dir


@pytest.fixture(scope="module")
def five_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed article plus four small ones: enough for five numbered sources."""
    data_dir = tmp_path_factory.mktemp("five-store")
    extra = tmp_path_factory.mktemp("five-articles") / "other.jsonl"
    from answering import OTHER_ARTICLES

    extra.write_text("\n".join(json.dumps(a) for a in OTHER_ARTICLES) + "\n", encoding="utf-8")
    build_store(data_dir, SEEDS, extra)
    return data_dir


@pytest.fixture
def bot(seed_dir: Path, llm_server: FakeLLM) -> Assistant:
    from answering import openai_bot

    return openai_bot(seed_dir, llm_server)


@pytest.fixture(scope="module")
def extractive(seed_dir: Path) -> Assistant:
    return make_assistant(seed_dir, llm__provider="extractive")


@pytest.fixture(scope="module")
def seed_text(seed_dir: Path) -> str:
    article = make_assistant(seed_dir).article(SEED_ID)
    assert article is not None
    return article.text


@pytest.fixture(scope="session")
def wire_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the wire-story set, read from its four outlets' feeds on
    127.0.0.1 (`feeds add` each, then one refresh); the server is gone afterwards."""
    from servers.feed_server import FeedServer
    from servers.wire import serve_wire

    data_dir = tmp_path_factory.mktemp("wire-store")
    server = FeedServer().start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            scrub_environment(mp, data_dir)
            bot = make_assistant(data_dir)
            for url in serve_wire(server):
                bot.feeds_add(url)
            report = bot.feeds_refresh()
    finally:
        server.stop()
    assert report.added == 18 and not report.skipped, report
    return data_dir
