"""How `assistant eval` scores: strict yes/no, whole-word labels, the paper's fact criterion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.eval import load_questions, select
from assistant.eval.metrics import fact_ranks, metrics
from assistant.eval.questions import Evidence, Question, first_yes_no, is_correct


def question(kind: str, accept: tuple[str, ...]) -> Question:
    return Question("q", "?", accept, (Evidence("a", "x"),), "comparison", kind)


@pytest.mark.parametrize(
    ("answer", "right"),
    [
        ("No, the two reports disagree [1].", True),
        ("I do not know; not stated [1].", False),  # "no" inside "not" and "know" is no "no"
        ("Yes and no.", False),  # the first word decides
        ("The answer is no [2].", True),
        ("Another view [1].", False),
    ],
)
def test_yes_no_is_scored_by_the_first_yes_or_no_word(answer: str, right: bool) -> None:
    assert is_correct(question("yes/no", ("no",)), answer, abstained=False) is right


def test_labels_count_as_whole_words_and_abstentions_never_count() -> None:
    consistent = question("label", ("consistent",))
    assert is_correct(consistent, "Consistent: both say so [1].", False)
    assert not is_correct(consistent, "The reports are inconsistent [1].", False)
    assert not is_correct(consistent, "Consistent", abstained=True)
    assert first_yes_no("Nothing here") is None


def test_facts_are_found_in_passages_as_the_paper_finds_them() -> None:
    passages = ["Other text.", "The trial of Sam Bankman-Fried started  Tuesday.", "More."]
    ranks = fact_ranks(passages, ["trial of Sam Bankman-Fried started Tuesday", "absent fact"])
    assert ranks["fact_first_rank"] == 2
    assert ranks["fact_ap"] == pytest.approx((1 / 2) / 2)  # one of two facts, at rank 2
    assert fact_ranks(passages, ["nowhere"])["fact_first_rank"] is None


def test_metrics_report_fact_level_and_article_level_side_by_side() -> None:
    rows = [
        {
            "null": False,
            "first_rank": 1,
            "all_in_4": True,
            "fact_first_rank": 2,
            "fact_ap": 0.5,
            "correct": True,
            "abstained": False,
            "cited": ["a"],
            "cited_ok": 1,
            "evidence_cited": 1,
            "evidence": 1,
            "seconds": 1.0,
        },
        {"null": True, "correct": False, "abstained": True, "cited": [], "seconds": 1.0},
    ]
    m = metrics(rows)
    assert m["hits@1"] == 1.0 and m["fact_hits@4"] == 1.0 and m["fact_mrr@10"] == 0.5
    assert m["fact_map@10"] == 0.5 and m["null_abstention"] == 1.0 and m["accuracy"] == 1.0
    retrieval_only = metrics([{**row, "answered": False} for row in rows])
    assert retrieval_only["hits@1"] == 1.0 and retrieval_only["fact_hits@4"] == 1.0
    assert retrieval_only["accuracy"] is None and retrieval_only["null_abstention"] is None


def test_a_multihop_file_loads_and_a_sample_is_reproducible(tmp_path: Path) -> None:
    rows = [
        {
            "id": f"m{n}",
            "question": f"q{n}?",
            "accept": ["yes"],
            "answer_kind": "yes/no",
            "mh_type": "comparison_query",
            "type": "multi",
            "evidence": [{"article": "mh-1", "quote": "x", "alt": []}],
        }
        for n in range(30)
    ] + [
        {
            "id": "n1",
            "question": "?",
            "accept": [],
            "answer_kind": "abstain",
            "mh_type": "null_query",
            "type": "null",
            "evidence": [],
        }
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    loaded = load_questions(path)
    assert loaded[0].type == "comparison" and loaded[0].kind == "yes/no"
    assert loaded[-1].is_null
    first = select(loaded, sample=5, seed=3)
    assert [q.id for q in first] == [q.id for q in select(loaded, sample=5, seed=3)]
    assert [q.id for q in select(loaded, limit=2)] == ["m0", "m1"]
