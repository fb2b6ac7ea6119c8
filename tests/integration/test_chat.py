"""Conversations and asyncio: follow-ups rewritten with history, `aask` and `astream`."""

from __future__ import annotations

from datetime import date

import pytest
from answering import QUESTION, cite_fact
from conftest import (
    SEED_ID,
)
from servers.llm_server import FakeLLM, Reply, Request

from assistant import Assistant
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
