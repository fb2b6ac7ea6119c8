"""Questions about several reports, end to end on a real store: each outlet's report is
found, the steps are shown, dates decide order, an unindexed outlet is named, and the
prompt carries every report's evidence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import jsonl_store, openai_assistant
from servers.llm_server import FakeLLM, Request

from assistant import Assistant, Step

ARTICLES: list[dict[str, Any]] = [
    {
        "id": "verge-fraud",
        "title": "Crypto founder goes on trial",
        "source": "The Verge",
        "published": "2023-10-03T10:00:00+00:00",
        "text": "The trial of the crypto exchange founder began in New York. Prosecutors "
        "said he took customer deposits to pay for luxury homes and political donations.",
    },
    {
        "id": "techcrunch-fraud",
        "title": "Exchange founder's trial opens with fraud claims",
        "source": "TechCrunch",
        "published": "2023-10-05T09:00:00+00:00",
        "text": "Jury selection finished and the fraud trial of the exchange founder opened. "
        "His lawyers said he acted in good faith and never meant to steal.",
    },
    {
        "id": "techcrunch-phones",
        "title": "A new folding phone arrives",
        "source": "TechCrunch",
        "published": "2023-10-06T09:00:00+00:00",
        "text": "The folding phone has a larger hinge and a brighter screen than last year.",
    },
    {
        "id": "fortune-fraud",
        "title": "Why the crypto trial matters for investors",
        "source": "Fortune",
        "published": "2023-10-04T12:00:00+00:00",
        "text": "Investors lost billions when the crypto exchange collapsed; the trial of its "
        "founder will decide whether customer deposits were taken on purpose.",
    },
] + [
    {
        "id": f"fortune-crypto-{n}",
        "title": f"Crypto exchange founder trial, day {n}",
        "source": "Fortune",
        "published": f"2023-10-{10 + n}T12:00:00+00:00",
        "text": f"On day {n} of the crypto exchange founder's fraud trial, witnesses spoke "
        "about customer deposits and the collapse of the exchange.",
    }
    for n in range(1, 7)
]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return jsonl_store(tmp_path_factory, "outlets", ARTICLES)


@pytest.fixture
def extractive(store_dir: Path) -> Assistant:
    return Assistant.from_config(None, store__data_dir=str(store_dir), llm__provider="extractive")


def test_each_outlet_named_gets_its_report_into_the_top_passages(extractive: Assistant) -> None:
    question = "Did both The Verge and TechCrunch report that the crypto founder's trial began?"
    plain = {h.article_id for h in extractive.retriever.search(question, 4)}
    found = [h.article_id for h in extractive.search(question, 4)]
    assert {"verge-fraud", "techcrunch-fraud"} <= set(found[:2])
    assert "techcrunch-phones" not in found[:2]
    # one search for the whole question lets Fortune's six trial stories crowd TechCrunch
    # out: that is what the parts are for
    assert "techcrunch-fraud" not in plain


def test_an_answer_shows_what_was_searched_and_streams_its_steps(extractive: Assistant) -> None:
    question = "Did both The Verge and TechCrunch report that the crypto founder's trial began?"
    stream = extractive.stream(question)
    events = list(stream.events())
    answer = stream.answer()
    steps = [e.text for e in events if isinstance(e, Step)]
    assert steps[:2] == ["searching The Verge", "searching TechCrunch"]
    assert answer.kind == "yes/no"
    assert [s.sources for s in answer.steps] == [("The Verge",), ("TechCrunch",)]
    assert answer.steps[0].articles[0] == "verge-fraud"
    assert {"verge-fraud", "techcrunch-fraud"} <= {c.article_id for c in answer.citations}
    data = answer.to_dict()
    assert data["kind"] == "yes/no" and data["steps"][1]["sources"] == ["TechCrunch"]


def test_a_date_next_to_an_outlet_limits_its_part(extractive: Assistant) -> None:
    question = "What did Fortune publish on October 4, 2023 about the crypto trial?"
    [part] = extractive.analyse(question).parts
    assert part.sources == ("Fortune",)
    hits = extractive.search(question, 3)
    assert hits[0].article_id == "fortune-fraud"
    assert all(h.published and h.published.startswith("2023-10-0") for h in hits)


def test_which_report_came_first_is_read_from_the_dates(extractive: Assistant) -> None:
    earlier = "Did The Verge report on the crypto trial before TechCrunch reported on it?"
    answer = extractive.ask(earlier)
    assert answer.text.startswith("Yes."), answer.text
    assert [c.article_id for c in answer.citations] == ["verge-fraud", "techcrunch-fraud"]
    assert all(c.supported for c in answer.citations)
    later = "Did The Verge report on the crypto trial after TechCrunch reported on it?"
    assert extractive.ask(later).text.startswith("No.")


def test_an_outlet_that_is_not_indexed_is_named_not_guessed(extractive: Assistant) -> None:
    answer = extractive.ask("What did a Bloomberg article say about the crypto trial?")
    assert answer.abstained and not answer.citations
    assert "Bloomberg" in answer.text


def test_the_prompt_carries_each_reports_evidence_with_its_outlet(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    bot = openai_assistant(store_dir, llm_server)
    # an undecided verdict on the first report leaves the question to the whole prompt
    llm_server.script(
        "Perhaps", "Yes. The Verge says the trial began [1] and TechCrunch agrees [2]."
    )
    question = "Did both The Verge and TechCrunch report that the crypto trial began?"
    answer = bot.ask(question)
    prompt = llm_server.answer_requests[-1].messages[-1]["content"]
    assert "The Verge: Crypto founder goes on trial" in prompt
    assert "TechCrunch: Exchange founder's trial opens" in prompt
    assert "Start your answer with Yes or No" in prompt
    assert not answer.abstained
    assert {c.article_id for c in answer.citations} == {"verge-fraud", "techcrunch-fraud"}


def test_assistant_ask_shows_the_steps_of_a_question_about_several_reports(
    store_dir: Path,
) -> None:
    from commands import run_cli

    question = "Did both The Verge and TechCrunch report that the crypto founder's trial began?"
    result = run_cli("ask", "--provider", "extractive", question, data_dir=store_dir)
    assert result.returncode == 0, result.stderr
    steps = [line for line in result.stderr.splitlines() if line.startswith("(searching")]
    assert steps == ["(searching The Verge…)", "(searching TechCrunch…)"]
    assert "searching" not in result.stdout  # the answer itself stays clean when piped


def test_a_verdict_on_two_reports_is_shown_with_what_each_report_says(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    # "both reports agree" is a reading no passage states: the verdict stays, and its
    # reasons become each report's own sentence, quoted and cited
    llm_server.script("Perhaps", "Yes, both reports agree that the trial is about fraud.")
    answer = openai_assistant(store_dir, llm_server).ask(
        "Did both The Verge and TechCrunch report that the crypto founder's fraud trial began?"
    )
    assert not answer.abstained, answer
    assert answer.text.startswith("Yes. "), answer.text
    assert "agree" not in answer.text
    cited = {c.article_id: c for c in answer.citations}
    assert set(cited) == {"verge-fraud", "techcrunch-fraud"}
    assert all(c.supported and c.quote in answer.text for c in cited.values())


CLAIMS = (
    "Does The Verge say prosecutors accused the founder of taking customer deposits, "
    "while TechCrunch says his lawyers claimed he acted in good faith?"
)


def _verdicts(**replies: str) -> Callable[[Request], str]:
    """Reply to each verdict prompt by the outlet it is about."""

    def reply(request: Request) -> str:
        head = request.messages[-1]["content"].splitlines()[0]
        return next(word for outlet, word in replies.items() if outlet in head)

    return reply


def test_a_yes_or_no_on_two_reports_asks_about_each_report_alone(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    llm_server.respond(_verdicts(Verge="Yes", TechCrunch="Yes."))
    answer = openai_assistant(store_dir, llm_server).ask(CLAIMS)
    verge, techcrunch = (r.messages[-1]["content"] for r in llm_server.answer_requests)
    # each prompt holds one report's sentences and its own clause, nothing of the other
    assert "Report from The Verge" in verge and "customer deposits" in verge
    assert "good faith" not in verge  # neither the other clause nor the other sentence
    assert "Report from TechCrunch" in techcrunch and "His lawyers said" in techcrunch
    assert answer.text.startswith("Yes. "), answer.text
    assert "“His lawyers said he acted in good faith and never meant to steal.” [" in answer.text
    cited = {c.article_id: c for c in answer.citations}
    assert set(cited) == {"verge-fraud", "techcrunch-fraud"}
    assert all(c.supported and c.quote in answer.text for c in cited.values())


def test_a_report_that_does_not_bear_its_claim_out_makes_the_answer_no_and_is_named(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    llm_server.respond(_verdicts(Verge="Yes", TechCrunch="No"))
    answer = openai_assistant(store_dir, llm_server).ask(CLAIMS)
    assert answer.text.startswith("No: TechCrunch does not say so. "), answer.text
    assert all(c.supported for c in answer.citations) and len(answer.citations) == 2


def test_a_verdict_that_is_neither_yes_nor_no_leaves_the_question_to_the_whole_prompt(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    llm_server.script("Perhaps", "Yes. The Verge says prosecutors spoke of deposits [1].")
    answer = openai_assistant(store_dir, llm_server).ask(CLAIMS)
    last = llm_server.answer_requests[-1].messages[-1]["content"]
    assert "Start your answer with Yes or No" in last  # the usual prompt, both reports
    assert answer.text.startswith("Yes."), answer.text


def test_an_unbacked_verdict_on_one_report_is_still_no_answer(
    store_dir: Path, llm_server: FakeLLM
) -> None:
    llm_server.script("Yes, the collapse surprised everyone.")
    answer = openai_assistant(store_dir, llm_server).ask(
        "Did the folding phone sell out on its first day?"
    )
    assert answer.abstained, answer


def test_a_reports_own_question_is_never_the_quote(
    tmp_path_factory: pytest.TempPathFactory, llm_server: FakeLLM
) -> None:
    # the question sentence matches the clause best, but states nothing: the quote is
    # the sentence that does
    store = jsonl_store(
        tmp_path_factory,
        "asking",
        [
            {
                "id": "guardian-judge",
                "title": "Yankees plan the outfield",
                "source": "The Guardian",
                "published": "2023-11-02T10:00:00+00:00",
                "text": "Will the Yankees keep Aaron Judge in centre field next season? "
                "The manager said Judge will move to right field to protect his knees.",
            },
            {
                "id": "espn-dodgers",
                "title": "Dodgers sign a pitcher",
                "source": "ESPN",
                "published": "2023-12-10T10:00:00+00:00",
                "text": "The Dodgers signed the Japanese pitcher to a record contract "
                "worth 700 million dollars over ten years.",
            },
        ],
    )
    llm_server.respond(_verdicts(Guardian="No", ESPN="Yes"))
    answer = openai_assistant(store, llm_server).ask(
        "Does The Guardian say the Yankees will keep Aaron Judge in centre field next "
        "season, while ESPN says the Dodgers signed the pitcher to a record contract?"
    )
    assert answer.text.startswith("No: The Guardian does not say so. "), answer.text
    assert "“The manager said Judge will move to right field to protect his knees.” [" in (
        answer.text
    )
    assert "centre field next season?" not in answer.text
