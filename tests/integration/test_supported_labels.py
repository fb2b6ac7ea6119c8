"""Wrong claims are never labelled "supported" (issue 15, item 2): a score the passage
gives for another set, the thing the question excludes, and a detail the article never
states. Each reply comes from the OpenAI-protocol test server, as a small model wrote it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import jsonl_store, openai_assistant
from servers.llm_server import FakeLLM

from assistant import Answer

TENNIS = [
    {
        "id": "seles",
        "title": "Seles through in Paris",
        "source": "Wire",
        "text": "Monica Seles beat France's Virginie Razzano 6-3 6-4 in the second round on "
        "Wednesday. Seles, seeded third, lost only two games in the final eight of the match "
        "and said her fitness had returned after a long injury.",
    },
    {
        "id": "hilltop",
        "title": "Floods cut off Hill Top village",
        "source": "Wire",
        "text": "Floodwater cut the only road into Hill Top village on Monday. Residents "
        "stayed in their homes while the water rose, and council crews brought in sandbags "
        "and drinking water by tractor. The road is expected to reopen on Friday.",
    },
]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return jsonl_store(tmp_path_factory, "labels", TENNIS)


def supported(answer: Answer) -> list[str]:
    return [c.quote for c in answer.citations if c.supported]


def test_a_score_from_another_set_is_not_supported(store_dir: Path, llm_server: FakeLLM) -> None:
    llm_server.script("Seles won 6-4 in the first set [1].")
    answer = openai_assistant(store_dir, llm_server).ask(
        "By what score did Monica Seles beat Virginie Razzano in the first set?"
    )
    assert not supported(answer), answer


def test_what_the_question_excludes_is_not_the_answer(seed_dir: Path, llm_server: FakeLLM) -> None:
    llm_server.script("China may buy 500 Boeing commercial jets [1].")
    answer = openai_assistant(seed_dir, llm_server).ask(
        "What else might China buy besides the jets?"
    )
    assert not supported(answer), answer


def test_a_detail_the_article_never_states_is_not_supported(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    question = (
        "When the floodwater cut the only road into Hill Top village and the water kept "
        "rising through Monday, " * 20
        + "where did the residents of Hill Top go?"
    )
    llm_server.script("The residents of Hill Top went to evacuation shelters [1].")
    answer = openai_assistant(store_dir, llm_server).ask(question)
    assert not supported(answer), answer
