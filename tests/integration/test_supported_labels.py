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
        "and said her fitness had returned after a long injury: no pain, no doubts.",
    },
    {
        "id": "hilltop",
        "title": "Floods cut off Hill Top village",
        "source": "Wire",
        "text": "Floodwater cut the only road into Hill Top village on Monday. Residents "
        "stayed in their homes while the water rose, and council crews brought in sandbags "
        "and drinking water by tractor. The road is expected to reopen on Friday.",
    },
    {
        "id": "bloggers",
        "title": "Bloggers rally for jailed Iranians",
        "source": "Wire",
        "text": "Around 10,000 people visited the campaign's website during the day. About 12% "
        "of users were based in Iran, the campaign's director said. \"The eyes of 8 million "
        'bloggers are going to be more focused on Iran now."',
    },
    {
        "id": "halifax",
        "title": "House prices rebound says Halifax",
        "source": "Wire",
        "text": "House prices rose 0.5% in February, the Halifax said. Martin Ellis, its chief "
        "economist, said there was no need to revise the bank's prediction that prices "
        "would fall by 2% in 2005.",
    },
    {
        "id": "london",
        "title": "House price inflation steady in London",
        "source": "Wire",
        "text": "In London, the area with the highest average house price at £262,825, annual "
        "inflation rose only slightly in November to 7.1% from 7% the previous month.",
    },
    {
        "id": "barclays",
        "title": "Barclays sees slide in property prices",
        "source": "Wire",
        "text": "In November, Barclays, which owns former building society the Woolwich, "
        "forecast an 8% fall in property prices in 2005, followed by further declines.",
    },
]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return jsonl_store(tmp_path_factory, "labels", TENNIS)


def supported(answer: Answer) -> list[str]:
    return [c.quote for c in answer.citations if c.supported]


def reply(store_dir: Path, llm_server: FakeLLM, question: str, said: str) -> Answer:
    """The checked answer to `question` when the model replies `said`."""
    llm_server.script(said)
    return openai_assistant(store_dir, llm_server).ask(question)


def test_a_score_from_another_set_is_not_supported(store_dir: Path, llm_server: FakeLLM) -> None:
    answer = reply(
        store_dir,
        llm_server,
        "By what score did Monica Seles beat Virginie Razzano in the first set?",
        "Seles won 6-4 in the first set [1].",
    )
    assert not supported(answer), answer


def test_what_the_question_excludes_is_not_the_answer(seed_dir: Path, llm_server: FakeLLM) -> None:
    answer = reply(
        seed_dir,
        llm_server,
        "What else might China buy besides the jets?",
        "China may buy 500 Boeing commercial jets [1].",
    )
    assert not supported(answer), answer


def test_a_detail_the_article_never_states_is_not_supported(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    question = (
        "When the floodwater cut the only road into Hill Top village and the water kept "
        "rising through Monday, " * 20 + "where did the residents of Hill Top go?"
    )
    answer = reply(
        store_dir,
        llm_server,
        question,
        "The residents of Hill Top went to evacuation shelters [1].",
    )
    assert not supported(answer), answer


def test_a_percentage_the_passage_gives_as_another_figure_is_not_supported(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    # the passage holds the number 8 ("8 million bloggers"), but not 8%: the model's claim
    # is not shown; the sentence it misread is, as the article writes it
    answer = reply(
        store_dir,
        llm_server,
        "What share of visitors to the bloggers' campaign website were based in Iran?",
        "8% of users were based in Iran, the campaign's director said [1].",
    )
    assert "8%" not in answer.text and "About 12% of users were based in Iran" in answer.text
    assert answer.citations and all(c.supported for c in answer.citations)
    assert all("12%" in c.quote for c in answer.citations), answer


def test_a_claim_joining_two_reports_cites_both_as_supported(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    # no markers, and no one passage holds both halves: each half is backed by its own
    answer = reply(
        store_dir,
        llm_server,
        "What fall in house prices for 2005 did the Halifax and Barclays each predict?",
        "The Halifax predicted a 2% fall in house prices in 2005, while Barclays forecast "
        "an 8% fall.",
    )
    assert not answer.abstained, answer
    assert {c.article_id for c in answer.citations if c.supported} == {"halifax", "barclays"}


def test_a_reply_that_only_negates_the_question_is_not_supported(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    # every word of the reply is in the passage ("no" too), which says the opposite: the
    # negation is not shown; the sentence it misread is, as the article writes it
    answer = reply(
        store_dir,
        llm_server,
        "Did Monica Seles beat Virginie Razzano in the second round?",
        "No, Monica Seles did not beat Virginie Razzano in the second round [1].",
    )
    assert "not" not in answer.text.split() and "No" not in answer.text.split(), answer
    assert supported(answer) == [
        "Monica Seles beat France's Virginie Razzano 6-3 6-4 in the second round on Wednesday."
    ]


def test_a_long_claim_naming_what_its_passage_does_not_is_not_supported(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    # the figure and most words are the passage's; the region it names is not
    answer = reply(
        store_dir,
        llm_server,
        "Which English region had the highest annual rate of house price inflation in November?",
        "The West Midlands had the highest annual rate of house price inflation, at 7.1% "
        "from 7% the previous month [1].",
    )
    assert not supported(answer), answer


def test_a_sentence_about_another_year_is_not_requoted_as_the_answer(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    # the reply copies the Halifax sentence with the question's year in place of 2005: the
    # sentence it misread answers for 2005, not for the year asked about
    answer = reply(
        store_dir,
        llm_server,
        "By how much did the Halifax predict house prices would fall in 2006?",
        "Martin Ellis said there was no need to revise the bank's prediction that prices "
        "would fall by 2% in 2006 [1].",
    )
    assert answer.abstained and answer.citations == (), answer


def test_a_claim_numbering_another_event_of_a_series_is_not_supported(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    asked = "Who did Monica Seles beat in the third round?"
    wrong = reply(
        store_dir, llm_server, asked, "Seles beat Virginie Razzano in the third round [1]."
    )
    assert not supported(wrong), wrong  # the passage reports the second round, and no third
    asked = "Who did Monica Seles beat in the second round?"
    right = reply(
        store_dir, llm_server, asked, "Seles beat Virginie Razzano in the second round [1]."
    )
    assert supported(right), right
