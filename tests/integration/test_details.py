"""The smaller things a new user noticed (issue 15, item 10), through the command line and
the API: a quote of quoted speech is quoted once, a derived title is not cut at "U.S.", a
search score says what it is, and a duplicate text is named as one on every ingest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from commands import run_cli
from conftest import SEED_FILE, make_assistant, write

MINISTER = (
    "“The deliverables are ready for the summit,” the trade minister said on Monday, "
    "adding that the Boeing order would be signed in Beijing."
)
LONG_FIRST_LINE = (
    "The U.S. Senate and the U.N. Security Council met on Monday to discuss the dispute over "
    "fishing rights in the northern waters, which has lasted for more than two decades now. "
    "Delegates said talks would go on."
)


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small-articles")
    write(
        folder / "minister.jsonl",
        json.dumps({"id": "minister", "title": "Trade minister", "text": MINISTER}) + "\n",
    )
    write(folder / "fishing.txt", LONG_FIRST_LINE + "\n\nMore on the fishing talks.\n")
    data = tmp_path_factory.mktemp("small-data")
    result = run_cli("ingest", str(folder), data_dir=data)
    assert result.returncode == 0, result.stderr
    return data


def test_a_quote_of_quoted_speech_is_quoted_once(small_dir: Path) -> None:
    result = run_cli(
        "ask",
        "What did the trade minister say about the deliverables?",
        "--provider",
        "extractive",
        data_dir=small_dir,
    )
    assert result.returncode == 0, result.stderr
    sources = result.stdout.partition("\nSources\n")[2]
    assert "“The deliverables are ready" in sources
    assert "““" not in sources


def test_a_derived_title_is_not_cut_at_initials(small_dir: Path) -> None:
    [info] = [a for a in make_assistant(small_dir).articles() if a.id == "fishing.txt"]
    assert info.title.startswith("The U.S. Senate and the U.N. Security Council met")


@pytest.mark.parametrize(
    ("mode", "label"),
    [("hybrid", "rank-fusion score"), ("vector", "similarity"), ("bm25", "bm25 score")],
)
def test_search_scores_say_what_they_are(small_dir: Path, mode: str, label: str) -> None:
    result = run_cli("search", "fishing rights talks", "--mode", mode, data_dir=small_dir)
    assert result.returncode == 0, result.stderr
    heads = [line for line in result.stdout.splitlines() if line.startswith("1. ")]
    assert heads and f"  {label} " in heads[0], result.stdout
    assert "  score " not in result.stdout


def test_a_duplicate_is_named_on_every_ingest(tmp_path: Path) -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    write(tmp_path / "dups" / "a.txt", text)
    write(tmp_path / "dups" / "b.txt", text)
    data = tmp_path / "data"
    first = run_cli("ingest", str(tmp_path / "dups"), data_dir=data)
    again = run_cli("ingest", str(tmp_path / "dups"), data_dir=data)
    for result in (first, again):
        assert result.returncode == 0, result.stderr
        assert "1 duplicates" in result.stderr
        assert "b.txt: duplicate of a.txt" in result.stderr
    assert "1 unchanged" in again.stderr
