"""The check of every answer: abstention, attached and re-pointed citations, flags."""

from __future__ import annotations

from pathlib import Path

from answering import (
    OFF_TOPIC,
    QUESTION,
    SEED_FACT,
    assert_consistent,
    assert_quotes_slice_articles,
    cite_fact,
    fact_source,
    markers,
    openai_bot,
    sources_in,
)
from conftest import (
    SEED_ID,
)
from servers.llm_server import FakeLLM, Request

from assistant import Assistant
from assistant.answer.check.replies import ABSTAIN_TEXT

# -- abstention -----------------------------------------------------------------------------------


def test_model_abstention_has_no_citations(bot: Assistant, llm_server: FakeLLM) -> None:
    llm_server.script(["I couldn't find ", "that in the articles."])
    answer = bot.ask("On what exact date will Trump arrive in Beijing?")
    assert answer.abstained
    assert answer.citations == ()
    assert answer.text == ABSTAIN_TEXT


def test_abstention_with_a_stray_marker_reads_cleanly(bot: Assistant, llm_server: FakeLLM) -> None:
    llm_server.script("The articles do not say when Trump arrives [1].")
    answer = bot.ask("On what exact date will Trump arrive in Beijing?")
    assert answer.abstained and answer.citations == ()
    assert answer.text == "The articles do not say when Trump arrives."


def test_off_topic_question_abstains_without_calling_the_model(
    bot: Assistant,
    llm_server: FakeLLM,
) -> None:
    stream = bot.stream(OFF_TOPIC)
    streamed = "".join(stream)
    answer = stream.answer()
    assert answer.abstained and answer.citations == ()
    assert streamed == answer.text == ABSTAIN_TEXT
    assert llm_server.requests == []


def test_extractive_off_topic_abstains(extractive: Assistant) -> None:
    stream = extractive.stream(OFF_TOPIC)
    streamed = "".join(stream)
    answer = stream.answer()
    assert answer.abstained and answer.citations == ()
    assert streamed == answer.text == ABSTAIN_TEXT
    assert answer.provider == "extractive" and answer.model == "none"


def test_empty_model_reply_abstains_and_streams_the_abstention(
    bot: Assistant,
    llm_server: FakeLLM,
) -> None:
    llm_server.script([""])
    stream = bot.stream(QUESTION)
    streamed = "".join(stream)
    answer = stream.answer()
    assert answer.abstained
    assert streamed == answer.text == ABSTAIN_TEXT


# -- the citation check ----------------------------------------------------------------------------


def test_sentence_without_marker_gets_its_passage_attached(
    bot: Assistant,
    llm_server: FakeLLM,
) -> None:
    llm_server.script("The US wants China to buy 500 Boeing commercial jets during Trump's visit.")
    answer = bot.ask(QUESTION)
    assert not answer.abstained
    [cite] = answer.citations
    assert cite.attached and cite.supported
    assert cite.article_id == SEED_ID and SEED_FACT in cite.quote
    assert markers(answer.text) == [1]
    assert answer.text.startswith("The US wants China to buy 500 Boeing commercial jets")
    assert_quotes_slice_articles(bot, answer)


def test_terse_answer_gets_its_passage_attached(bot: Assistant, llm_server: FakeLLM) -> None:
    """A bare "500" (small models answer like that) is checked with its question and cited."""
    llm_server.script("500")
    answer = bot.ask(QUESTION)
    assert not answer.abstained
    [cite] = answer.citations
    assert cite.attached and cite.supported and "500 Boeing" in cite.quote
    assert answer.text == "500 [1]"


def test_sentences_about_the_passages_are_dropped(bot: Assistant, llm_server: FakeLLM) -> None:
    """Small models add "This is stated in Passage 1.": it says nothing and is removed."""
    llm_server.respond(
        lambda req: cite_fact(
            req, ["China may buy 500 Boeing jets [{n}]. This is stated in Passage {n}."]
        )
    )
    answer = bot.ask(QUESTION)
    assert answer.text == "China may buy 500 Boeing jets. [1]" or answer.text.startswith(
        "China may buy 500 Boeing jets"
    )
    assert "stated" not in answer.text and "Passage" not in answer.text
    assert len(answer.citations) == 1


def test_short_unmarked_sentence_gets_nothing_attached(
    bot: Assistant,
    llm_server: FakeLLM,
) -> None:
    llm_server.respond(lambda req: cite_fact(req, ["China may buy 500 Boeing jets [{n}]. Jets."]))
    answer = bot.ask(QUESTION)
    assert markers(answer.text) == [1]
    assert answer.text.endswith("Jets.")
    [cite] = answer.citations
    assert not cite.attached


def test_uncited_unsupported_answer_abstains(bot: Assistant, llm_server: FakeLLM) -> None:
    """Nothing the model said is backed by a passage: an abstention, not a guess."""
    llm_server.script("700 jets.")
    answer = bot.ask(QUESTION)
    assert answer.abstained and answer.citations == ()
    assert answer.text == ABSTAIN_TEXT


