"""The embedded model end to end (slow: minutes on two cores)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from answering import QUESTION
from conftest import (
    SEED_ID,
    make_assistant,
)
from servers.llm_server import FakeLLM

from assistant import Assistant
from assistant.types import Citation

# -- the embedded model (slow) -------------------------------------------------------------------


@pytest.fixture
def _local_model() -> Iterator[None]:
    from assistant.models.local import local_available

    if not local_available():
        pytest.skip("the embedded model (llama-cpp-python and the model parts) is not installed")
    yield


@pytest.mark.slow
@pytest.mark.usefixtures("_local_model")
def test_warm_up_sends_nothing_to_the_server(bot: Assistant, llm_server: FakeLLM) -> None:
    """Warming up loads local models only: an OpenAI-compatible server is not called (or
    billed) until a question is asked."""
    bot.warm_up()
    assert llm_server.chat_requests == []
    llm_server.script("China may buy 500 Boeing jets [1].")
    assert not bot.ask(QUESTION).abstained


def test_local_model_end_to_end(seed_dir: Path, seed_text: str) -> None:
    bot = make_assistant(seed_dir, llm__provider="local")
    bot.warm_up()  # what the TUI does while you type: the system prompt is read now
    llama = bot.answerer().llm
    assert llama is not None and llama._llama.n_tokens > 0  # noqa: SLF001 - its KV cache
    answer = bot.ask(QUESTION)
    print("local answer:", answer.text, answer.timings)
    assert not answer.abstained
    assert "500" in answer.text
    assert any(c.article_id == SEED_ID for c in answer.citations)
    for c in answer.citations:
        assert seed_text[c.start : c.end] == c.quote
    cited: list[Citation] = [c for c in answer.citations if "500" in c.quote]
    assert cited and cited[0].supported


def test_the_readme_follow_up_flow_with_the_local_model(seed_dir: Path) -> None:
    """The README's chat (issue 15, item 1): after the Boeing question, "When might Xi
    visit the US?" stands on its own and is answered from the seed's APEC sentence."""
    chat = make_assistant(seed_dir, llm__provider="local").chat()
    first = chat.ask(QUESTION)
    assert "500" in first.text
    second = chat.ask("When might Xi visit the US?")
    print("local follow-up:", second.text, second.timings)
    assert not second.abstained, second.text
    said = second.text.lower()
    assert any(x in said for x in ("apec", "october 31", "next year")), second.text
    assert any(c.supported and "APEC" in c.quote for c in second.citations), second.citations
