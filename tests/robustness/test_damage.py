"""Damage is not silent: a keyword index that is truncated is rebuilt from Chroma (the source
of truth) with a notice, and a Chroma file that lost its articles is reported as damage,
never as an empty index. `assistant index check` and `assistant index rebuild` say and fix
what can be fixed. Every command runs the real CLI in a subprocess on a real, damaged data
dir.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SEEDS, make_assistant
from test_freshness import cli

QUERY = "Boeing jets"


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("healthy")
    assert make_assistant(data_dir).ingest(SEEDS).added == 1
    return data_dir


@pytest.fixture
def damaged(healthy: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(healthy, tmp_path / "data"))


def keyword_files(data_dir: Path) -> list[Path]:
    """The keyword index's files (any folder beside Chroma's named after the collection)."""
    return [p for p in data_dir.glob("news_*/**/*") if p.is_file()]


def test_a_truncated_keyword_index_is_rebuilt_with_a_notice(damaged: Path) -> None:
    files = keyword_files(damaged)
    assert files
    for path in files:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    found = cli(damaged, "search", QUERY, "--mode", "bm25", "--json")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert hits and "Boeing" in " ".join(h["text"] for h in hits)
    notices = [line for line in found.stderr.splitlines() if line.startswith("notice: ")]
    assert len(notices) == 1 and "keyword index was rebuilt" in notices[0], found.stderr
    # repaired for good: the next command has nothing to say
    again = cli(damaged, "search", QUERY, "--mode", "bm25", "--json")
    assert again.returncode == 0 and "notice" not in again.stderr, again.stderr
    assert json.loads(again.stdout) == hits


def test_a_keyword_index_that_lost_passages_is_rebuilt(damaged: Path) -> None:
    bot = make_assistant(damaged)
    store = bot.store
    index = store.keyword_index
    index._open()
    with index._write_lock(), index._writer() as writer:  # two passages lost, same generation
        for chunk_id in index.chunk_ids()[:2]:
            writer.delete_documents_by_term("chunk_id", chunk_id)
    index.close()

    checked = cli(damaged, "index", "check", "--json")
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["ok"] and report["chunks"] == report["keyword_chunks"] == 4, report
    assert "held 2 passages where the vector store holds 4" in report["repaired"][0], report


def test_an_emptied_chroma_file_is_damage_not_an_empty_index(damaged: Path) -> None:
    (damaged / "chroma" / "chroma.sqlite3").write_bytes(b"")

    for command in (["articles"], ["search", QUERY], ["ingest", str(SEEDS)], ["index", "check"]):
        result = cli(damaged, *command)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "0 articles" not in result.stdout + result.stderr, command
        assert "chroma.sqlite3 was emptied or replaced" in lines[-1], (command, result.stderr)
        assert "keyword index knows 4" in lines[-1], lines

    rebuilt = cli(damaged, "index", "rebuild", "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout)["keyword_chunks"] == 0
    listed = cli(damaged, "articles", "--json")  # the loss is accepted: now simply empty
    assert listed.returncode == 0 and json.loads(listed.stdout) == [], listed.stderr
    assert cli(damaged, "ingest", str(SEEDS)).returncode == 0
    assert json.loads(cli(damaged, "search", QUERY, "--mode", "bm25", "--json").stdout)


def test_index_check_on_a_sound_index(healthy: Path) -> None:
    checked = cli(healthy, "index", "check", "--json")
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["ok"] and not report["problems"] and not report["repaired"], report
    assert (report["articles"], report["chunks"], report["keyword_chunks"]) == (1, 4, 4)
    assert report["generation"] == report["keyword_generation"] >= 1
