"""Tests for context assembly: which sentences of which passages the model is shown.

A local model's time to first token grows with the prompt, so the answer prompt carries the
best sentences within `answer.context_words`, drawn from the retrieved passages and the other
passages of the best articles. These tests drive the `openai` provider against the fake
server (tests/llm_server.py) to see the prompt the model gets and what its citations become.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SEED_ID, SEEDS, build_store, jsonl_store, make_assistant, openai_assistant
from servers.llm_server import FakeLLM, Request

from assistant.answer.check.replies import is_abstention
from assistant.answer.check.support import passage_sentences

QUESTION = "How many Boeing jets might China buy?"
SEED_FACT = "500 Boeing commercial jets"
SOURCE_HEAD = re.compile(r"^\[(\d+)\] .*$", re.M)

OSCAR = [
    {
        "id": "wasp-director",
        "title": "Director thanks cast after Oscar win",
        "text": "The director of the short film Wasp thanked her cast on Monday. She said the "
        "Oscar was a surprise and that the whole crew had worked for almost nothing.",
    },
    {
        "id": "wasp-film",
        "title": "British short film wins an Oscar",
        "text": "A British film won the Oscar for best live-action short on Sunday. Set in "
        "her native Dartford, Wasp tells the story of a young mum, who, unable to find a "
        "babysitter, leaves her four young daughters outside a pub while she is on a date.",
    },
]
OSCAR_QUESTION = "In which town is the Oscar-winning short film about a young mum on a date set?"


def blocks(request: Request) -> dict[int, str]:
    """The numbered sources of an answer prompt: {n: passage text}."""
    user = request.messages[-1]["content"]
    heads = list(SOURCE_HEAD.finditer(user))
    out = {}
    for head, after in zip(heads, [*heads[1:], None], strict=True):
        end = after.start() if after else user.index("\n\nQuestion:")
        out[int(head.group(1))] = user[head.end() : end].strip()
    return out


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("context-seed")
    build_store(data_dir, SEEDS)
    return data_dir


@pytest.fixture(scope="module")
def oscar_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return jsonl_store(tmp_path_factory, "oscar", OSCAR)


bot = openai_assistant


def test_sentences_keep_decimals_titles_and_initials() -> None:
    text = (
        "Profits rose 20% to £4.6bn ($8.6bn). Mr. Smith said it was 13.2% higher than "
        'expected. J. K. Rowling agreed.\n"Yes," he said on Tuesday. The company is earning '
        "about $1.8m an hour."
    )
    assert [text[a:b] for a, b in passage_sentences(text)] == [
        "Profits rose 20% to £4.6bn ($8.6bn).",
        "Mr. Smith said it was 13.2% higher than expected.",
        "J. K. Rowling agreed.",
        '"Yes," he said on Tuesday.',
        "The company is earning about $1.8m an hour.",
    ]


def test_word_budget_shortens_the_prompt_and_keeps_the_answer(
    seed_dir: Path, llm_server: FakeLLM
) -> None:
    def reply(request: Request) -> str:
        n = next(n for n, text in blocks(request).items() if SEED_FACT in text)
        return f"China may buy 500 Boeing commercial jets [{n}]."

    llm_server.respond(reply)
    whole = bot(seed_dir, llm_server, answer__passage_sentences=0, answer__context_words=0)
    whole.ask(QUESTION)
    short = bot(seed_dir, llm_server, answer__context_words=40)
    answer = short.ask(QUESTION)
    full_prompt, short_prompt = (r.messages[-1]["content"] for r in llm_server.answer_requests)
    assert len(short_prompt.split()) < len(full_prompt.split()) / 2
    shown = blocks(llm_server.answer_requests[1]).values()
    passage_words = sum(len(text.split()) for text in shown)
    assert passage_words <= 40 + 15  # the first sentence always goes in, even a long one
    # the numbers the model saw still lead to the right passage of the article
    [cite] = answer.citations
    assert cite.article_id == SEED_ID and SEED_FACT in cite.quote and cite.supported
    article = short.article(SEED_ID)
    assert article is not None and article.text[cite.start : cite.end] == cite.quote


def test_budget_leaves_out_passages_with_nothing_chosen(
    seed_dir: Path, llm_server: FakeLLM
) -> None:
    llm_server.script("I couldn't find that in the articles.")
    bot(seed_dir, llm_server, answer__context_words=25, answer__expand_articles=0).ask(QUESTION)
    shown = blocks(llm_server.answer_requests[0])
    assert sorted(shown) == list(range(1, len(shown) + 1))
    assert 1 <= len(shown) < 4  # four passages were retrieved


def test_expansion_reads_the_rest_of_the_best_article(seed_dir: Path) -> None:
    assistant = make_assistant(seed_dir)
    [hit] = assistant.retriever.search(QUESTION, 1)
    more = assistant.retriever.expand([hit], 1)
    assert more[0] == hit
    assert {h.article_id for h in more} == {SEED_ID}
    assert len({h.chunk_id for h in more}) == len(more) == assistant.store.count()[1]
    assert [h.start for h in more[1:]] == sorted(h.start for h in more[1:])


def test_terse_answer_citing_a_passage_without_its_words_is_repointed(
    oscar_dir: Path, llm_server: FakeLLM
) -> None:
    """The model cites "Dartford, Wasp" to the passage naming the film but not the town."""

    def reply(request: Request) -> str:
        n = next(n for n, text in blocks(request).items() if "Dartford" not in text)
        return f"Dartford, Wasp [{n}]"

    llm_server.respond(reply)
    answer = bot(oscar_dir, llm_server).ask(OSCAR_QUESTION)
    assert not answer.abstained
    [cite] = answer.citations
    assert cite.article_id == "wasp-film" and "Dartford" in cite.quote and cite.supported


def test_a_quoted_unable_to_find_is_an_answer_not_an_abstention(
    oscar_dir: Path, llm_server: FakeLLM
) -> None:
    llm_server.script(
        "Dartford. Wasp tells the story of a young mum, who, unable to find a babysitter, "
        "leaves her four young daughters outside a pub."
    )
    answer = bot(oscar_dir, llm_server).ask(OSCAR_QUESTION)
    assert not answer.abstained
    assert answer.text.startswith("Dartford")
    assert [c.article_id for c in answer.citations] == ["wasp-film"]
    assert is_abstention("I couldn't find that in the articles.")
    assert is_abstention("The passages do not mention the price.")
    assert not is_abstention("Unable to find a babysitter, she left them outside.")


def test_a_claim_about_another_year_is_not_support(oscar_dir: Path, llm_server: FakeLLM) -> None:
    """Asked about 2005, the model tells of 2004: no passage backs that as the answer."""
    llm_server.script("Wasp won the Oscar in 2004 [1].")
    answer = bot(oscar_dir, llm_server).ask("Which short film won the Oscar in 2005?")
    assert answer.abstained and answer.citations == ()


def test_a_number_without_its_unit_is_not_support(seed_dir: Path, llm_server: FakeLLM) -> None:
    """The article's 500 is jets, not tonnes of soybeans: a small model's favourite slip."""
    question = "How many tonnes of US soybeans has China agreed to buy as part of the deal?"
    llm_server.script("China agreed to buy 500 tonnes of US soybeans as part of the deal [1].")
    answer = bot(seed_dir, llm_server).ask(question)
    assert answer.abstained and answer.citations == ()
    llm_server.script("500 [1]")
    jets = bot(seed_dir, llm_server).ask(QUESTION)
    assert not jets.abstained and SEED_FACT in jets.citations[0].quote


COMPUTERS = [
    {
        "id": "c64",
        "title": "Commodore brand could return",
        # two years in the launch sentence: code cannot tell which is the launch
        # (`answer.sides`), so the model answers and the check reads its figures
        "text": "The Commodore 64, launched in 1982 and sold until 1994, was one of the first "
        "affordable home computers. Millions of people learned to program on it.",
    },
    {
        "id": "mac",
        "title": "Creator of the first Apple Mac dies",
        "text": "Jef Raskin led the team behind the first Macintosh computer. The 1984 release "
        "of the Mac reflected his belief that computers should be easy to use.",
    },
]
YEARS_QUESTION = (
    "How many years after the launch of the Commodore 64 was the first Macintosh released?"
)


@pytest.fixture(scope="module")
def computers_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return jsonl_store(tmp_path_factory, "computers", COMPUTERS)


def test_a_computed_difference_is_checked_by_its_parts(
    computers_dir: Path, llm_server: FakeLLM
) -> None:
    """ "1982 … 1984, so 2 years": the 2 is the passages' difference, not a quote to find."""

    def reply(request: Request, years: int) -> str:
        c64 = next(n for n, text in blocks(request).items() if "1982" in text)
        mac = next(n for n, text in blocks(request).items() if "1984" in text)
        return (
            f"The Commodore 64 was launched in 1982 [{c64}] and the first Macintosh was "
            f"released in 1984 [{mac}], {years} years later."
        )

    llm_server.respond(lambda request: reply(request, 2))
    answer = bot(computers_dir, llm_server).ask(YEARS_QUESTION)
    assert llm_server.answer_requests
    assert not answer.abstained and "2 years" in answer.text
    assert sorted(c.article_id for c in answer.citations) == ["c64", "mac"]
    assert all(c.supported for c in answer.citations), (answer.text, answer.citations)
    # a figure that is no difference of the passages' figures is still a figure to find
    llm_server.respond(lambda request: reply(request, 5))
    wrong = bot(computers_dir, llm_server).ask(YEARS_QUESTION)
    flags = {c.article_id: c.supported for c in wrong.citations}
    assert flags == {"c64": True, "mac": False}  # the claim with the 5 is flagged weak


def test_a_title_read_back_is_not_an_answer(oscar_dir: Path, llm_server: FakeLLM) -> None:
    """A small model sometimes answers with the head of a source, nearly word for word."""
    llm_server.script("A British short film wins an Oscar [1].")
    answer = bot(oscar_dir, llm_server).ask("Which film won the Oscar for best short?")
    assert answer.abstained and answer.citations == ()
