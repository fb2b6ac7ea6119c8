"""Tests for feeds and article URLs: a real HTTP server on 127.0.0.1 serves fixture feeds
(RSS 2.0, Atom, RDF), article pages and broken answers, honours conditional requests with
304, and counts the requests it gets per path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import CONFIG, REPO_ROOT, SCRUBBED, make_assistant
from servers.feed_server import FeedServer, Route

from assistant import Assistant
from assistant.errors import SourceError
from assistant.retrieve.filters import date_range
from assistant.sources import feeds
from assistant.sources.feeds import fetcher

TODAY = date.today()
LONG_AGO = "Mon, 04 Mar 2019 09:00:00 +0000"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer()
    srv.thread.start()
    _add_fixtures(srv)
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


# -- fixtures -------------------------------------------------------------------------------
def _rfc822(day: date, hour: int = 12) -> str:
    return format_datetime(datetime(day.year, day.month, day.day, hour, tzinfo=UTC))


def _para(topic: str, n: int = 3) -> str:
    sentences = [
        f"The {topic} was the main subject of a long public meeting on Tuesday evening.",
        f"Residents asked detailed questions about the cost and the timetable of the {topic}.",
        f"Officials said the {topic} would be reviewed again by the council in the spring.",
        f"Several local businesses said the {topic} had already changed how they work.",
    ]
    return " ".join(sentences[:n] * 2)


def _page(title: str, topic: str, author: str) -> bytes:
    paragraphs = "".join(f"<p>{_para(topic, n)}</p>" for n in (4, 3, 4))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title} | Metro Wire</title><meta name='author' content='{author}'></head>"
        "<body><nav><a href='/'>Home</a> <a href='/sport'>Sport</a> MENU-LINKS</nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>Copyright Metro Wire. FOOTER-TEXT</footer></body></html>"
    ).encode()


def rss_feed(items: list[tuple[str, str, str, str]]) -> bytes:
    """RSS 2.0 with full content:encoded; items are (guid, title, pubDate, topic)."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>{guid}</link>"
        f"<pubDate>{pub}</pubDate><dc:creator>Lois Lane</dc:creator>"
        f"<description>Short teaser about the {topic}.</description>"
        f"<content:encoded><![CDATA[<p>{_para(topic)}</p><ul><li>Budget: 4 million</li>"
        f"<li>Length: 200 metres</li></ul><script>alert('x')</script>]]></content:encoded></item>"
        for guid, title, pub, topic in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>The Daily Planet</title>'
        f"<link>https://planet.example/</link><description>News</description>{body}"
        "</channel></rss>"
    ).encode()


def atom_feed(entries: list[tuple[str | None, str, str, str]]) -> bytes:
    """Atom with only summaries; entries are (id or None, title, updated, link)."""
    body = "".join(
        "<entry>"
        + (f"<id>{eid}</id>" if eid else "")
        + f"<title>{title}</title><link href='{link}'/><updated>{updated}</updated>"
        f"<author><name>Jimmy Olsen</name></author><summary>Summary of {title}.</summary>"
        "</entry>"
        for eid, title, updated, link in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Metro Wire</title><id>urn:metro</id><updated>2024-05-02T10:00:00Z</updated>"
        f"{body}</feed>"
    ).encode()


def rdf_feed(base: str) -> bytes:
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="{base}/"><title>County Gazette</title><link>{base}/</link>'
        "<description>d</description></channel>"
        f'<item rdf:about="{base}/articles/school.html"><title>School roof repaired</title>'
        f"<link>{base}/articles/school.html</link><description>The school roof.</description>"
        "<dc:date>2024-04-20T08:30:00Z</dc:date><dc:creator>Perry White</dc:creator></item>"
        f'<item rdf:about="{base}/articles/gone.html"><title>Market moves indoors</title>'
        f"<link>{base}/articles/gone.html</link>"
        "<description>The weekly market moves into the old hall for the winter.</description>"
        "<dc:date>2024-04-21T08:30:00Z</dc:date></item></rdf:RDF>"
    ).encode()


RSS_ITEMS = [
    ("https://planet.example/bridge", "Harbour bridge opens", _rfc822(TODAY), "harbour bridge"),
    ("https://planet.example/ferry", "Old ferry retired", LONG_AGO, "harbour ferry"),
]


def _atom_entries(srv: FeedServer) -> list[tuple[str | None, str, str, str]]:
    return [
        (
            "tag:metro,2024:museum",
            "Museum reopens",
            "2024-05-01T10:00:00Z",
            "/articles/museum.html",
        ),
        (None, "Library extends hours", "2024-05-02T09:00:00Z", srv.url("/articles/library.html")),
    ]


