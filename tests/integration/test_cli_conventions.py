"""The command line behaves as command lines do (issue 15, item 8): `-h` is help, the
group's options work after the subcommand, every option says what it does, an empty
question is a usage error, piped output is plain rows, and no `None` in a table."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from commands import Result, run_cli
from conftest import SEED_ID, SEEDS, write

from assistant.cli.app import cli

QUESTION = "How many Boeing jets might China buy?"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("conventions-data")
    result = run_cli("ingest", str(SEEDS), data_dir=data)
    assert result.returncode == 0, result.stderr
    return data


@pytest.mark.parametrize("args", [["-h"], ["ask", "-h"], ["feeds", "add", "-h"]])
def test_dash_h_is_help(args: list[str], tmp_path: Path) -> None:
    result = run_cli(*args, data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: assistant")
    assert "-h, --help" in result.stdout


def test_group_options_after_the_subcommand(seeded: Path, tmp_path: Path) -> None:
    """`assistant articles --data-dir DIR` reads DIR, as `assistant --data-dir DIR
    articles` does; so does --config."""
    elsewhere = tmp_path / "not-this-one"
    after = run_cli("articles", "--json", "--data-dir", str(seeded), data_dir=elsewhere)
    before = run_cli("--data-dir", str(seeded), "articles", "--json", data_dir=elsewhere)
    assert after.returncode == 0, after.stderr
    assert [a["id"] for a in json.loads(after.stdout)] == [SEED_ID]
    assert after.stdout == before.stdout
    config = write(tmp_path / "other.toml", '[retrieval]\nmode = "nonsense"\n')
    bad = run_cli("search", "jets", "--config", str(config), data_dir=seeded)
    assert bad.returncode == 1 and "other.toml" in bad.stderr, bad.stderr
    nested = run_cli("feeds", "list", "--data-dir", str(seeded), "--json", data_dir=elsewhere)
    assert nested.returncode == 0 and json.loads(nested.stdout) == [], nested.stderr


def test_chat_takes_a_provider(seeded: Path) -> None:
    """`chat --provider` as `ask --provider` (here the plain prompt: stdin is a pipe)."""
    result = run_cli("chat", "--provider", "extractive", data_dir=seeded, stdin=QUESTION + "\n\n")
    assert result.returncode == 0, result.stderr
    assert "500 Boeing commercial jets" in result.stdout
    assert "extractive is answering" in result.stderr


@pytest.mark.parametrize("question", ["", "   "])
def test_an_empty_question_is_a_usage_error(seeded: Path, question: str) -> None:
    result = run_cli("ask", question, "--provider", "extractive", data_dir=seeded)
    assert result.returncode == 2, result.stdout
    assert "QUESTION" in result.stderr and "empty" in result.stderr
    assert result.stdout == ""
    assert run_cli("search", question, data_dir=seeded).returncode == 2


def _commands(group: click.Group, prefix: str = "assistant") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = [(prefix, group)]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
        else:
            found.append((f"{prefix} {name}", command))
    return found


def test_every_option_has_help_text() -> None:
    missing = [
        f"{name} {option.opts[0]}"
        for name, command in _commands(cli)
        for option in command.params
        if isinstance(option, click.Option) and not option.help
    ]
    assert missing == []


def test_piped_articles_are_one_plain_row_each(tmp_path: Path) -> None:
    """Piped into another program, `articles` prints one tab-separated row per article,
    not a table wrapped over many lines; the count goes to stderr."""
    long_title = "A very long headline about the harbour council " * 4
    records = [
        {
            "id": f"a{n}",
            "title": f"{long_title}{n}",
            "text": f"Ferries {n} run all day long.",
            "source": "Coast News",
            "published": "2025-09-01",
        }
        for n in range(3)
    ]
    corpus = write(tmp_path / "corpus.jsonl", "\n".join(json.dumps(r) for r in records))
    data = tmp_path / "data"
    assert run_cli("ingest", str(corpus), data_dir=data).returncode == 0
    result = run_cli("articles", data_dir=data)
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert len(rows) == 3
    for n, row in enumerate(rows):
        assert row.split("\t") == [
            f"a{n}",
            f"{long_title}{n}".strip(),
            "Coast News",
            "2025-09-01",
            "1",
        ]
    assert "3 articles" in result.stderr


def test_eval_leaves_empty_cells_blank(seeded: Path, tmp_path: Path) -> None:
    """A metric with no data (no null questions here) is a blank cell, not `None`."""
    question = {
        "id": "q1",
        "question": QUESTION,
        "accept": ["500"],
        "evidence": [{"article": SEED_ID, "quote": "500 Boeing commercial jets"}],
        "type": "single",
    }
    questions = write(tmp_path / "questions.jsonl", json.dumps(question) + "\n")
    result: Result = run_cli(
        "eval",
        "--corpus",
        str(SEEDS),
        "--questions",
        str(questions),
        "--provider",
        "extractive",
        data_dir=tmp_path / "eval-data",
    )
    assert result.returncode == 0, result.stderr
    assert "null_abstention" in result.stdout
    assert "None" not in result.stdout
