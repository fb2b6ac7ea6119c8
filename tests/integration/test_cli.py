"""Tests for the `assistant` console script, run as a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from commands import Result, assert_one_line_error, run_cli
from conftest import REPO_ROOT, SEED_ID

HIT_KEYS = {"article_id", "title", "source", "published", "text", "score", "start", "end"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """`assistant ingest seeds --json`, once for the module."""
    data = tmp_path_factory.mktemp("cli-data")
    return data, run_cli("ingest", "seeds", "--json", data_dir=data)


def test_ingest_json(seeded: tuple[Path, Result]) -> None:
    data, result = seeded
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["added"] == 1
    assert report["chunks"] > 0
    assert report["skipped"] == []
    assert any(data.iterdir()), "the index is written to ASSISTANT_DATA_DIR"


def test_search_json(seeded: tuple[Path, Result]) -> None:
    data, _ = seeded
    result = run_cli("search", "Boeing jets", "--json", "-k", "3", data_dir=data)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert isinstance(hits, list) and len(hits) == 3
    first = hits[0]
    assert HIT_KEYS <= set(first)
    assert first["article_id"] == SEED_ID
    assert "Boeing" in first["text"]
    assert isinstance(first["score"], float)
    assert isinstance(first["start"], int) and first["end"] > first["start"]
    text = (REPO_ROOT / "seeds" / SEED_ID).read_text(encoding="utf-8")
    for hit in hits:
        assert text[hit["start"] : hit["end"]] == hit["text"]


def test_articles_json(seeded: tuple[Path, Result]) -> None:
    data, _ = seeded
    result = run_cli("articles", "--json", data_dir=data)
    assert result.returncode == 0, result.stderr
    (article,) = json.loads(result.stdout)
    assert article["id"] == SEED_ID
    assert article["author"] == "Vafa Guliyeva"
    assert article["title"].startswith("Media: Trump")
    assert article["chunks"] > 0


def test_missing_path_is_a_one_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    line = assert_one_line_error(run_cli("ingest", str(missing), data_dir=tmp_path / "data"))
    assert str(missing) in line


def test_bad_config_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_cli(
        "articles", data_dir=tmp_path / "data", env={"ASSISTANT_LLM__PROVIDER": "nonsense"}
    )
    line = assert_one_line_error(result)
    assert "llm.provider" in line