def _add_fixtures(srv: FeedServer) -> None:
    html = "text/html; charset=utf-8"
    srv.routes["/rss.xml"] = Route(rss_feed(RSS_ITEMS), etag='"rss-1"')
    srv.routes["/atom.xml"] = Route(
        atom_feed(_atom_entries(srv)),
        "application/atom+xml",
        last_modified="Thu, 02 May 2024 10:00:00 GMT",
    )
    srv.routes["/rdf.xml"] = Route(
        rdf_feed(srv.url("")),
        "application/rdf+xml",
        etag='"rdf-1"',
        last_modified="Sun, 21 Apr 2024 08:30:00 GMT",
    )
    for name, title, topic in (
        ("museum", "Museum reopens", "museum renovation"),
        ("library", "Library extends hours", "library opening hours"),
        ("school", "School roof repaired", "school roof"),
        ("tram", "Tram line approved", "tram line"),
    ):
        srv.routes[f"/articles/{name}.html"] = Route(_page(title, topic, "Jimmy Olsen"), html)
    srv.routes["/articles/tram.html"].etag = '"tram-1"'
    srv.routes["/broken.xml"] = Route(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title></chann'
    )
    srv.routes["/error.xml"] = Route(b"oops", "text/plain", status=500)
    srv.routes["/slow.xml"] = Route(rss_feed(RSS_ITEMS), delay=2.5)
    srv.routes["/big.xml"] = Route(rss_feed(RSS_ITEMS * 200))
    srv.routes["/moved.xml"] = Route(status=301, location="/rss.xml")
    srv.routes["/loop.xml"] = Route(status=302, location="/loop.xml")


def _bot(**overrides: Any) -> Assistant:
    return make_assistant(Path(os.environ["ASSISTANT_DATA_DIR"]), **overrides)


# -- refresh and conditional requests -------------------------------------------------------
def test_refresh_indexes_every_entry_then_a_second_refresh_costs_nothing(
    server: FeedServer,
) -> None:
    bot = _bot()
    for path in ("/rss.xml", "/atom.xml", "/rdf.xml"):
        assert bot.feeds_add(server.url(path))
    assert not bot.feeds_add(server.url("/rss.xml")), "a second add is a no-op"

    report = bot.feeds_refresh()
    assert (report.added, report.skipped) == (6, ()), report
    by_id = {a.id: bot.article(a.id) for a in bot.articles()}
    assert set(by_id) == {
        "https://planet.example/bridge",
        "https://planet.example/ferry",
        "tag:metro,2024:museum",
        server.url("/articles/library.html"),  # no <id>: the link is the id
        server.url("/articles/school.html"),
        server.url("/articles/gone.html"),
    }
    bridge = by_id["https://planet.example/bridge"]
    assert bridge is not None
    assert (bridge.title, bridge.source, bridge.author) == (
        "Harbour bridge opens",
        "The Daily Planet",
        "Lois Lane",
    )
    assert bridge.published == f"{TODAY.isoformat()}T12:00:00+00:00"
    assert "public meeting" in bridge.text and "- Budget: 4 million" in bridge.text
    assert "alert" not in bridge.text and "Short teaser" not in bridge.text

    museum = by_id["tag:metro,2024:museum"]  # summary-only: text from the linked page
    assert museum is not None and museum.source == "Metro Wire"
    assert museum.published == "2024-05-01T10:00:00+00:00"
    assert museum.url == server.url("/articles/museum.html"), "relative link resolved"
    assert "museum renovation" in museum.text and "MENU-LINKS" not in museum.text
    assert museum.metadata["content"] == "page"

    school = by_id[server.url("/articles/school.html")]
    assert school is not None and school.source == "County Gazette"
    assert school.published == "2024-04-20T08:30:00+00:00" and "school roof" in school.text
    gone = by_id[server.url("/articles/gone.html")]  # 404 page: the summary, with a note
    assert gone is not None and gone.text.startswith("The weekly market moves")
    assert gone.metadata["content"] == "summary" and "HTTP 404" in gone.metadata["note"]
    assert server.agents == {fetcher.USER_AGENT}

    subs = {s.url: s for s in bot.feeds_list()}
    assert subs[server.url("/atom.xml")].title == "Metro Wire"
    assert subs[server.url("/atom.xml")].entries == 2
    assert (bot.settings.data_path / "feeds.json").is_file()

    pages_before = {p: n for p, n in server.hits.items() if p.startswith("/articles/")}
    again = bot.feeds_refresh()
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 6, 0), again
    for path in ("/rss.xml", "/atom.xml", "/rdf.xml"):
        assert server.conditional[path] == 1 and server.not_modified[path] == 1, path
    assert {p: n for p, n in server.hits.items() if p.startswith("/articles/")} == pages_before

    # The feeds change: the new entry's page is fetched, unchanged entries' pages are not,
    # and the page that failed before (summary fallback) is tried again.
    server.routes["/rdf.xml"].etag = '"rdf-2"'
    server.routes["/atom.xml"] = Route(
        atom_feed(
            [
                *_atom_entries(server),
                (
                    None,
                    "Tram line approved",
                    "2024-05-03T09:00:00Z",
                    server.url("/articles/tram.html"),
                ),
            ]
        ),
        "application/atom+xml",
        last_modified="Fri, 03 May 2024 09:00:00 GMT",
    )
    third = bot.feeds_refresh()
    assert (third.added, third.updated, third.unchanged) == (1, 0, 6), third
    assert server.hits["/articles/tram.html"] == 1
    assert server.hits["/articles/museum.html"] == pages_before["/articles/museum.html"]
    assert server.hits["/articles/school.html"] == pages_before["/articles/school.html"]
    assert server.hits["/articles/gone.html"] == pages_before["/articles/gone.html"] + 1
    assert bot.feeds_remove(server.url("/atom.xml")) and not bot.feeds_remove(server.url("/x"))
    assert [s.url for s in bot.feeds_list()] == [server.url("/rss.xml"), server.url("/rdf.xml")]


