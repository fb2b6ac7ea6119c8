"""A failing LLM server: refused, HTTP errors, rate limits, torn and stalled streams, cancel."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from answering import QUESTION, cite_fact, openai_bot
from conftest import (
    SEED_ID,
    make_assistant,
)
from servers.llm_server import FakeLLM, Reply, free_port

from assistant import Assistant
from assistant.errors import LLMError

# -- faults ---------------------------------------------------------------------------------------


def one_line(exc: BaseException) -> str:
    message = str(exc)
    assert "\n" not in message and message
    return message


def test_connection_refused(seed_dir: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    bot = make_assistant(seed_dir, llm__provider="openai", llm__base_url=url, llm__model="m")
    started = time.monotonic()
    with pytest.raises(LLMError) as err:
        bot.ask(QUESTION)
    assert url in one_line(err.value)
    assert "cannot reach" in str(err.value)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("status", "words"),
    [(401, ["API key", "401"]), (404, ["model", "'test-model'", "404"]), (500, ["500"])],
)
def test_http_errors_are_one_clear_line(
    bot: Assistant,
    llm_server: FakeLLM,
    status: int,
    words: list[str],
) -> None:
    llm_server.script(*[Reply.fail(status, "nope")] * 3)
    with pytest.raises(LLMError) as err:
        bot.ask(QUESTION)
    message = one_line(err.value)
    assert llm_server.url in message
    for word in words:
        assert word in message
    # the SDK retries server errors (twice), not client errors
    assert len(llm_server.chat_requests) == (3 if status >= 500 else 1)


def test_rate_limit_then_success(bot: Assistant, llm_server: FakeLLM) -> None:
    llm_server.script(Reply.fail(429, "slow down", headers={"Retry-After": "0"}))
    llm_server.respond(lambda req: cite_fact(req, ["China may buy 500 Boeing jets [{n}]."]))
    answer = bot.ask(QUESTION)
    assert len(llm_server.chat_requests) == 2
    assert not answer.partial and answer.citations[0].article_id == SEED_ID


def test_rate_limit_that_persists(bot: Assistant, llm_server: FakeLLM) -> None:
    llm_server.respond(lambda req: Reply.fail(429, "slow down", headers={"Retry-After": "0"}))
    with pytest.raises(LLMError, match="rate-limiting"):
        bot.ask(QUESTION)


def test_stream_that_stops_mid_answer_is_partial(
    bot: Assistant,
    llm_server: FakeLLM,
) -> None:
    llm_server.respond(
        lambda req: Reply.cut(cite_fact(req, ["China may buy 500 ", "Boeing jets [{n}].", " And"]))
    )
    stream = bot.stream(QUESTION)
    streamed = "".join(stream)
    answer = stream.answer()
    assert answer.partial
    assert answer.error and llm_server.url in answer.error
    assert streamed.startswith("China may buy 500 Boeing jets [1].")
    assert "China may buy 500 Boeing jets" in answer.text
    assert answer.citations and answer.citations[0].article_id == SEED_ID
    assert answer.to_dict()["partial"] is True


def test_stream_that_ends_without_finishing_is_partial(
    bot: Assistant,
    llm_server: FakeLLM,
) -> None:
    """The body ends cleanly but with no finish_reason and no [DONE]: a truncated answer."""
    llm_server.script(Reply(chunks=("China may buy ", "500 Boeing"), clean_end=True))
    answer = bot.ask(QUESTION)
    assert answer.partial
    assert answer.text.startswith("China may buy 500 Boeing")


def test_stream_that_stops_before_any_text_is_an_error(
    bot: Assistant,
    llm_server: FakeLLM,
) -> None:
    llm_server.script(Reply.cut(["never sent"], after=0))
    with pytest.raises(LLMError) as err:
        bot.ask(QUESTION)
    assert llm_server.url in one_line(err.value)


@pytest.mark.parametrize("before", [(), ("China may buy ",)])
def test_malformed_stream_is_a_clear_error(
    bot: Assistant,
    llm_server: FakeLLM,
    before: tuple[str, ...],
) -> None:
    llm_server.script(Reply.malformed(before))
    if before:
        answer = bot.ask(QUESTION)
        assert answer.partial
        assert answer.error and "could not be read" in answer.error
    else:
        with pytest.raises(LLMError) as err:
            bot.ask(QUESTION)
        assert "could not be read" in one_line(err.value)


def test_slow_server_times_out(seed_dir: Path, llm_server: FakeLLM) -> None:
    bot = openai_bot(seed_dir, llm_server, llm__timeout=0.5)
    llm_server.respond(lambda req: Reply.slow(5))
    bot.search(QUESTION)  # warm the store and the model outside the clock
    started = time.monotonic()
    with pytest.raises(LLMError) as err:
        bot.ask(QUESTION)
    elapsed = time.monotonic() - started
    message = one_line(err.value)
    assert "time" in message
    assert llm_server.url in message
    # llm.timeout bounds the whole wait: no retry fits in what is left of half a second
    assert len(llm_server.chat_requests) == 1
    assert elapsed < 6


def test_server_that_stalls_mid_stream_times_out(
    seed_dir: Path,
    llm_server: FakeLLM,
) -> None:
    bot = openai_bot(seed_dir, llm_server, llm__timeout=0.5)
    llm_server.respond(
        lambda req: Reply(chunks=("China may buy 500 ", "Boeing jets [1]."), chunk_delay=5)
    )
    answer = bot.ask(QUESTION)
    assert answer.partial
    assert answer.error and "time" in answer.error
    # what arrived before the stall is kept, checked like a whole answer
    assert answer.text.startswith("China may buy 500")


def test_cancel_stops_the_model(bot: Assistant, llm_server: FakeLLM) -> None:
    llm_server.respond(
        lambda req: Reply(
            chunks=(*cite_fact(req, ["China may buy 500 Boeing jets [{n}]."]), *[" and"] * 200),
            chunk_delay=0.02,
        )
    )
    stream = bot.stream(QUESTION)
    got = []
    for chunk in stream:
        got.append(chunk)
        if len(got) == 2:
            stream.cancel()
    answer = stream.answer()
    assert answer.partial and answer.error == "cancelled"
    assert len(got) <= 3
    # the HTTP stream is closed, so the server stops sending
    assert llm_server.disconnected.wait(5)


def test_missing_api_key_without_base_url(seed_dir: Path) -> None:
    bot = make_assistant(seed_dir, llm__provider="openai")
    with pytest.raises(LLMError, match="OPENAI_API_KEY"):
        bot.ask(QUESTION)