def test_citation_to_the_wrong_passage_is_repointed(
    bot: Assistant,
    llm_server: FakeLLM,
) -> None:
    """The model cites a passage that lacks the claim: the passage that has it is cited."""

    def reply(request: Request) -> str:
        bad = next(n for n, b in sources_in(request).items() if "Boeing" not in b)
        assert bad != fact_source(request)
        return f"The US wants China to buy 500 Boeing commercial jets during the visit [{bad}]."

    llm_server.respond(reply)
    answer = bot.ask(QUESTION)
    [cite] = answer.citations
    assert SEED_FACT in cite.quote
    assert cite.supported
    assert cite.attached  # the assistant chose this passage, not the model
    assert markers(answer.text) == [1]


def test_unsupported_claim_is_flagged(bot: Assistant, llm_server: FakeLLM) -> None:
    """One claim backed by its source, one that no passage backs: the second citation is
    kept and flagged weak."""

    def reply(request: Request) -> str:
        fact = fact_source(request)
        other = next(n for n in sources_in(request) if n != fact)
        return (
            f"The US wants China to buy 500 Boeing commercial jets during the visit [{fact}]. "
            f"The agreement also includes eighty nuclear submarines for the navy [{other}]."
        )

    llm_server.respond(reply)
    answer = bot.ask(QUESTION)
    assert not answer.abstained
    assert markers(answer.text) == [1, 2]
    good, weak = answer.citations
    assert good.supported and SEED_FACT in good.quote
    assert not weak.supported
    assert weak.score < bot.settings.answer.min_support <= good.score
    assert not weak.attached
    assert_consistent(answer)


def test_only_unsupported_claims_abstain(bot: Assistant, llm_server: FakeLLM) -> None:
    llm_server.script("The agreement includes eighty nuclear submarines for the navy [1].")
    answer = bot.ask(QUESTION)
    assert answer.abstained and answer.citations == ()
    assert answer.text == ABSTAIN_TEXT


def test_a_misread_figure_is_answered_by_the_sentence_it_came_from(
    bot: Assistant, llm_server: FakeLLM
) -> None:
    """The model copies the answering sentence with another figure: the answer is the
    sentence as the article writes it, cited and supported; the model's figure is gone."""

    def reply(request: Request) -> str:
        return (
            "The US is pushing for China to make major purchases of American goods, including "
            f"a potential deal for 300 Boeing commercial jets [{fact_source(request)}]."
        )

    llm_server.respond(reply)
    answer = bot.ask(QUESTION)
    assert not answer.abstained
    assert SEED_FACT in answer.text and "300" not in answer.text
    [cite] = answer.citations
    assert cite.supported and SEED_FACT in cite.quote
    assert_consistent(answer)


def test_citations_are_numbered_by_first_appearance(
    five_dir: Path,
    llm_server: FakeLLM,
) -> None:
    bot = openai_bot(five_dir, llm_server, answer__k=5)

    def reply(request: Request) -> str:
        blocks = sources_in(request)
        fact = fact_source(request)
        ferry = next(n for n, b in blocks.items() if "ferry" in b.lower())
        return (
            f"The harbour council approved a new ferry timetable on Tuesday [{ferry}]. "
            f"The US wants China to buy 500 Boeing commercial jets during the visit [{fact}]."
        )

    llm_server.respond(reply)
    answer = bot.ask("ferry timetable and Boeing jets")
    assert markers(answer.text) == [1, 2]
    assert [c.n for c in answer.citations] == [1, 2]
    assert answer.citations[0].article_id == "harbour"
    assert answer.citations[1].article_id == SEED_ID
    assert all(c.supported for c in answer.citations)
    assert_quotes_slice_articles(bot, answer)


def test_filters_reach_retrieval(five_dir: Path, llm_server: FakeLLM) -> None:
    bot = openai_bot(five_dir, llm_server, answer__k=5)
    llm_server.script("The harbour council approved a new ferry timetable [1].")
    answer = bot.ask("What did the harbour council approve?", source="Coast News")
    [request] = llm_server.chat_requests
    blocks = sources_in(request)
    assert blocks and all("Harbour council" in b.split("\n", 1)[0] for b in blocks.values())
    assert [c.article_id for c in answer.citations] == ["harbour"]
    # a filter nothing matches: no passages, an abstention, and no call to the model
    answer = bot.ask(QUESTION, since="2030-01-01")
    assert answer.abstained and len(llm_server.chat_requests) == 1


def test_fake_server_speaks_both_protocols(llm_server: FakeLLM) -> None:
    """The fixture itself: the openai SDK reads its streaming and non-streaming replies."""
    from openai import OpenAI

    client = OpenAI(api_key="k", base_url=llm_server.url + "/v1", max_retries=0)
    llm_server.script(["Hello ", "world."], ["Hello ", "again."])
    done = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=False
    )
    assert done.choices[0].message.content == "Hello world."
    assert done.choices[0].finish_reason == "stop"
    events = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    deltas = [e.choices[0].delta.content for e in events if e.choices]
    assert "".join(d or "" for d in deltas) == "Hello again."
    assert [r.body["stream"] for r in llm_server.requests] == [False, True]
    assert llm_server.requests[0].messages == [{"role": "user", "content": "hi"}]
