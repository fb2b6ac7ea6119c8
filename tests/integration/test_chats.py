"""`assistant chats list|show|export`: the chat's saved conversations, out of the chat,
with every source and quote (real answers from the extractive provider, saved in the real
SQLite history)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import make_assistant
from test_feeds import _cli

QUESTION = "How many Boeing jets might China buy?"


def _saved(seed_dir: Path, tmp_path: Path) -> tuple[Path, int]:
    data_dir = Path(shutil.copytree(seed_dir, tmp_path / "data"))
    bot = make_assistant(data_dir, llm__provider="extractive")
    chat = bot.chat()
    first = chat.ask(QUESTION)
    assert first.citations and not first.abstained
    conversation = bot.history.add_turn(None, first)
    bot.history.add_turn(conversation, chat.ask("Who is visiting whom?"))
    return data_dir, conversation


def test_chats_list_show_and_export(seed_dir: Path, tmp_path: Path) -> None:
    data_dir, conversation = _saved(seed_dir, tmp_path)
    listed = _cli("chats", "list", "--json", data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert (row["id"], row["title"], row["turns"]) == (conversation, QUESTION, 2)
    table = _cli("chats", "list", data_dir=data_dir)
    assert QUESTION in table.stdout

    md = _cli("chats", "export", str(conversation), data_dir=data_dir)
    assert md.returncode == 0, md.stderr
    saved = make_assistant(data_dir).history.turns(conversation)
    assert md.stdout.startswith(f"# {QUESTION}\n")
    assert f"## {QUESTION}" in md.stdout and "## Who is visiting whom?" in md.stdout
    quote = " ".join(saved[0].citations[0].quote.split())
    assert f"> {quote}" in md.stdout and "**Sources**" in md.stdout
    assert f"`{saved[0].citations[0].article_id}`" in md.stdout

    as_json = json.loads(
        _cli("chats", "export", str(conversation), "--format", "json", data_dir=data_dir).stdout
    )
    assert [t["question"] for t in as_json["turns"]] == [QUESTION, "Who is visiting whom?"]
    assert as_json["turns"][0]["citations"][0]["quote"] == saved[0].citations[0].quote

    shown = _cli("chats", "show", str(conversation), data_dir=data_dir)
    assert shown.returncode == 0 and "Sources" in shown.stdout and "500" in shown.stdout

    missing = _cli("chats", "export", "999", data_dir=data_dir)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: no conversation 999 (see: assistant chats list)"


def test_no_conversations_yet(data_dir: Path) -> None:
    result = _cli("chats", "list", data_dir=data_dir)
    assert result.returncode == 0 and "No saved conversations yet" in result.stdout
