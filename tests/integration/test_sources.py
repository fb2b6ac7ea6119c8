"""Tests for assistant.sources: reading files and folders of news into articles."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import write
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.errors import SourceError
from assistant.sources import (
    SUPPORTED_SUFFIXES,
    iter_path,
    normalise_date,
    parse_html,
    parse_record,
    parse_text,
    read_path,
    to_epoch,
)
from assistant.types import Article, Skipped

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_9b8fe6ecb3e6f2bf.txt"
EVAL = Path("/work/shared/eval")
needs_eval = pytest.mark.skipif(not EVAL.is_dir(), reason="evaluation data not present")


# --- real data -------------------------------------------------------------------------------


def test_seed_article_title_author_and_full_text() -> None:
    result = read_path(SEED)
    assert result.skipped == []
    [article] = result.articles
    assert article.id == "000_9b8fe6ecb3e6f2bf.txt"
    assert article.title == "Media: Trump’s China visit paves way for Xi Jinping’s US trip"
    assert article.author == "Vafa Guliyeva"
    assert article.text == SEED.read_text(encoding="utf-8")
    assert article.path == str(SEED)


@needs_eval
def test_lee_jsonl_reads_every_record_with_its_id_and_source() -> None:
    result = read_path(EVAL / "lee-articles.jsonl")
    assert result.skipped == []
    assert len(result.articles) == 350
    ids = [a.id for a in result.articles]
    assert len(set(ids)) == 350
    assert ids[0] == "bg-000"
    assert "lee-00" in ids and all(i.startswith(("bg-", "lee-")) for i in ids)
    first = result.articles[0]
    assert first.source == "ABC News (Lee et al. 2005 corpus)"
    assert first.text.startswith("Hundreds of people have been forced to vacate their homes")
    assert first.title.startswith("Hundreds of people") and len(first.title) <= 101
    assert first.metadata == {}


@needs_eval
def test_bbc_business_folder_every_file_read_with_relative_ids() -> None:
    folder = EVAL / "bbc" / "business"
    result = read_path(folder)
    assert result.skipped == []
    assert len(result.articles) == 510
    assert [a.id for a in result.articles] == [f"{n:03d}.txt" for n in range(1, 511)]
    first = result.articles[0]
    assert first.title == "Ad sales boost Time Warner profit"
    assert first.text == (folder / "001.txt").read_text(encoding="utf-8")


@needs_eval
def test_bbc_single_non_utf8_file_is_read_as_cp1252() -> None:
    bbc = EVAL / "bbc"
    bad = []
    for file in sorted(bbc.rglob("*.txt")):
        try:
            file.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            bad.append(file)
    assert [f.relative_to(bbc).as_posix() for f in bad] == ["sport/199.txt"]
    result = read_path(bad[0])
    assert result.skipped == []
    [article] = result.articles
    assert article.title == "Chelsea sack Mutu"
    assert "£15.8m" in article.text  # byte 0xA3 in cp1252
    assert article.text == bad[0].read_bytes().decode("cp1252")


# --- plain text and Markdown -----------------------------------------------------------------


def test_front_matter_fields_and_metadata(tmp_path: Path) -> None:
    content = (
        "---\n"
        'title: "Council approves bridge: at last"\n'
        "author: Jane Doe\n"
        "source: Example Times\n"
        "published: 2024-11-05\n"
        "url: https://example.com/bridge\n"
        "id: bridge-1\n"
        "section: local\n"
        "tags:\n"
        "  - roads\n"
        "  - council\n"
        "---\n"
        "# Not the title\n\nThe council voted on Tuesday.\n"
    )
    file = write(tmp_path / "story.md", content)
    [article] = read_path(file).articles
    assert article.id == "bridge-1"
    assert article.title == "Council approves bridge: at last"
    assert article.author == "Jane Doe"
    assert article.source == "Example Times"
    assert article.published == "2024-11-05"
    assert article.url == "https://example.com/bridge"
    assert article.metadata == {"section": "local", "tags": ["roads", "council"]}
    assert article.text == content


def test_unclosed_front_matter_is_plain_text() -> None:
    article = parse_text("---\ntitle: x\nBody without a closing rule.\n", article_id="a")
    assert article.title == "---"
    assert article.metadata == {}


def test_rules_around_prose_are_not_front_matter() -> None:
    text = "---\nIntro paragraph: with a colon\nand more prose here.\n---\nBody.\n"
    article = parse_text(text, article_id="a")
    assert article.title == "---"
    assert article.metadata == {}
    assert article.text == text


def test_unparseable_front_matter_date_is_kept_raw() -> None:
    article = parse_text("---\ndate: sometime soon\n---\nTitle\nBody.\n", article_id="a")
    assert article.published is None
    assert article.metadata == {"date_raw": "sometime soon"}
    assert article.title == "Title"


def test_markdown_heading_title_and_byline() -> None:
    text = "\n\n## Storm hits coast\n\nWinds reached 120 km/h.\n\n*By Ana María López*\n"
    article = parse_text(text, article_id="storm.md", path="x/storm.md")
    assert article.title == "Storm hits coast"
    assert article.author == "Ana María López"
    assert article.text == text
    assert article.id == "storm.md" and article.path == "x/storm.md"


@pytest.mark.parametrize(
    "last_line",
    [
        "By the end of the year, prices had doubled.",
        "by now everyone knew",
        "By " + "X" * 90,
    ],
)
def test_sentences_starting_with_by_are_not_authors(last_line: str) -> None:
    article = parse_text(f"Title\nBody text.\n{last_line}\n", article_id="a")
    assert article.author is None


def test_single_by_line_is_the_title_not_the_author() -> None:
    article = parse_text("By Jane Doe\n", article_id="a")
    assert article.title == "By Jane Doe"
    assert article.author is None


def test_bom_and_crlf_are_normalised(tmp_path: Path) -> None:
    file = write(tmp_path / "win.txt", b"\xef\xbb\xbfHeadline\r\nBody line.\r\nBy Sam Roe\r\n")
    [article] = read_path(file).articles
    assert article.text == "Headline\nBody line.\nBy Sam Roe\n"
    assert article.title == "Headline"
    assert article.author == "Sam Roe"


def test_long_first_line_gives_a_short_title() -> None:
    sentence = "Officials said " + "very " * 40 + "much. Second sentence here."
    article = parse_text(sentence, article_id="a")
    assert article.title.endswith("…")
    assert len(article.title) <= 101
    assert sentence.startswith(article.title[:-1])


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1).filter(lambda s: s.strip() != ""))
def test_parse_text_keeps_the_text_and_finds_a_title_in_it(text: str) -> None:
    text = text.replace("\r", "").removeprefix("\ufeff")
    if not text.strip():
        return
    article = parse_text(text, article_id="a")
    assert article.text == text
    assert article.title.rstrip("…").strip("# ") in text


# --- HTML ------------------------------------------------------------------------------------

PAGE = """<!doctype html><html><head>
<title>Bridge approved - Example Times</title>
<meta name="author" content="Jane Doe">
<meta property="og:site_name" content="Example Times">
<meta property="article:published_time" content="2024-11-05T10:00:00Z">
<link rel="canonical" href="https://example.com/news/bridge">
<style>.headline { color: red; }</style>
<script>var tracker = "SCRIPT_SHOULD_NOT_APPEAR";</script>
</head><body>
<nav>Home | World | Sport</nav>
<article><h1>Bridge approved</h1>
<p>The council voted on Tuesday to approve the new bridge across the river, ending a decade of
debate about traffic in the old town.</p>
<script>document.write("INLINE_SCRIPT_TEXT")</script>
<p>Construction will begin next spring and is expected to take three years to complete.</p>
</article></body></html>"""


def test_html_main_text_and_metadata_without_scripts(tmp_path: Path) -> None:
    file = write(tmp_path / "news" / "bridge.html", PAGE)
    result = read_path(tmp_path)
    assert result.skipped == []
    [article] = result.articles
    assert article.id == "news/bridge.html"
    assert "approve the new bridge" in article.text
    assert "Construction will begin" in article.text
    for junk in ("SCRIPT_SHOULD_NOT_APPEAR", "INLINE_SCRIPT_TEXT", "color: red"):
        assert junk not in article.text
    assert article.title == "Bridge approved"
    assert article.author == "Jane Doe"
    assert article.source == "Example Times"
    assert article.url == "https://example.com/news/bridge"
    assert article.published is not None and article.published.startswith("2024-11-05")
    assert article.path == str(file)


def test_html_title_falls_back_to_title_element() -> None:
    html = (
        "<html><head><title>Only &amp; here</title></head><body>"
        "<div><p>Some reasonably long paragraph of article text about the weather.</p></div>"
        "</body></html>"
    )
    article = parse_html(html, article_id="p.html")
    assert "weather" in article.text
    assert article.title == "Only & here"


def test_html_without_text_is_skipped(tmp_path: Path) -> None:
    html = "<html><head><title>T</title><script>x()</script></head><body></body></html>"
    with pytest.raises(SourceError, match="no article text found in HTML"):
        parse_html(html, article_id="e.html")
    file = write(tmp_path / "empty.htm", html)
    assert read_path(file).skipped == [Skipped(str(file), "no article text found in HTML")]


# --- JSON and JSON Lines ---------------------------------------------------------------------


def test_json_record_field_aliases_and_metadata() -> None:
    record = {
        "guid": 42,
        "headline": "  Markets rally  ",
        "body": "",
        "content": "Stocks rose.\r\nBonds fell.",
        "summary": "Markets up",
        "link": {"href": "https://example.com/m"},
        "authors": ["Ann Lee", {"name": "Bo Chan"}],
        "pubDate": "Tue, 05 Nov 2024 10:00:00 GMT",
        "source": {"name": "Wire", "id": "w1"},
        "lang": "en",
        "tags": ["a", "b"],
        "nested": {"x": 1},
        "mixed": [1, {"y": 2}],
    }
    article = parse_record(record, fallback_id="f#0", path="feed.json")
    assert article.id == "42"
    assert article.title == "Markets rally"
    assert article.text == "Stocks rose.\nBonds fell."
    assert article.url == "https://example.com/m"
    assert article.author == "Ann Lee, Bo Chan"
    assert article.published == "2024-11-05T10:00:00+00:00"
    assert article.source == "Wire"
    assert article.path == "feed.json"
    assert article.metadata == {"summary": "Markets up", "lang": "en", "tags": ["a", "b"]}


def test_json_record_summary_fallback_title_and_raw_date() -> None:
    article = parse_record(
        {"description": "Rain is expected. More later.", "date": "whenever"}, fallback_id="x#3"
    )
    assert article.id == "x#3"
    assert article.text == "Rain is expected. More later."
    assert article.title == "Rain is expected. More later."
    assert article.published is None
    assert article.metadata == {"date_raw": "whenever"}
    with pytest.raises(SourceError, match="no text field"):
        parse_record({"title": "Only a title", "text": "   "}, fallback_id="y")


def test_json_array_object_and_wrapper(tmp_path: Path) -> None:
    write(tmp_path / "a_array.json", json.dumps([{"text": "First."}, {"id": "b", "text": "B."}, 7]))
    write(tmp_path / "b_object.json", json.dumps({"title": "One", "text": "Single story."}))
    write(tmp_path / "c_wrapper.json", json.dumps({"items": [{"text": "Wrapped."}], "n": 1}))
    write(tmp_path / "d_broken.json", '{"text": ')
    write(tmp_path / "e_empty.json", "[]")
    result = read_path(tmp_path)
    assert [(a.id, a.text) for a in result.articles] == [
        ("a_array.json#0", "First."),
        ("b", "B."),
        ("b_object.json", "Single story."),
        ("c_wrapper.json#0", "Wrapped."),
    ]
    reasons = {(Path(s.path).name, s.reason) for s in result.skipped}
    assert reasons == {
        ("a_array.json", "item 2: not a JSON object"),
        ("d_broken.json", "invalid JSON (Expecting value at line 1 column 10)"),
        ("e_empty.json", "no articles in JSON"),
    }


def test_jsonl_bad_lines_are_skipped_and_good_lines_kept(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a1", "title": "A", "text": "Alpha text."}),
        "{not json",
        json.dumps({"title": "No text here"}),
        "",
        json.dumps({"text": "Epsilon text.", "timestamp": 1730800800}),
        "[1, 2]",
    ]
    file = write(tmp_path / "sub" / "feed.ndjson", "\n".join(lines) + "\n")
    result = read_path(tmp_path)
    assert [a.id for a in result.articles] == ["a1", "sub/feed.ndjson#5"]
    assert result.articles[1].published == "2024-11-05T10:00:00+00:00"
    assert result.articles[1].title == "Epsilon text."
    assert result.skipped == [
        Skipped(
            str(file), "line 2: invalid JSON (Expecting property name enclosed in double quotes)"
        ),
        Skipped(str(file), "line 3: no text field"),
        Skipped(str(file), "line 6: not a JSON object"),
    ]


# --- bad inputs and folders ------------------------------------------------------------------


def test_bad_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    write(tmp_path / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    write(tmp_path / "blank.md", "  \n\t\n")
    write(tmp_path / "bom_only.txt", b"\xef\xbb\xbf")
    write(tmp_path / "controls.txt", b"\x01\x02\x03\xff\xfe garbage")
    write(tmp_path / "empty.jsonl", "")
    write(tmp_path / "big.txt", "x" * 50)
    write(tmp_path / "ok.txt", "Fine\nbody")
    write(tmp_path / "ignored.pdf", "%PDF-1.4")
    write(tmp_path / ".hidden.txt", "Hidden\nbody")
    write(tmp_path / ".git" / "notes.txt", "Hidden dir\nbody")
    result = read_path(tmp_path, max_bytes=20)
    assert [a.id for a in result.articles] == ["ok.txt"]
    assert sorted((Path(s.path).name, s.reason) for s in result.skipped) == [
        ("big.txt", "larger than 20 bytes limit"),
        ("binary.txt", "binary file"),
        ("blank.md", "empty file"),
        ("bom_only.txt", "empty file"),
        ("controls.txt", "not valid UTF-8 text"),
        ("empty.jsonl", "empty file"),
    ]


def test_size_limit_reason_in_megabytes(tmp_path: Path) -> None:
    file = write(tmp_path / "big.txt", "x" * 2_000_001)
    assert read_path(file, max_bytes=2_000_000).skipped == [
        Skipped(str(file), "larger than 2 MB limit")
    ]


def test_single_paths_unsupported_and_missing(tmp_path: Path) -> None:
    pdf = write(tmp_path / "report.PDF", "%PDF")
    assert read_path(pdf).skipped == [Skipped(str(pdf), "unsupported file type .PDF")]
    missing = tmp_path / "nope"
    assert read_path(missing).skipped == [Skipped(str(missing), "no such file or directory")]
    upper = write(tmp_path / "LOUD.TXT", "Loud title\nbody")
    assert read_path(upper).articles[0].title == "Loud title"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_skipped_with_os_reason(tmp_path: Path) -> None:
    file = write(tmp_path / "secret.txt", "Secret\nbody")
    file.chmod(0)
    try:
        assert read_path(file).skipped == [Skipped(str(file), "permission denied")]
    finally:
        file.chmod(0o644)


def test_folder_order_ids_and_symlink_loop(tmp_path: Path) -> None:
    write(tmp_path / "b" / "2.txt", "Two\nbody")
    write(tmp_path / "b" / "10.txt", "Ten\nbody")
    write(tmp_path / "a.md", "A\nbody")
    write(tmp_path / "c" / "d" / "deep.txt", "Deep\nbody")
    (tmp_path / "c" / "d" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "c" / "self").symlink_to(tmp_path / "c", target_is_directory=True)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    result = read_path(tmp_path)
    assert [a.id for a in result.articles] == ["a.md", "b/10.txt", "b/2.txt", "c/d/deep.txt"]
    assert result.skipped == [Skipped(str(tmp_path / "dangling.txt"), "no such file or directory")]
    streamed = list(iter_path(tmp_path))
    assert streamed == [*result.articles, *result.skipped]
    assert isinstance(streamed[0], Article) and streamed[0].id == "a.md"


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == frozenset(
        {".txt", ".md", ".markdown", ".text", ".html", ".htm", ".json", ".jsonl", ".ndjson"}
    )


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tue, 05 Nov 2024 10:00:00 GMT", "2024-11-05T10:00:00+00:00"),
        ("2024-11-05", "2024-11-05"),
        ("2024-11-05T10:00:00Z", "2024-11-05T10:00:00+00:00"),
        ("2024-11-05T12:00:00+02:00", "2024-11-05T12:00:00+02:00"),
        ("2024-11-05 10:00", "2024-11-05T10:00:00+00:00"),
        ("2024-11-05 10:00 EST", "2024-11-05T10:00:00-05:00"),
        ("5 November 2004", "2004-11-05"),
        (1730800800, "2024-11-05T10:00:00+00:00"),
        (1730800800000, "2024-11-05T10:00:00+00:00"),
        ("1730800800", "2024-11-05T10:00:00+00:00"),
        ("Nov 5", None),
        ("2024-13-45", None),
        ("not a date", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_normalise_date(raw: object, expected: str | None) -> None:
    assert normalise_date(raw) == expected


def test_to_epoch() -> None:
    assert to_epoch("2024-11-05") == 1730764800
    assert to_epoch("2024-11-05T10:00:00+00:00") == 1730800800
    assert to_epoch("2024-11-05T12:00:00+02:00") == 1730800800
    assert to_epoch("2024-11-05T10:00:00") == 1730800800
    assert to_epoch(None) is None
    assert to_epoch("") is None
    assert to_epoch("yesterday") is None
