"""Ingesting a messy folder: every good article is indexed, every bad input is reported with
its reason, and the CLI exits 0 with a warning count (non-zero only when nothing was read).

The corpus is generated here: binary, empty and oversized files, legacy and mixed encodings,
broken JSON and JSON Lines, script-heavy HTML, duplicates, symlink loops, a FIFO, a device,
and a file name that looks like rich markup.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from conftest import CONFIG, REPO_ROOT, SCRUBBED, make_assistant, write

from assistant import Assistant
from assistant.cli import main as cli_main
from assistant.sources.files import read_path
from assistant.types import IngestReport, Skipped


def story(topic: str) -> str:
    return (
        f"{topic.title()} report\n\n"
        f"The {topic} council met on Tuesday to discuss the {topic} programme for next year. "
        f"Officials said the {topic} budget would grow by a tenth, and residents welcomed it.\n"
    )


SCRIPT_PAGE = (
    "<!doctype html><html><head><title>Harbour wall repaired - Coast Times</title>"
    + "<style>"
    + ".x{color:red}\n" * 3000
    + "</style>"
    + "<script>"
    + 'var TRACKER_JUNK = "SCRIPT_TEXT_MUST_NOT_APPEAR";\n' * 3000
    + "</script>"
    + "</head><body><nav>Home | News</nav><article><h1>Harbour wall repaired</h1>"
    "<p>Workers finished repairing the harbour wall on Friday after the winter storms "
    "had broken it in three places.</p>"
    "<script>document.write('INLINE_SCRIPT_MUST_NOT_APPEAR')</script>"
    "<style>p { margin: 0 } /* STYLE_MUST_NOT_APPEAR */</style>"
    "<p>The fishing fleet can use the inner harbour again from Monday, the port said.</p>"
    "</article></body></html>"
)
ONLY_SCRIPT_PAGE = (
    "<html><head><script>var a = 'x'.repeat(1000);</script><style>body{}</style></head>"
    "<body><script>init()</script><noscript></noscript></body></html>"
)
MIXED_UTF8 = "Café owners protest\n\nThe café owners of the old town — all of them — said "
MIXED_CP1252 = b"the new \x93rules\x94 on terraces would cost each of them \x80500 a month.\n"

# file name -> substring of the reason it must be skipped with
BAD = {
    "binary.txt": "binary file",
    "picture.html": "binary file",
    "empty.txt": "empty file",
    "blank.md": "empty file",
    "empty.jsonl": "empty file",
    "empty.json": "empty file",
    "huge.txt": "larger than 1 MB limit",
    "garbage.txt": "not valid UTF-8 text",
    "undefined_cp1252.txt": "not valid UTF-8 text",
    "broken.json": "invalid JSON",
    "scalar.json": "not an object",
    "deep.json": "invalid JSON (nested too deeply)",
    "x] data.json": "invalid JSON",  # in "odd[/x] data.json": markup must print as text
    "bad [red] name.json": "invalid JSON",
    "only_script.html": "no article text found in HTML",
    "fifo.txt": "not a regular file",
    "zero.txt": "a link to outside the folder",
    "dangling.txt": "no such file or directory",
}
GOOD = {
    "a.txt",
    "notes/b.md",
    "legacy.txt",
    "mixed.txt",
    "utf16.txt",
    "page.html",
    "object.json",
    "rec-1",
    "rec-2",
    "rec-5",
    "rec-trunc",
    "rec-huge-timestamp",
    "dup_a.txt",
    "odd [/bold] name [red].txt",
}
JSONL_BAD_LINES = {2: "invalid JSON", 3: "no text field", 4: "not a JSON object"}
NUMBERS_BAD_LINES = {2: "invalid JSON (Exceeds the limit", 3: "invalid JSON (nested too deeply)"}
SKIPPED = len(BAD) + len(JSONL_BAD_LINES) + 1 + len(NUMBERS_BAD_LINES)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad-corpus") / "news"
    write(root / "a.txt", story("lighthouse"))
    front = "---\ntitle: Orchard news\ndate: 2024-05-01\n---\n"
    write(root / "notes" / "b.md", front + story("orchard"))
    write(
        root / "legacy.txt",
        b"Cr\xe8me br\xfbl\xe9e festival\n\nThe caf\xe9 served cr\xe8me br\xfbl\xe9e to "
        b"\x93everyone\x94 at the festival.\n",
    )
    write(root / "mixed.txt", MIXED_UTF8.encode("utf-8") + MIXED_CP1252)
    write(root / "utf16.txt", ("Tram line opens\n\n" + story("tram")).encode("utf-16"))
    write(root / "page.html", SCRIPT_PAGE)
    write(root / "object.json", json.dumps({"title": "Bridge", "text": story("bridge")}))
    # one bad line must not lose the good ones; a duplicate id; a truncated last line
    lines = [
        json.dumps({"id": "rec-1", "title": "Ferry", "text": story("ferry")}),
        '{"id": "rec-broken", "text": "unterminated',
        json.dumps({"id": "rec-3", "title": "Only a title"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "rec-5", "body": story("glacier")}),
        json.dumps({"id": "rec-1", "title": "Ferry again", "text": story("canal")}),
        json.dumps({"id": "rec-2", "content": story("volcano")}),
        json.dumps({"id": "rec-trunc", "text": story("harvest")}),
    ]
    write(root / "feed.jsonl", "\n".join(lines))  # no final newline
    # numbers no float holds, and nesting the parser cannot follow, cost one line each
    huge = {"id": "rec-huge-timestamp", "text": story("comet"), "timestamp": 10**400}
    write(root / "numbers.jsonl", f'{json.dumps(huge)}\n{{"n": {"9" * 5000}}}\n{"[" * 100_000}\n')
    # duplicates: the same text under two names is indexed once
    write(root / "dup_a.txt", story("windmill"))
    write(root / "dup_b.txt", story("windmill").replace("\n", "\r\n"))
    write(root / "odd [/bold] name [red].txt", story("parade"))
    # bad ones
    write(root / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000))
    write(root / "picture.html", b"GIF89a\x00\x01" + bytes(range(256)) * 4)
    write(root / "empty.txt", b"")
    write(root / "blank.md", "  \n\t\n")
    write(root / "empty.jsonl", "\n\n")
    write(root / "empty.json", "")
    with open(write(root / "huge.txt", b""), "wb") as handle:  # 2 MB of text, limit 1 MB
        handle.write((story("huge") * 12_000).encode()[:2_000_000])
    write(root / "garbage.txt", bytes([1, 2, 3, 0xFF, 0xFE, 4, 5]) + b" garbage " * 10)
    write(root / "undefined_cp1252.txt", b"Text with \x81 an undefined byte\nmore text\n")
    write(root / "broken.json", '{"title": "Broken", "text": "no end')
    write(root / "scalar.json", "42")
    write(root / "deep.json", "[" * 100_000 + "]" * 100_000)
    write(root / "odd[" / "x] data.json", "{oops")
    write(root / "bad [red] name.json", "{oops")
    write(root / "only_script.html", ONLY_SCRIPT_PAGE)
    os.mkfifo(root / "fifo.txt")  # opening it would block: stat says it is no file
    (root / "zero.txt").symlink_to("/dev/zero")  # leaves the folder; read, it would never end
    (root / "dangling.txt").symlink_to(root / "gone.txt")
    # symlink loops: the walk enters each real directory once
    (root / "notes" / "loop").symlink_to(root, target_is_directory=True)
    (root / "notes" / "self").symlink_to(root / "notes", target_is_directory=True)
    write(root / ".hidden.txt", story("hidden"))
    write(root / "ignored.pdf", b"%PDF-1.4")
    return root


def reasons_by_name(report: IngestReport | list[Skipped]) -> dict[str, list[str]]:
    skipped = report.skipped if isinstance(report, IngestReport) else report
    out: dict[str, list[str]] = {}
    for skip in skipped:
        assert skip.reason.strip() and "\n" not in skip.reason, skip
        out.setdefault(Path(skip.path).name, []).append(skip.reason)
    return out


@pytest.fixture(scope="module")
def ingested(
    corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Assistant, IngestReport]:
    bot = make_assistant(tmp_path_factory.mktemp("bad-data"), ingest__max_file_mb=1)
    started = time.monotonic()
    report = bot.ingest(corpus)
    assert time.monotonic() - started < 60, "a FIFO or a device must not block the ingest"
    return bot, report


def test_every_good_article_is_indexed(ingested: tuple[Assistant, IngestReport]) -> None:
    bot, report = ingested
    assert report.ok
    assert {a.id for a in bot.articles()} == GOOD
    assert report.added == len(GOOD)
    assert report.duplicates == 1  # dup_b.txt: the same text as dup_a.txt
    comet = bot.article("rec-huge-timestamp")
    assert comet is not None and comet.published is None  # no date, but the story is kept


def test_every_bad_input_is_reported_with_its_reason(
    ingested: tuple[Assistant, IngestReport],
) -> None:
    _, report = ingested
    reasons = reasons_by_name(report)
    for name, expected in BAD.items():
        assert name in reasons, (name, reasons)
        assert len(reasons[name]) == 1 and expected in reasons[name][0], (name, reasons[name])
    feed = reasons.pop("feed.jsonl")
    for line, expected in JSONL_BAD_LINES.items():
        assert any(r.startswith(f"line {line}:") and expected in r for r in feed), (line, feed)
    assert sum("duplicate id rec-1" in r for r in feed) == 1
    assert len(feed) == len(JSONL_BAD_LINES) + 1
    numbers = reasons.pop("numbers.jsonl")
    assert len(numbers) == len(NUMBERS_BAD_LINES)
    for line, expected in NUMBERS_BAD_LINES.items():
        assert any(r.startswith(f"line {line}: {expected}") for r in numbers), (line, numbers)
    assert set(reasons) == set(BAD)  # nothing good was skipped, nothing hidden was read


def test_encodings_are_decoded_right(ingested: tuple[Assistant, IngestReport]) -> None:
    bot, _ = ingested
    legacy = bot.article("legacy.txt")
    assert legacy is not None
    assert legacy.title == "Crème brûlée festival" and "“everyone”" in legacy.text
    mixed = bot.article("mixed.txt")
    assert mixed is not None
    # the UTF-8 part and the cp1252 part each read right (not "CafÃ©")
    tail = "the new “rules” on terraces would cost each of them €500 a month.\n"
    assert mixed.text == MIXED_UTF8 + tail
    assert mixed.title == "Café owners protest"
    tram = bot.article("utf16.txt")
    assert tram is not None and tram.title == "Tram line opens" and "\ufeff" not in tram.text


def test_script_and_style_never_reach_the_index(ingested: tuple[Assistant, IngestReport]) -> None:
    bot, _ = ingested
    page = bot.article("page.html")
    assert page is not None
    assert "harbour wall" in page.text and "fishing fleet" in page.text
    for junk in ("SCRIPT_TEXT", "TRACKER_JUNK", "INLINE_SCRIPT", "STYLE_MUST", "color:red"):
        assert junk not in page.text
    hits = bot.search("TRACKER_JUNK SCRIPT_TEXT_MUST_NOT_APPEAR document.write", k=20)
    assert all("MUST_NOT_APPEAR" not in h.text for h in hits)


def test_the_store_is_consistent(ingested: tuple[Assistant, IngestReport]) -> None:
    bot, report = ingested
    articles, chunks = bot.counts()
    infos = bot.articles()
    assert articles == len(infos) and chunks == report.chunks == sum(i.chunks for i in infos)
    got = bot.store.chunks.get(include=["metadatas"])
    assert len(got["ids"]) == len(set(got["ids"])) == chunks
    per_article = Counter(meta["article_id"] for meta in got["metadatas"])
    assert per_article == Counter({i.id: i.chunks for i in infos})
    assert bot.search("harvest programme")[0].article_id == "rec-trunc"


def test_reingest_changes_nothing(ingested: tuple[Assistant, IngestReport], corpus: Path) -> None:
    bot, first = ingested
    again = bot.ingest(corpus)
    assert (again.added, again.updated, again.chunks) == (0, 0, 0)
    # the duplicate is still a duplicate of what is indexed, and said so
    assert (again.unchanged, again.duplicates) == (len(GOOD), first.duplicates)
    assert again.duplicates_of == first.duplicates_of
    assert sorted(map(tuple, reasons_by_name(again).items())) == sorted(
        map(tuple, reasons_by_name(first).items())
    )


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    """A 60 MB file against a 50 MB limit is refused from its size, never read into memory."""
    big = tmp_path / "huge.jsonl"
    with open(big, "wb") as handle:
        handle.truncate(60_000_000)  # sparse: costs no disk and no time
    tracemalloc.start()
    try:
        result = read_path(tmp_path, max_bytes=50_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.skipped == [Skipped(str(big), "larger than 50 MB limit")]
    assert peak < 5_000_000, f"{peak} bytes allocated to refuse the file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_and_folder(tmp_path: Path) -> None:
    root = tmp_path / "news"
    write(root / "ok.txt", story("museum"))
    secret = write(root / "secret.txt", story("secret"))
    closed = write(root / "closed" / "inner.txt", story("inner"))
    secret.chmod(0)
    closed.parent.chmod(0)
    try:
        bot = make_assistant(tmp_path / "data")
        report = bot.ingest(root)
    finally:
        secret.chmod(0o644)
        closed.parent.chmod(0o755)
    assert {a.id for a in bot.articles()} == {"ok.txt"}
    reasons = reasons_by_name(report)
    assert reasons == {"secret.txt": ["permission denied"], "closed": ["permission denied"]}


# -- the command line -----------------------------------------------------------------------
def _cli_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ASSISTANT_") or k in SCRUBBED)}
    env.update(
        ASSISTANT_CONFIG=str(CONFIG),
        ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_INGEST__MAX_FILE_MB="1",
        NO_COLOR="1",
    )
    return env


def test_cli_ingest_warns_with_a_count_and_exits_0(corpus: Path, tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "assistant"
    result = subprocess.run(
        [str(exe), "ingest", str(corpus)],
        cwd=REPO_ROOT,
        env=_cli_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert not re.search(r"^error:", result.stderr, re.M), result.stderr
    skipped = SKIPPED
    summary = re.search(r"(\d+) added, .* (\d+) skipped", result.stderr)
    assert summary, result.stderr
    assert (int(summary.group(1)), int(summary.group(2))) == (len(GOOD), skipped)
    warning = re.findall(r"^warning: (\d+) skipped", result.stderr, re.M)
    assert warning == [str(skipped)], result.stderr
    assert "odd [/bold] name [red].txt" not in result.stderr  # it was read, not skipped
    assert f"skipped {corpus / 'picture.html'}: binary file\n" in result.stderr
    assert "feed.jsonl: line 2: invalid JSON" in result.stderr
    for name in ("odd[/x] data.json", "bad [red] name.json"):  # shown as they are
        assert f"skipped {corpus / name}: invalid JSON" in result.stderr


def test_cli_json_report_also_warns(
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_INGEST__MAX_FILE_MB", "1")
    assert cli_main(["--data-dir", str(tmp_path / "d"), "ingest", str(corpus), "--json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["added"] == len(GOOD)
    assert re.findall(r"^warning: (\d+) skipped", err, re.M) == [str(len(report["skipped"]))]


def test_cli_exits_non_zero_only_when_nothing_could_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad"
    write(bad / "empty.txt", "")
    write(bad / "binary.md", b"\x00\x01\x02")
    write(bad / "broken.jsonl", "{oops\n")
    assert cli_main(["--data-dir", str(tmp_path / "d"), "ingest", str(bad)]) == 1
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: nothing could be read: "), err
    assert "(and 2 more skipped)" in lines[0]
    # an empty folder is not an error: there was nothing to read
    (tmp_path / "none").mkdir()
    assert cli_main(["--data-dir", str(tmp_path / "d"), "ingest", str(tmp_path / "none")]) == 0
