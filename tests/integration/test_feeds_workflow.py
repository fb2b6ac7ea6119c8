"""Subscriptions in and out, and feeds that keep themselves fresh: OPML files as feed readers
export them (and hostile ones), autodiscovery from a home page, and `feeds watch` against a
real feed server on 127.0.0.1, stopped by a real SIGTERM."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import CONFIG, REPO_ROOT, SCRUBBED, make_assistant, write
from servers.feed_server import FeedServer, Route
from test_feeds import _cli, rss_feed

from assistant.errors import SourceError
from assistant.sources import feeds
from assistant.types import FeedRefresh

NOW = format_datetime(datetime.now(UTC))
HTML = "text/html; charset=utf-8"


@pytest.fixture
def site() -> Iterator[FeedServer]:
    srv = FeedServer().start()
    srv.routes["/rss.xml"] = Route(
        rss_feed([("https://planet.example/a", "Harbour bridge opens", NOW, "harbour bridge")]),
        etag='"a"',
    )
    yield srv
    srv.stop()


# -- OPML -----------------------------------------------------------------------------------
READER_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>FreshRSS export</title>
    <dateCreated>Mon, 30 Nov 2026 08:00:00 GMT</dateCreated></head>
  <body>
    <outline text="News" title="News">
      <outline text="World" title="World">
        <outline type="rss" text="Capital Wire" title="Capital Wire"
                 xmlUrl="https://wire.example/world.xml" htmlUrl="https://wire.example/"/>
        <outline type="rss" text="Harbour Times" xmlUrl="https://harbour.example/feed"/>
      </outline>
      <outline type="rss" text="Valley Herald" xmlUrl="https://valley.example/rss?x=1&amp;y=2"/>
    </outline>
    <outline type="rss" text="Loose feed" xmlUrl="http://loose.example/atom.xml"/>
    <outline type="rss" text="Bad scheme" xmlUrl="javascript:alert(1)"/>
    <outline text="Empty folder"/>
  </body>
</opml>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE opml [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<opml version="2.0"><body><outline text="&lol3;" xmlUrl="https://a.example/feed"/></body></opml>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&secret;" xmlUrl="https://a.example/feed"/></body></opml>
"""


def test_opml_import_keeps_nested_folders_and_round_trips(tmp_path: Path, data_dir: Path) -> None:
    path = write(tmp_path / "subscriptions.opml", READER_EXPORT)
    imported = _cli("feeds", "import", str(path), data_dir=data_dir)
    assert imported.returncode == 0, imported.stderr
    assert "4 feeds subscribed, 0 already subscribed, 1 skipped" in imported.stderr
    assert "javascript:alert(1)" in imported.stderr and "unsupported URL scheme" in imported.stderr
    subs = make_assistant(data_dir).feeds_list()
    assert [(s.url, s.title, s.folder) for s in subs] == [
        ("https://wire.example/world.xml", "Capital Wire", "News/World"),
        ("https://harbour.example/feed", "Harbour Times", "News/World"),
        ("https://valley.example/rss?x=1&y=2", "Valley Herald", "News"),
        ("http://loose.example/atom.xml", "Loose feed", None),
    ]
    again = _cli("feeds", "import", str(path), data_dir=data_dir)
    assert "0 feeds subscribed, 4 already subscribed" in again.stderr

    exported = _cli("feeds", "export", data_dir=data_dir)
    assert exported.returncode == 0, exported.stderr
    head = '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">'
    assert exported.stdout.startswith(head)
    assert 'xmlUrl="https://valley.example/rss?x=1&amp;y=2"' in exported.stdout
    read, skipped = feeds.read_opml(exported.stdout.encode())
    assert skipped == []
    assert [(f.url, f.title, f.folder) for f in read] == [(s.url, s.title, s.folder) for s in subs]

    other = tmp_path / "other-data"  # another reader (here: a fresh index) imports the export
    copy = write(tmp_path / "export.opml", exported.stdout)
    assert _cli("feeds", "import", str(copy), data_dir=other).returncode == 0
    assert [s.url for s in make_assistant(other).feeds_list()] == [s.url for s in subs]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (BILLION_LAUGHS, "declares XML entities"),
        (EXTERNAL_ENTITY, "declares XML entities"),
        ("<opml><body><outline", "not well-formed OPML"),
        ("<rss><channel/></rss>", "not an OPML file"),
    ],
)
def test_hostile_or_broken_opml_is_refused_in_one_line(
    document: str, reason: str, tmp_path: Path, data_dir: Path
) -> None:
    path = write(tmp_path / "bad.opml", document)
    started = time.monotonic()
    result = _cli("feeds", "import", str(path), data_dir=data_dir)
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: bad.opml:") and reason in line, line
    assert "root:" not in result.stdout + result.stderr  # /etc/passwd was never read
    assert make_assistant(data_dir).feeds_list() == []


