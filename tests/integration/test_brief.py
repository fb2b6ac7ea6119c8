"""The briefing over real feeds: four outlets' RSS feeds on 127.0.0.1 carry reports of the
same events (wire copy, rewrites, paraphrases) and of look-alike events; `assistant brief
--since 2d --json` must group each event's reports into one story, leave out older
articles, and cite every summary sentence with quotes from the articles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import make_assistant
from servers.llm_server import FakeLLM
from servers.wire import article_url, wire_data
from test_feeds import _cli

from assistant.text import CITATION_MARK, sentences

STORY_KEYS = {"title", "summary", "articles", "sources", "citations"}


def _gold() -> dict[str, set[str]]:
    stories: dict[str, set[str]] = {}
    for article in wire_data()["articles"]:
        if article["hours_ago"] <= 48:
            stories.setdefault(article["story"], set()).add(article_url(article))
    return stories


@pytest.fixture(scope="module")
def briefing(wire_store: Path) -> dict[str, Any]:
    args = ("brief", "--since", "2d", "--json", "--provider", "extractive")
    result = _cli(*args, data_dir=wire_store)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_brief_groups_each_events_reports_into_one_story(briefing: dict[str, Any]) -> None:
    assert set(briefing) == {"stories"}
    assert all(set(s) == STORY_KEYS for s in briefing["stories"])
    found = {frozenset(s["articles"]) for s in briefing["stories"]}
    gold = _gold()
    assert frozenset(gold["rates"]) in found, "three outlets' reports of the rate rise: one story"
    assert frozenset(gold["fire"]) in found, "two outlets' reports of the warehouse fire: one"
    assert frozenset(gold["barn"]) in found, "a different fire the same day stays apart"
    assert found == {frozenset(ids) for ids in gold.values()}
    first = briefing["stories"][0]
    assert set(first["articles"]) in (gold["rates"], gold["strike"])
    assert sorted(first["sources"]) == ["Capital Wire", "Harbour Times", "Northern Courier"] or (
        sorted(first["sources"]) == ["Capital Wire", "Northern Courier", "Valley Herald"]
    )


def test_brief_orders_by_outlets_then_recency_and_leaves_out_older_articles(
    briefing: dict[str, Any], wire_store: Path
) -> None:
    stories = briefing["stories"]
    outlets = [len(s["sources"]) for s in stories]
    assert outlets == sorted(outlets, reverse=True)
    old = next(a for a in wire_data()["articles"] if a["story"] == "rates-hold")
    listed = {a for s in stories for a in s["articles"]}
    assert article_url(old) not in listed  # published a week ago: not in the last 2 days
    assert article_url(old) in {a.id for a in make_assistant(wire_store).articles()}
    singles = [s for s in stories if len(s["sources"]) == 1]
    latest = [
        max(make_assistant(wire_store).article(a).published for a in s["articles"])  # type: ignore[union-attr]
        for s in singles
    ]
    assert latest == sorted(latest, reverse=True)


def test_every_summary_sentence_cites_its_articles_with_a_quote(
    briefing: dict[str, Any], wire_store: Path
) -> None:
    bot = make_assistant(wire_store)
    for story in briefing["stories"]:
        assert story["title"] and story["citations"], story
        said = sentences(story["summary"])
        assert 1 <= len(said) <= 3, story["summary"]
        numbers = {c["n"] for c in story["citations"]}
        for sentence in said:
            marks = {int(m) for m in CITATION_MARK.findall(sentence)}
            assert marks and marks <= numbers, sentence
        for citation in story["citations"]:
            assert citation["article_id"] in story["articles"]
            article = bot.article(citation["article_id"])
            assert article is not None and citation["quote"]
            assert article.text[citation["start"] : citation["end"]] == citation["quote"]
            assert citation["supported"]


def test_the_text_briefing_names_outlets_and_quotes(wire_store: Path) -> None:
    result = _cli("brief", "--since", "2d", "--provider", "extractive", data_dir=wire_store)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "1. " in text and "Capital Wire" in text and "“" in text
    assert "stories from 17 articles" in " ".join(result.stderr.split())
    bad = _cli("brief", "--since", "yesterday-ish", data_dir=wire_store)
    assert bad.returncode == 1 and "24h, 2d or 90m" in bad.stderr


def test_a_language_model_writes_summaries_that_are_checked(
    wire_store: Path, llm_server: FakeLLM
) -> None:
    def reply(request: Any) -> str:
        prompt = request.prompt
        if "4.5%" in prompt:
            return "The Reserve Bank of Norland raised its main interest rate to 4.5% [1][2]."
        if "Eastport" in prompt:  # a claim no report makes: the summary quotes instead
            return "Police arrested 3 men for starting the Eastport fire on purpose [1]."
        return "Something happened [1]."

    llm_server.respond(reply)
    bot = make_assistant(
        wire_store,
        llm__provider="openai",
        llm__base_url=llm_server.url + "/v1",
        llm__model="test-model",
        brief__llm_stories=4,
    )
    briefing = bot.brief("2d")
    assert len(llm_server.answer_requests) == 4, "only the first llm_stories stories"
    rates = next(s for s in briefing.stories if "Reserve Bank" in s.summary)
    assert rates.summary.startswith("The Reserve Bank of Norland raised its main interest rate")
    assert rates.citations and all(c.supported for c in rates.citations)
    fire = next(s for s in briefing.stories if "Eastport" in s.title)
    assert "arrested" not in fire.summary and fire.citations
    assert all(CITATION_MARK.search(s) for s in sentences(fire.summary))


def test_search_results_say_which_other_outlets_report_the_story(wire_store: Path) -> None:
    query = "Reserve Bank raises rate to 4.5%"
    result = _cli("search", query, "-k", "5", "--json", data_dir=wire_store)
    assert result.returncode == 0, result.stderr
    hits = {h["article_id"]: h for h in json.loads(result.stdout)}
    capital = hits["https://capital.example/capital-rates"]
    assert capital["also_reported_by"] == ["Harbour Times", "Northern Courier"]
    text = _cli("search", "warehouse fire Eastport", "-k", "3", data_dir=wire_store)
    assert "also reported by 1 outlet: " in " ".join(text.stdout.split())


def test_story_of_maps_near_copies_of_one_wire_story_to_one_id(wire_store: Path) -> None:
    store = make_assistant(wire_store).store
    ids = [article_url(a) for a in wire_data()["articles"]]
    stories = store.story_of(ids)
    rates = {stories[article_url(a)] for a in wire_data()["articles"] if a["story"] == "rates"}
    assert rates == {"https://capital.example/capital-rates"}, "the earliest report names it"
    assert stories["https://valley.example/valley-barn"] == "https://valley.example/valley-barn"
