"""Each limit in config.toml is the wall-clock bound it says it is, against real slow servers.

`llm.timeout` bounds the whole wait for an answer to start, retries included (the SDK's own
retries tripled it); a server that ignores `max_tokens` is cut off near it and the answer
is partial; `feeds.timeout` bounds a whole request, so a server that sends its headers a
byte at a time cannot hold a refresh; `store.timeout` bounds a Chroma server that stopped
answering (a real `chroma run`, paused with SIGSTOP).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from answering import QUESTION
from conftest import SEEDS, make_assistant, openai_assistant
from running import run_assistant
from servers.chroma_server import running_chroma
from servers.hostile_server import FeedServer, Route, rss
from servers.llm_server import FakeLLM, Reply

from assistant.errors import LLMError, StoreError


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.close()


def test_llm_timeout_bounds_the_whole_wait(seed_dir: Path, llm_server: FakeLLM) -> None:
    bot = openai_assistant(seed_dir, llm_server, llm__timeout=1.0)
    bot.search(QUESTION)  # the store and the embedding model, outside the clock
    llm_server.respond(lambda request: Reply.slow(10))
    with pytest.raises(LLMError) as err:
        bot.ask(QUESTION)
    elapsed = time.monotonic() - llm_server.chat_requests[0].at  # from the first request on
    assert elapsed < 2.0, f"llm.timeout = 1 s, but the call took {elapsed:.1f} s"
    assert "did not answer in 1 s (llm.timeout)" in str(err.value)


def test_a_retry_that_cannot_fit_is_not_waited_for(seed_dir: Path, llm_server: FakeLLM) -> None:
    bot = openai_assistant(seed_dir, llm_server, llm__timeout=2.0)
    bot.search(QUESTION)
    llm_server.respond(lambda request: Reply.fail(429, "slow down", headers={"Retry-After": "20"}))
    with pytest.raises(LLMError, match="rate-limiting"):
        bot.ask(QUESTION)
    assert time.monotonic() - llm_server.chat_requests[0].at < 1.0
    assert len(llm_server.chat_requests) == 1


def test_a_server_that_ignores_max_tokens_is_cut_off(seed_dir: Path, llm_server: FakeLLM) -> None:
    bot = openai_assistant(seed_dir, llm_server, llm__max_tokens=32)
    llm_server.respond(lambda request: Reply.text(*["China may buy jets. "] * 100_000))
    started = time.monotonic()
    stream = bot.stream(QUESTION)
    shown = "".join(stream)
    answer = stream.answer()
    assert time.monotonic() - started < 30
    assert answer.partial and answer.error and "llm.max_tokens = 32" in answer.error
    assert len(shown) <= 16 * 32 + 40 and len(answer.text) <= 16 * 32 + 40
    assert llm_server.disconnected.wait(5)  # the stream was hung up on


def test_a_feed_that_trickles_its_headers_is_cut_at_the_timeout(
    feed_server: FeedServer, data_dir: Path
) -> None:
    items = [{"title": "Tram news", "guid": "urn:tram", "text": "The tram line opened."}]
    feed_server.routes["/fast"] = Route(rss("Fast", items))
    feed_server.routes["/slow"] = Route(rss("Slow", items), trickle=0.5)  # 2 bytes a second
    bot = make_assistant(data_dir, feeds__timeout=1.5)
    bot.open(create=True)
    started = time.monotonic()
    report = bot.ingest(feed_server.url("/slow"), feed_server.url("/fast"))
    elapsed = time.monotonic() - started
    assert elapsed < 8, f"feeds.timeout = 1.5 s, but the ingest took {elapsed:.1f} s"
    assert report.added == 1
    assert [(s.path, s.reason) for s in report.skipped] == [
        (feed_server.url("/slow"), "timed out after 1.5 s")
    ]


@pytest.mark.server
def test_a_paused_chroma_server_fails_in_time(tmp_path: Path) -> None:
    (tmp_path / "srv").mkdir()
    with running_chroma(tmp_path / "srv") as (url, proc):
        options = {"store__url": url, "store__timeout": 2.0, "llm__provider": "extractive"}
        bot = make_assistant(tmp_path / "data", **options)
        assert bot.ingest(SEEDS).added == 1
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(StoreError) as err:  # an open store: every call is bounded
                bot.search("Boeing jets")
            assert time.monotonic() - started < 6
            assert url in str(err.value) and "store.timeout" in str(err.value)
            env = {"ASSISTANT_STORE__URL": url, "ASSISTANT_STORE__TIMEOUT": "2"}
            started = time.monotonic()
            done = run_assistant(tmp_path / "data", "articles", env=env, timeout=120)
            assert done.returncode == 1
            assert done.stderr.strip().splitlines() == [
                f"error: the Chroma server at {url} did not answer in 2 s (store.timeout)"
            ]
            assert time.monotonic() - started < 60
        finally:
            os.kill(proc.pid, signal.SIGCONT)
