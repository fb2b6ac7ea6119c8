"""A date is what the source wrote or nothing: a year written with fewer than four digits
("Thu, 01 Jan 1", "5 Nov 24") is no date rather than a guess of its century, so a broken
feed's article does not land in 2001 and answer questions about that year.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_assistant, write
from servers.hostile_server import FeedServer, Route, rss

from assistant.sources.dates import normalise_date


@pytest.mark.parametrize(
    "raw",
    ["Thu, 01 Jan 1", "Thu, 01 Jan 1 10:00:00 GMT", "5 Nov 24", "Jan of 01", "Nov 5 99", "1/2/3"],
)
def test_years_without_four_digits_are_no_date(raw: str) -> None:
    assert normalise_date(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Thu, 01 Jan 2015 10:00:00 GMT", "2015-01-01T10:00:00+00:00"),
        ("5 Nov 2024", "2024-11-05"),
        ("2024-11-05T10:00:00Z", "2024-11-05T10:00:00+00:00"),
        ("November 5, 1999", "1999-11-05"),
    ],
)
def test_four_digit_years_still_parse(raw: str, expected: str) -> None:
    assert normalise_date(raw) == expected


def test_an_article_with_a_one_digit_year_has_no_date(tmp_path: Path, data_dir: Path) -> None:
    record = {
        "id": "zero",
        "title": "Ferry news",
        "date": "Thu, 01 Jan 1",
        "text": "The ferry timetable changed on Thursday, the harbour council said.",
    }
    write(tmp_path / "news.jsonl", json.dumps(record) + "\n")
    bot = make_assistant(data_dir)
    bot.ingest(tmp_path / "news.jsonl")
    article = bot.article("zero")
    assert article is not None
    assert article.published is None
    assert article.metadata["date_raw"] == "Thu, 01 Jan 1"
    assert bot.search("ferry timetable", since="2001-01-01", until="2001-12-31") == []


def test_a_feed_entry_with_a_one_digit_year_has_no_date(data_dir: Path) -> None:
    server = FeedServer().start()
    try:
        items = [
            {
                "title": "Ferry news",
                "guid": "urn:zero",
                "date": "Thu, 01 Jan 1",
                "text": "The ferry timetable changed on Thursday, the harbour council said.",
            },
            {
                "title": "Tram news",
                "guid": "urn:ok",
                "date": "Thu, 01 Jan 2015 10:00:00 GMT",
                "text": "The tram line opened on Thursday, the city said.",
            },
        ]
        server.routes["/feed"] = Route(rss("Coast News", items))
        bot = make_assistant(data_dir)
        assert bot.ingest(server.url("/feed")).added == 2
    finally:
        server.close()
    dates = {a.id: a.published for a in bot.articles()}
    assert dates == {"urn:zero": None, "urn:ok": "2015-01-01T10:00:00+00:00"}
