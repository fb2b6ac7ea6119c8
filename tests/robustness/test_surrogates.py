"""Lone surrogates (text no UTF-8 encoder accepts) are repaired where text enters: a file
name that is not UTF-8, a JSON string with "\\ud800", an RSS entry with "&#xD800;", a query,
a model's reply. The record is indexed with U+FFFD in place of the bad code point, the rest
of the run is indexed, and nothing downstream (hashes, Chroma, the tokenizer, the terminal,
the history) ever sees one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_assistant, openai_assistant, write
from running import run_assistant
from servers.hostile_server import FeedServer, Route, rss
from servers.llm_server import FakeLLM, Reply

GOOD = "The harbour council approved a new ferry timetable on Tuesday. Ferries will run often."
LATIN1_NAME = os.fsdecode(b"caf\xe9.txt")  # Latin-1 bytes in a file name: not UTF-8
BROKEN_NAME = os.fsdecode(b"odd\x81name.txt")  # a byte no legacy encoding defines


def assert_encodable(*values: object) -> None:
    for value in values:
        json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "news"
    write(root / "good.txt", "Ferry timetable\n\n" + GOOD)
    write(root / LATIN1_NAME, "Cafe opens\n\nThe cafe by the harbour opened on Monday.")
    write(root / BROKEN_NAME, "Odd name\n\nA file whose name is broken still has its news.")
    lines = [
        '{"id": "lone", "title": "Bad \\ud800 title", "text": "Bus \\udfff news: the bus '
        'depot reopened after repairs, the council said.", "tags": ["x\\ud800"]}',
        '{"id": "pair", "title": "Emoji \\ud83d\\ude00", "text": "A proper pair of surrogates '
        'is one emoji, and the lighthouse reopened."}',
    ]
    write(root / "records.jsonl", "\n".join(lines) + "\n")
    return root


def test_valid_text_repairs_only_lone_surrogates() -> None:
    from assistant.text import valid_text

    assert valid_text("a\ud800b") == "a\ufffdb"
    assert valid_text("\udce9t\udfff") == "\ufffdt\ufffd"
    assert valid_text("\ud83d\ude00") == "😀"  # a pair written as two code points
    text = "café 😀"
    assert valid_text(text) is text


def test_files_with_surrogates_are_repaired_and_the_rest_indexed(
    folder: Path, data_dir: Path
) -> None:
    bot = make_assistant(data_dir)
    report = bot.ingest(folder)
    assert report.skipped == ()
    assert report.added == 5
    by_id = {a.id: a for a in bot.articles()}
    assert set(by_id) == {"good.txt", "café.txt", "odd\ufffdname.txt", "lone", "pair"}
    assert by_id["lone"].title == "Bad \ufffd title"
    assert by_id["pair"].title == "Emoji 😀"
    lone = bot.article("lone")
    assert lone is not None and lone.text.startswith("Bus \ufffd news")
    assert lone.metadata["tags"] == ["x\ufffd"]
    assert_encodable([a.to_dict() for a in by_id.values()])
    # the second run finds every article unchanged: the repaired ids are stable
    again = bot.ingest(folder)
    assert (again.added, again.unchanged, again.removed) == (0, 5, 0)


def test_cli_ingest_and_articles_exit_0(folder: Path, data_dir: Path) -> None:
    out = {}
    for args in (["ingest", str(folder)], ["articles"], ["search", "bus depot \udcff"]):
        done = run_assistant(data_dir, *args, text=False)
        assert done.returncode == 0, done.stderr.decode()
        assert b"unexpected" not in done.stderr
        out[args[0]] = done.stdout.decode("utf-8")
    assert "Bad \ufffd title" in out["articles"]
    assert "Bus \ufffd news" in out["search"]


def test_feed_entry_with_a_surrogate_reference_is_repaired(
    feed_server: FeedServer, data_dir: Path
) -> None:
    feed_server.routes["/feed"] = Route(
        rss(
            "Coast &#xD800; News",
            [
                {"title": "Ferry &#xD800; news", "guid": "urn:1", "text": "Ferries &#xdfff; run."},
                {"title": "Tram news", "guid": "urn:2", "text": "The tram line opened today."},
                {"title": "Way out &#x110000;", "guid": "urn:3", "text": "Beyond &#1114112; it."},
            ],
            raw=True,
        )
    )
    bot = make_assistant(data_dir)
    report = bot.ingest(feed_server.url("/feed"))
    assert report.skipped == () and report.added == 3
    by_id = {a.id: a for a in bot.articles()}
    assert by_id["urn:1"].title == "Ferry \ufffd news"
    assert by_id["urn:1"].source == "Coast \ufffd News"
    assert by_id["urn:2"].title == "Tram news"
    assert by_id["urn:3"].title == "Way out \ufffd"
    # the refresh state (feeds.json) was written: a second ingest sees the same entries
    assert bot.ingest(feed_server.url("/feed")).unchanged == 3


def test_queries_with_surrogates_search_and_answer(folder: Path, data_dir: Path) -> None:
    bot = make_assistant(data_dir, llm__provider="extractive")
    bot.ingest(folder)
    for mode in ("hybrid", "vector", "bm25"):
        hits = make_assistant(data_dir, retrieval__mode=mode).search("ferry \ud800 timetable")
        assert hits and hits[0].article_id == "good.txt"
    answer = bot.ask("When was the ferry \udfff timetable approved?")
    assert "\ufffd" not in answer.text and answer.citations
    assert answer.question == "When was the ferry \ufffd timetable approved?"
    chat = bot.chat()
    chat.ask("ferry timetable \ud800?")
    follow = chat.ask("and when \udfff?")
    conversation = bot.history.add_turn(None, follow)  # what the TUI saves
    assert bot.history.turns(conversation)[0].question == "and when \ufffd?"


def test_model_reply_with_surrogates_is_checked(
    folder: Path, data_dir: Path, llm_server: FakeLLM
) -> None:
    make_assistant(data_dir).ingest(folder)
    bot = openai_assistant(data_dir, llm_server)
    llm_server.script(Reply.text("The council approved \ud800 a new ", "ferry timetable [1]\udfff"))
    answer = bot.ask("What did the harbour council approve?")
    assert answer.text.startswith("The council approved \ufffd a new ferry timetable")
    assert not answer.partial and answer.citations
    assert_encodable(answer.to_dict())
    # a follow-up is rewritten with the history: the first question goes to the model again
    chat = bot.chat()
    llm_server.respond(lambda request: "The council approved a new ferry timetable [1].")
    chat.ask("What did the council \ud800 approve?")
    follow = chat.ask("And when \udfff?")
    assert follow.citations
    assert "council \ufffd approve" in llm_server.condense_requests[-1].prompt