def test_broken_sources_are_skipped_with_reasons_and_the_rest_is_indexed(
    server: FeedServer,
) -> None:
    bot = _bot(feeds__timeout=1, feeds__max_bytes=50_000)
    paths = [
        "/rss.xml",
        "/broken.xml",
        "/missing.xml",
        "/error.xml",
        "/slow.xml",
        "/big.xml",
        "/loop.xml",
    ]
    started = time.monotonic()
    report = bot.ingest(*[server.url(p) for p in paths], "ftp://127.0.0.1/feed.xml")
    assert time.monotonic() - started < 20
    assert report.added == 2 and report.ok, report
    reasons = {s.path.replace(server.url(""), ""): s.reason for s in report.skipped}
    assert reasons.keys() == {
        "/broken.xml",
        "/missing.xml",
        "/error.xml",
        "/slow.xml",
        "/big.xml",
        "/loop.xml",
        "ftp://127.0.0.1/feed.xml",
    }
    assert reasons["/broken.xml"].startswith("malformed feed")
    assert reasons["/missing.xml"] == "HTTP 404 Not Found"
    assert reasons["/error.xml"] == "HTTP 500 Internal Server Error"
    assert reasons["/slow.xml"] == "timed out after 1 s"
    assert reasons["/big.xml"] == "larger than the 50000 bytes limit"
    assert reasons["/loop.xml"] == "more than 5 redirects"
    assert "unsupported URL scheme ftp://" in reasons["ftp://127.0.0.1/feed.xml"]
    assert {a.source for a in bot.articles()} == {"The Daily Planet"}


def test_redirects_are_followed(server: FeedServer, data_dir: Path) -> None:
    result = feeds.fetch([server.url("/moved.xml")], feeds.FetchOptions(), data_dir=data_dir)
    assert result.skipped == [] and len(result.articles) == 2
    assert {a.path for a in result.articles} == {server.url("/moved.xml")}


def test_a_plain_article_url_is_one_article(server: FeedServer) -> None:
    bot = _bot()
    url = server.url("/articles/tram.html")
    report = bot.ingest(url)
    assert (report.added, report.skipped) == (1, ()), report
    article = bot.article(url)
    assert article is not None and article.title == "Tram line approved"
    assert "tram line" in article.text and "FOOTER-TEXT" not in article.text
    again = bot.ingest(url)  # the page has an ETag: 304, nothing read or embedded
    assert (again.unchanged, again.chunks) == (1, 0)
    assert server.not_modified["/articles/tram.html"] == 1


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/feed.xml", "feed.xml"])
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(SourceError, match="unsupported URL scheme"):
        _bot().feeds_add(url)
    assert _bot().feeds_list() == []


