"""A difference of two figures is worked out in code from each side's sentence, end to
end on a real store: the model is not asked, both sentences are quoted and cited, and a
question whose side the articles do not state goes to the model as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import jsonl_store, openai_assistant
from servers.llm_server import FakeLLM

from assistant import Step

ARTICLES: list[dict[str, Any]] = [
    {
        "id": "commodore",
        "title": "Commodore name sold again",
        "text": "The Commodore 64, launched in 1982, was one of the first affordable home "
        "computers. The firm behind it filed for bankruptcy in 1994 and its name was sold. "
        "Fans still run its games on emulators.",
    },
    {
        "id": "macintosh",
        "title": "Creator of the Mac dies",
        "text": "Jef Raskin, head of the team behind the first Macintosh computer, has died. "
        "He joined Apple in 1978 as employee number 31. The result was the 1984 Macintosh, "
        "which did away with the text-based interface of its day.",
    },
    {
        "id": "growth",
        "title": "Economy beats forecasts",
        "text": "The economy grew by 1.1 per cent in the September quarter. Economists had "
        "expected growth of about 0.9 per cent, the market consensus. Interest rates were "
        "left at 4.25 per cent.",
    },
]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return jsonl_store(tmp_path_factory, "differences", ARTICLES)


def test_years_between_two_reports_are_counted_not_guessed(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    llm_server.script("The Macintosh came 4 years after the Commodore 64 [1].")
    bot = openai_assistant(store_dir, llm_server)
    question = (
        "How many years after the launch of the Commodore 64 was the first Macintosh released?"
    )
    stream = bot.stream(question)
    steps = [e.text for e in stream.events() if isinstance(e, Step)]
    answer = stream.answer()
    assert answer.text.startswith("2 years apart (1982 and 1984)."), answer.text
    assert "launched in 1982" in answer.text and "the 1984 Macintosh" in answer.text
    assert [c.article_id for c in answer.citations] == ["commodore", "macintosh"]
    assert all(c.supported for c in answer.citations)
    assert "working out the difference" in steps
    assert not llm_server.answer_requests  # the model's "4 years" was never asked for


def test_a_difference_of_percentages_is_in_percentage_points(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    bot = openai_assistant(store_dir, llm_server)
    answer = bot.ask("By how much did September-quarter economic growth beat the consensus?")
    assert answer.text.startswith("A difference of 0.2 percentage points"), answer.text
    assert not llm_server.answer_requests


def test_a_side_the_articles_do_not_state_goes_to_the_model(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    llm_server.script("The articles don't say when the iPod was released.")
    bot = openai_assistant(store_dir, llm_server)
    answer = bot.ask("How many years after the launch of the Commodore 64 was the iPod released?")
    assert len(llm_server.answer_requests) == 1
    assert answer.abstained and not answer.citations
