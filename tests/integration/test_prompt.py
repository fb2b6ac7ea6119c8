"""What reaches the model: the numbered passages, streaming, markers, prompt templates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from answering import (
    QUESTION,
    SEED_FACT,
    assert_consistent,
    assert_quotes_slice_articles,
    cite_fact,
    first_sentence,
    markers,
    openai_bot,
    sources_in,
)
from conftest import (
    REPO_ROOT,
    SEED_ID,
)
from servers.llm_server import FakeLLM

from assistant import Assistant
from assistant.answer.markers import strip_markers
from assistant.answer.prompts import fill

# -- the prompt ----------------------------------------------------------------------------------


def test_retrieved_passages_reach_the_prompt(bot: Assistant, llm_server: FakeLLM) -> None:
    llm_server.script(["China may buy ", "500 Boeing jets [", "1]."])
    answer = bot.ask(QUESTION)
    assert not answer.abstained
    [request] = llm_server.chat_requests
    body = request.body
    assert body["model"] == "test-model"
    assert body["stream"] is True
    assert body["max_tokens"] == bot.settings.llm.max_tokens
    assert body["temperature"] == pytest.approx(bot.settings.llm.temperature)
    system, user = request.messages
    today = date.today().isoformat()
    template = (REPO_ROOT / "prompts" / "system.txt").read_text(encoding="utf-8").strip()
    assert system == {"role": "system", "content": fill(template, today=today)}
    assert "{" not in system["content"]
    assert user["role"] == "user"
    assert SEED_FACT in user["content"]
    assert "[1] Media: Trump’s China visit" in user["content"]
    assert f"Question: {QUESTION}" in user["content"]
    blocks = sources_in(request)
    assert sorted(blocks) == list(range(1, bot.settings.answer.k + 1))
    assert any(SEED_FACT in b for b in blocks.values())


def test_streamed_chunks_reassemble_the_answer(
    bot: Assistant,
    llm_server: FakeLLM,
    seed_text: str,
) -> None:
    llm_server.respond(
        lambda req: cite_fact(req, ["The deal covers ", "500 Boeing jets [", "{n}]."])
    )
    stream = bot.stream(QUESTION)
    chunks = list(stream)
    # the "[" is held back until the number arrives, then shown renumbered
    assert chunks == ["The deal covers ", "500 Boeing jets ", "[1]."]
    answer = stream.answer()
    assert stream.text() == answer.text
    assert strip_markers("".join(chunks)) == strip_markers(answer.text)
    assert "The deal covers 500 Boeing jets" in answer.text
    assert markers(answer.text) == [1]
    [cite] = answer.citations
    assert cite.n == 1 and cite.article_id == SEED_ID
    assert cite.supported and not cite.attached
    assert SEED_FACT in cite.quote
    assert seed_text[cite.start : cite.end] == cite.quote
    assert set(answer.timings) >= {"retrieve", "first_token", "total"}
    assert answer.timings["retrieve"] <= answer.timings["first_token"] <= answer.timings["total"]
    assert answer.provider == "openai" and answer.model == "test-model"
    assert_consistent(answer)
    assert not answer.partial and answer.error is None


def test_unknown_markers_are_dropped(
    bot: Assistant,
    llm_server: FakeLLM,
    seed_text: str,
) -> None:
    """Four sources in the prompt; the model cites [1] and [7]."""
    llm_server.respond(lambda req: [first_sentence(req, 1) + " [", "1]. Also [7]."])
    stream = bot.stream(QUESTION)
    streamed = "".join(stream)
    answer = stream.answer()
    request = llm_server.chat_requests[0]
    blocks = sources_in(request)
    assert len(blocks) == 4
    assert "[7]" not in streamed and "[7]" not in answer.text
    assert streamed.endswith("[1]. Also .")  # shown as it streamed...
    assert answer.text.endswith("[1] Also.")  # ...and tidied in the final text
    assert answer.dropped_markers == 1
    assert answer.to_dict()["dropped_markers"] == 1
    [cite] = answer.citations
    assert cite.n == 1
    assert cite.article_id == SEED_ID
    assert " ".join(cite.title.split()[:5]) in blocks[1]
    assert not cite.attached and cite.supported  # the model's [1], kept as it is
    assert seed_text[cite.start : cite.end] == cite.quote
    assert cite.quote in " ".join(blocks[1].split())  # quoted from the first source
    assert_consistent(answer)


def test_done_means_five_sources_first_cited_seven_dropped(
    five_dir: Path,
    llm_server: FakeLLM,
) -> None:
    """The issue's acceptance check: five sources in the prompt, a reply citing [1] and [7]:
    [7] disappears and [1] points at the first source."""
    bot = openai_bot(five_dir, llm_server, answer__k=5)
    llm_server.respond(lambda req: [first_sentence(req, 1) + " [1]. ", "Also soybeans [7]."])
    answer = bot.ask(QUESTION)
    [request] = llm_server.chat_requests
    blocks = sources_in(request)
    assert sorted(blocks) == [1, 2, 3, 4, 5]
    assert len({b.split("\n", 1)[0] for b in blocks.values()}) >= 2  # several articles
    hits = bot.answerer().retriever.search(QUESTION, 5)
    first_passage = " ".join(hits[0].text.split())
    body = blocks[1].split("\n", 1)[1].strip()  # the best sentences of the first hit
    assert all(part in first_passage for part in body.split(" … ")), body
    assert "[7]" not in answer.text
    assert answer.dropped_markers == 1
    assert markers(answer.text) == [1]
    [cite] = answer.citations
    assert cite.n == 1 and not cite.attached
    assert cite.article_id == hits[0].article_id == SEED_ID
    assert hits[0].start <= cite.start < cite.end <= hits[0].end  # within the first passage
    assert_quotes_slice_articles(bot, answer)
    assert_consistent(answer)