def test_html_fragments_become_paragraphs() -> None:
    html = "<p>One &amp; two</p><script>x()</script><ul><li>a</li><li>b</li></ul>tail<br>end"
    assert feeds.html_to_text(html) == "One & two\n\n- a\n\n- b\n\ntail\n\nend"


# -- the console script ---------------------------------------------------------------------
def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "assistant"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "assistant.cli"]
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ASSISTANT_") or k in SCRUBBED)}
    env.update(ASSISTANT_CONFIG=str(CONFIG), ASSISTANT_DATA_DIR=str(data_dir), NO_COLOR="1")
    return subprocess.run(
        [*command, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_feeds_add_refresh_list_remove(server: FeedServer, data_dir: Path) -> None:
    url = server.url("/rss.xml")
    added = _cli("feeds", "add", url, data_dir=data_dir)
    assert added.returncode == 0 and "subscribed" in added.stderr, added.stderr
    first = _cli("feeds", "refresh", "--json", data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["added"] == 2
    second = _cli("feeds", "refresh", data_dir=data_dir)
    assert second.returncode == 0, second.stderr
    assert "0 added, 0 updated, 2 unchanged" in second.stderr and "0 chunks" in second.stderr
    listed = json.loads(_cli("feeds", "list", "--json", data_dir=data_dir).stdout)
    assert [(s["url"], s["title"], s["entries"]) for s in listed] == [(url, "The Daily Planet", 2)]
    refused = _cli("feeds", "add", "file:///etc/passwd", data_dir=data_dir)
    assert refused.returncode == 1 and refused.stderr.strip().startswith("error: unsupported")
    assert len(refused.stderr.strip().splitlines()) == 1
    removed = _cli("feeds", "remove", url, data_dir=data_dir)
    assert removed.returncode == 0 and "unsubscribed" in removed.stderr
    page = _cli("ingest", server.url("/articles/tram.html"), "--json", data_dir=data_dir)
    assert page.returncode == 0 and json.loads(page.stdout)["added"] == 1, page.stderr


# -- dates in questions ---------------------------------------------------------------------
WEDNESDAY = date(2024, 11, 6)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What happened today?", (WEDNESDAY, WEDNESDAY)),
        ("Any news from yesterday's meeting?", (date(2024, 11, 5), date(2024, 11, 5))),
        ("What did the Herald report this week?", (date(2024, 11, 4), date(2024, 11, 10))),
        ("What did they say LAST WEEK about rates?", (date(2024, 10, 28), date(2024, 11, 3))),
        ("Stories this month", (date(2024, 11, 1), date(2024, 11, 30))),
        ("Stories last month", (date(2024, 10, 1), date(2024, 10, 31))),
        ("What about this weekend?", None),
        ("What happened in the last week of May?", None),
        ("Compare this week with last week", None),
        ("Who won the election?", None),
    ],
)
def test_date_phrases(question: str, expected: tuple[date, date] | None) -> None:
    assert date_range(question, today=WEDNESDAY) == expected


def test_last_month_in_january_is_december() -> None:
    assert date_range("last month", today=date(2025, 1, 15)) == (
        date(2024, 12, 1),
        date(2024, 12, 31),
    )


def test_this_week_question_only_uses_recent_articles(server: FeedServer) -> None:
    bot = _bot(llm__provider="extractive", answer__min_relevance=0.0)
    assert bot.ingest(server.url("/rss.xml")).added == 2
    both = {"https://planet.example/bridge", "https://planet.example/ferry"}
    timeless = "What did The Daily Planet report about the harbour bridge?"
    assert {h.article_id for h in bot.search(timeless)} == both
    question = "What did The Daily Planet report about the harbour bridge this week?"
    span = date_range(question)
    assert span is not None and span[0] <= TODAY <= span[1]
    # the phrase limits the search, as an explicit range would
    assert {h.article_id for h in bot.search(question)} == {"https://planet.example/bridge"}
    since, until = span
    hits = bot.search(timeless, since=since, until=until)
    assert {h.article_id for h in hits} == {"https://planet.example/bridge"}

    answer = bot.ask(question)
    assert answer.citations and not answer.abstained, answer
    assert {c.article_id for c in answer.citations} == {"https://planet.example/bridge"}
    published = answer.citations[0].published
    assert published and TODAY - timedelta(days=7) < date.fromisoformat(published[:10])
    [step] = answer.steps
    assert step.since == since.isoformat() and step.until == until.isoformat()
    # the caller's own range wins over the phrase: both articles are in it
    wide = bot.search(question, since=date(2019, 1, 1))
    assert {h.article_id for h in wide} == both
