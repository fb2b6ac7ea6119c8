"""Conversations and asyncio: follow-ups rewritten with history, `aask` and `astream`."""

from __future__ import annotations

from datetime import date

import pytest
from answering import QUESTION, cite_fact
from conftest import (
    SEED_ID,
)
from servers.llm_server import FakeLLM, Reply, Request

from assistant import Assistant, Turn
from assistant.answer.markers import strip_markers
from assistant.errors import LLMError

# -- chat -----------------------------------------------------------------------------------------

REWRITE = "How many Boeing jets could China buy during Trump's state visit?"


def test_follow_ups_are_condensed_with_history(bot: Assistant, llm_server: FakeLLM) -> None:
    def reply(request: Request) -> str | list[str]:
        if request.is_condense:
            return f'"{REWRITE}"\n'
        return cite_fact(request, ["China may buy 500 Boeing commercial jets [{n}]."])

    llm_server.respond(reply)
    chat = bot.chat()
    first_question = "Is Trump planning a state visit to China?"
    first = chat.ask(first_question)
    assert llm_server.condense_requests == []  # the first turn is used as it is
    assert first.query == first_question
    second = chat.ask("And how many jets?")
    [condense] = llm_server.condense_requests
    assert first_question in condense.prompt
    assert date.today().isoformat() in condense.prompt
    assert "And how many jets?" in condense.prompt
    assert strip_markers(first.text)[:60] in condense.prompt  # the previous answer, unmarked
    assert condense.body["temperature"] == 0.0
    assert second.question == "And how many jets?"
    assert second.query == REWRITE  # quotes and the trailing newline are stripped
    # the model answering the follow-up sees the standalone question, not "And how many?"
    answer_prompt = llm_server.answer_requests[-1].messages[-1]["content"]
    assert f"Question: {REWRITE}" in answer_prompt
    assert [t.question for t in chat.turns] == [first_question, "And how many jets?"]
    assert second.citations and second.citations[0].article_id == SEED_ID


def test_a_follow_up_that_stands_on_its_own_is_not_rewritten(
    bot: Assistant, llm_server: FakeLLM
) -> None:
    llm_server.respond(
        lambda req: (
            '"Why might China buy Boeing jets?"'
            if req.is_condense
            else cite_fact(req, ["China may buy 500 Boeing commercial jets [{n}]."])
        )
    )
    chat = bot.chat()
    chat.ask("How many Boeing jets might China buy?")
    second = chat.ask("When might Xi visit the US?")
    assert llm_server.condense_requests == []  # nothing to wait for
    assert second.query == "When might Xi visit the US?"
    chat.ask("Why?")  # means nothing without the turns before it
    assert len(llm_server.condense_requests) == 1


def test_a_cancelled_answer_leaves_no_turn_and_a_chat_resumes_from_saved_turns(
    bot: Assistant, llm_server: FakeLLM
) -> None:
    llm_server.script(Reply.text(*["China may buy "] * 20, chunk_delay=0.05))
    chat = bot.chat()
    stream = chat.stream("How many Boeing jets might China buy?")
    for _ in stream:
        stream.cancel()
    assert stream.answer().partial and chat.turns == []
    resumed = bot.chat([Turn("How many Boeing jets might China buy?", "500 jets [1].")])
    llm_server.respond(lambda req: '"How many jets did Boeing sell?"' if req.is_condense else "")
    resumed.condense("And how many more?")
    [condense] = llm_server.condense_requests
    assert "500 jets" in condense.prompt  # the saved turn is the history


def test_extractive_chat_keeps_the_last_question_in_the_query(extractive: Assistant) -> None:
    chat = extractive.chat()
    chat.ask("Is Trump planning a state visit to China?")
    second = chat.ask("And how many jets?")
    assert second.query == "Is Trump planning a state visit to China? And how many jets?"


# -- asyncio --------------------------------------------------------------------------------------


async def test_aask(bot: Assistant, llm_server: FakeLLM) -> None:
    llm_server.respond(lambda req: cite_fact(req, ["China may buy ", "500 Boeing jets [{n}]."]))
    answer = await bot.aask(QUESTION)
    assert answer.text.startswith("China may buy 500 Boeing jets")
    assert answer.citations[0].article_id == SEED_ID


async def test_astream(bot: Assistant, llm_server: FakeLLM) -> None:
    llm_server.respond(lambda req: cite_fact(req, ["China may buy ", "500 Boeing jets [{n}]."]))
    stream = bot.astream(QUESTION)
    chunks = [chunk async for chunk in stream]
    answer = await stream.answer()
    assert "".join(chunks) == "China may buy 500 Boeing jets [1]."
    assert strip_markers(answer.text) == "China may buy 500 Boeing jets."
    assert answer.citations[0].article_id == SEED_ID


async def test_astream_answer_without_iterating(extractive: Assistant) -> None:
    answer = await extractive.astream(QUESTION).answer()
    assert "500" in answer.text


async def test_astream_error_reaches_the_caller(
    bot: Assistant,
    llm_server: FakeLLM,
) -> None:
    llm_server.script(Reply.fail(401))
    with pytest.raises(LLMError, match="API key"):
        async for _ in bot.astream(QUESTION):
            pass
