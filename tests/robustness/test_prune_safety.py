"""`ingest --prune` removes only what a successful read of an existing folder shows is gone.

A folder that was moved, mistyped or is an unmounted share (missing, or an empty mount
point) is refused with one line, and nothing is removed, unless the user confirms with
`--yes` (`confirm=True`). A folder that could not be read, and a file that could not be
parsed, keep their articles: a failed read deletes nothing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import make_assistant, write
from running import run_assistant

from assistant.errors import SourceError

# run the CLI as a user that file permissions apply to (root without its override)
NO_DAC = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
]


def story(n: int) -> str:
    return (
        f"Harbour report {n}\n\nThe harbour council met for the {n}th time on Tuesday to "
        f"discuss berth {n}. Officials said berth {n} would reopen after repairs next month.\n"
    )


def run(
    data_dir: Path, *args: str, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_assistant(data_dir, *args, prefix=prefix or [])


def indexed(data_dir: Path) -> set[str]:
    done = run(data_dir, "articles", "--json")
    assert done.returncode == 0, done.stderr
    return {a["id"] for a in json.loads(done.stdout)}


@pytest.fixture
def news(tmp_path: Path) -> Path:
    root = tmp_path / "share" / "news"
    for n in range(20):
        write(root / f"{n:02d}.txt", story(n))
    return root


def test_a_missing_folder_is_refused_and_loses_nothing(news: Path, data_dir: Path) -> None:
    assert run(data_dir, "ingest", str(news)).returncode == 0
    assert len(indexed(data_dir)) == 20
    news.rename(news.with_name("moved"))  # moved, mistyped or an unmounted share

    refused = run(data_dir, "ingest", str(news), "--prune")
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: not pruning"), refused.stderr
    assert "does not exist" in lines[0] and "20 indexed articles" in lines[0]
    assert "--yes" in lines[0]
    assert len(indexed(data_dir)) == 20

    confirmed = run(data_dir, "ingest", str(news), "--prune", "--yes", "--json")
    assert confirmed.returncode == 0, confirmed.stderr
    report = json.loads(confirmed.stdout)
    assert report["removed"] == 20 and report["skipped"] == []
    assert indexed(data_dir) == set()


def test_an_empty_mount_point_is_refused_and_loses_nothing(news: Path, data_dir: Path) -> None:
    bot = make_assistant(data_dir)
    assert bot.ingest(news).added == 20
    for file in news.iterdir():  # the share is not mounted: the mount point is empty
        file.rename(news.parent / file.name)

    with pytest.raises(SourceError) as refused:
        bot.ingest(news, prune=True)
    assert "no articles were found in it" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert bot.counts()[0] == 20
    refused_cli = run(data_dir, "ingest", str(news), "--prune")
    assert refused_cli.returncode == 1 and "error: not pruning" in refused_cli.stderr
    assert bot.counts()[0] == 20

    assert bot.ingest(news, prune=True, confirm=True).removed == 20
    assert bot.counts()[0] == 0


def test_what_could_not_be_read_keeps_its_articles(tmp_path: Path, data_dir: Path) -> None:
    root = tmp_path / "news"
    for n in range(4):
        write(root / "locked" / f"{n}.txt", story(n))
        write(root / "open" / f"{n}.txt", story(10 + n))
    records = [{"id": f"rec-{n}", "title": f"Record {n}", "text": story(20 + n)} for n in range(3)]
    write(root / "records.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    write(root / "single.json", json.dumps({"id": "single", "text": story(30)}))
    assert run(data_dir, "ingest", str(root)).returncode == 0
    assert len(indexed(data_dir)) == 12

    (root / "open" / "0.txt").unlink()  # really gone: pruned
    (root / "locked").chmod(0o000)  # cannot be listed: its articles stay
    write(root / "records.jsonl", '{"id": "rec-0", "title": "trunc')  # broken: its records stay
    write(root / "single.json", "{oops")
    try:
        done = run(data_dir, "ingest", str(root), "--prune", "--json", prefix=NO_DAC)
    finally:
        (root / "locked").chmod(0o755)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["removed"] == 1
    reasons = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert "permission denied" in reasons["locked"]
    assert "invalid JSON" in reasons["records.jsonl"] and "invalid JSON" in reasons["single.json"]
    left = indexed(data_dir)
    assert "open/0.txt" not in left and len(left) == 11
    assert {"locked/0.txt", "rec-0", "rec-2", "single"} <= left


def test_prune_still_removes_what_is_gone(news: Path, data_dir: Path) -> None:
    bot = make_assistant(data_dir)
    bot.ingest(news)
    for n in range(5):
        (news / f"{n:02d}.txt").unlink()
    report = bot.ingest(news, prune=True)
    assert (report.removed, report.unchanged) == (5, 15)
    assert bot.counts()[0] == 15