# -- autodiscovery --------------------------------------------------------------------------
def _home(links: str) -> bytes:
    return (
        "<!DOCTYPE html><html><head><title>The Daily Planet</title>"
        f"<link rel='stylesheet' href='/style.css'>{links}</head>"
        "<body><h1>The Daily Planet</h1><p>Today's news.</p></body></html>"
    ).encode()


def test_feeds_add_on_a_home_page_subscribes_to_the_feed_it_names(
    site: FeedServer, data_dir: Path
) -> None:
    site.routes["/"] = Route(
        _home(
            "<link rel='alternate' type='application/json' href='/feed.json'>"
            "<link rel='alternate' type='application/rss+xml' title='Planet: all news' "
            "href='/rss.xml'>"
            "<link rel='alternate' type='application/atom+xml' href='/atom.xml'>"
        ),
        HTML,
    )
    site.routes["/blog/"] = Route(
        _home("<link rel='alternate feed' type='application/atom+xml' href='atom.xml'>"), HTML
    )
    site.routes["/plain.html"] = Route(_home(""), HTML)

    added = _cli("feeds", "add", site.url("/"), data_dir=data_dir)
    assert added.returncode == 0, added.stderr
    said = " ".join(added.stderr.split())
    assert f"subscribed to {site.url('/rss.xml')}" in said
    assert f"the feed (Planet: all news) that {site.url('/')} names" in said
    atom = _cli("feeds", "add", site.url("/blog/"), data_dir=data_dir)  # relative to the page
    assert atom.returncode == 0 and site.url("/blog/atom.xml") in atom.stderr, atom.stderr
    direct = _cli("feeds", "add", site.url("/rss.xml"), data_dir=data_dir)  # a feed: as given
    assert "already subscribed to" in direct.stderr and "names" not in direct.stderr
    none = _cli("feeds", "add", site.url("/plain.html"), data_dir=data_dir)
    assert none.returncode == 1 and "names no feed" in none.stderr, none.stderr
    missing = _cli("feeds", "add", site.url("/gone"), data_dir=data_dir)
    assert missing.returncode == 1 and "HTTP 404" in missing.stderr
    subs = [s.url for s in make_assistant(data_dir).feeds_list()]
    assert subs == [site.url("/rss.xml"), site.url("/blog/atom.xml")]


def test_discovery_refuses_a_page_that_names_a_non_http_feed(site: FeedServer) -> None:
    site.routes["/odd.html"] = Route(
        _home("<link rel='alternate' type='application/rss+xml' href='file:///etc/passwd'>"), HTML
    )
    with pytest.raises(SourceError, match="names no feed"):
        feeds.discover(site.url("/odd.html"), feeds.FetchOptions())


