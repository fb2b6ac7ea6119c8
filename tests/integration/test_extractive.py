"""The extractive provider on the seed questions (no language model)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from answering import assert_quotes_slice_articles
from conftest import (
    SEED_ID,
    SHARED_EVAL,
)

from assistant import Assistant

# -- the extractive provider on the seed questions -------------------------------------------------


def seed_questions() -> list[dict[str, Any]]:
    path = SHARED_EVAL / "seed-qa.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_extractive_answers_the_seed_questions(extractive: Assistant) -> None:
    """Every answerable seed question is answered from the seed, citing a sentence that holds
    the evidence. The extractive provider quotes whole sentences, so the accepted answer
    string is usually, not always, among them (s003 quotes "talks in Spain", not "Madrid").
    It cannot tell that an on-topic question is unanswerable: null questions are counted,
    not asserted."""
    items = seed_questions()
    answerable = [q for q in items if q["type"] != "null"]
    unanswerable = [q for q in items if q["type"] == "null"]
    cited_evidence = contains_answer = 0
    report = []
    for item in answerable:
        answer = extractive.ask(item["question"])
        assert not answer.abstained, item["id"]
        assert answer.citations, item["id"]
        assert {c.article_id for c in answer.citations} == {SEED_ID}, item["id"]
        assert_quotes_slice_articles(extractive, answer)
        quotes = " ".join(c.quote for c in answer.citations)
        evidence = any(e["quote"] in quotes for e in item["evidence"])
        accepted = any(a.lower() in answer.text.lower() for a in item["accept"])
        cited_evidence += evidence
        contains_answer += accepted
        report.append(f"{item['id']}:{'E' if evidence else '-'}{'A' if accepted else '-'}")
    abstained = [q["id"] for q in unanswerable if extractive.ask(q["question"]).abstained]
    print(
        f"extractive seed-qa: {cited_evidence}/{len(answerable)} cite the evidence, "
        f"{contains_answer}/{len(answerable)} contain an accepted answer, "
        f"{len(abstained)}/{len(unanswerable)} null questions abstained; {report}"
    )
    assert cited_evidence == len(answerable)
    assert contains_answer >= len(answerable) - 1