# -- watch ----------------------------------------------------------------------------------
def test_watch_backs_off_per_feed_and_honours_cache_control_and_retry_after(
    site: FeedServer, data_dir: Path, tmp_path: Path
) -> None:
    site.routes["/error.xml"] = Route(b"oops", "text/plain", status=500)
    site.routes["/busy.xml"] = Route(b"busy", "text/plain", status=503)
    site.routes["/busy.xml"].headers["Retry-After"] = "3600"
    site.routes["/cached.xml"] = Route(
        rss_feed([("https://planet.example/c", "Cached story", NOW, "ferry timetable")]),
        headers={"Cache-Control": "public, max-age=3600"},
    )
    bot = make_assistant(data_dir)
    warm = write(tmp_path / "warm.txt", "Warm up\n\nThe models and the chunker load first.\n")
    assert bot.ingest(warm).added == 1  # so the clock below measures only the watch
    for path in ("/rss.xml", "/error.xml", "/busy.xml", "/cached.xml"):
        bot.feeds_add(site.url(path))
    stop = threading.Event()
    seen: list[tuple[float, FeedRefresh]] = []

    def on_feed(refresh: FeedRefresh) -> None:
        seen.append((time.time(), refresh))

    worker = threading.Thread(target=bot.feeds_watch, args=(stop, 0.5, on_feed))
    worker.start()
    time.sleep(9.0)
    stop.set()
    worker.join(timeout=60)
    assert not worker.is_alive()
    healthy, errors = site.times["/rss.xml"], site.times["/error.xml"]
    assert len(healthy) >= 5 and site.not_modified["/rss.xml"] >= 4, site.hits  # 304s
    assert site.hits["/cached.xml"] == 1, "max-age=3600: fresh for an hour"
    assert site.hits["/busy.xml"] == 1, "Retry-After: 3600 is waited out"
    # the failing feed backs off (waits of 1, 2, 4 s) while the healthy one keeps its pace
    assert 2 <= len(errors) < len(healthy), site.hits
    waits = [r.next_due - at for at, r in seen if r.url == site.url("/error.xml")]
    assert 0.8 < waits[0] <= 1.0
    assert all(b > 1.8 * a for a, b in zip(waits, waits[1:], strict=False)), waits
    ids = {a.id for a in bot.articles()} - {"warm.txt"}
    assert ids == {"https://planet.example/a", "https://planet.example/c"}
    failed = [r for _, r in seen if r.url == site.url("/busy.xml")]
    assert failed[0].error == "HTTP 503 Service Unavailable"
    assert failed[0].next_due > time.time() + 3000


def _watch(data_dir: Path, every: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ASSISTANT_") or k in SCRUBBED)}
    env.update(ASSISTANT_CONFIG=str(CONFIG), ASSISTANT_DATA_DIR=str(data_dir), NO_COLOR="1")
    script = Path(sys.executable).parent / "assistant"
    return subprocess.Popen(
        [str(script), "feeds", "watch", "--every", every],
        cwd=REPO_ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


def _lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str], needle: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if needle in line:
            return line
    raise AssertionError(f"no line with {needle!r} within {timeout} s")


def test_watch_picks_up_a_new_item_and_stops_cleanly_on_sigterm(
    site: FeedServer, data_dir: Path
) -> None:
    make_assistant(data_dir).feeds_add(site.url("/rss.xml"))
    process = _watch(data_dir, "1s")
    try:
        lines = _lines(process)
        _wait_for(lines, "1 new, 0 updated")
        site.routes["/rss.xml"] = Route(
            rss_feed(
                [
                    ("https://planet.example/a", "Harbour bridge opens", NOW, "harbour bridge"),
                    ("https://planet.example/b", "Tram line approved", NOW, "tram line"),
                ]
            ),
            etag='"b"',
        )
        _wait_for(lines, "1 new, 0 updated, 1 unchanged")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        _wait_for(lines, "stopped", timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
    ids = {a.id for a in make_assistant(data_dir).articles()}
    assert ids == {"https://planet.example/a", "https://planet.example/b"}


def test_watch_refuses_a_bad_interval(data_dir: Path) -> None:
    result = _cli("feeds", "watch", "--every", "soon", data_dir=data_dir)
    assert result.returncode == 2 and "30m" in result.stderr
