"""The disk under the index: a read-only index can be searched and asked (an ingest into it
is refused in one line), and a full disk says "the disk is full" rather than Chroma's
"Error in compaction: Failed to apply logs" or a hang, with nothing of the index lost; run
again with space, the same ingest completes.

Both run the real CLI: as a user file permissions apply to (root without its override,
with setpriv) for the read-only index, and on a 1.5 MB tmpfs mounted in a private mount
namespace (`unshare -m`) for the full disk, once as shipped (the free-space check refuses
the write) and once with that check off (Chroma meets the full disk itself).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS, make_assistant, write
from running import EXE, cli_env, run_assistant

from assistant.errors import StoreError

NO_DAC = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
]


def _can(command: list[str]) -> bool:
    if shutil.which(command[0]) is None:
        return False
    return subprocess.run([*command, "true"], capture_output=True, check=False).returncode == 0


def test_a_read_only_index_can_be_searched(tmp_path: Path) -> None:
    if not _can(NO_DAC):
        pytest.skip("needs setpriv to drop root's file-permission override")
    data_dir = tmp_path / "data"
    make_assistant(data_dir).ingest(SEEDS)
    for path in [data_dir, *data_dir.rglob("*")]:
        path.chmod(0o500 if path.is_dir() else 0o400)
    before = {p: p.stat().st_mtime_ns for p in data_dir.rglob("*")}
    try:
        search = run_assistant(data_dir, "search", "Boeing jets", "--json", prefix=NO_DAC)
        assert search.returncode == 0, search.stderr
        assert (
            json.loads(search.stdout)[0]["article_id"]
            == SEEDS.joinpath("000_9b8fe6ecb3e6f2bf.txt").name
        )
        ask = run_assistant(
            data_dir,
            "ask",
            "How many Boeing jets might China buy?",
            "--provider",
            "extractive",
            "--json",
            prefix=NO_DAC,
        )
        assert ask.returncode == 0, ask.stderr
        assert json.loads(ask.stdout)["citations"]
        listed = run_assistant(data_dir, "articles", "--json", prefix=NO_DAC)
        assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 1
        ingest = run_assistant(data_dir, "ingest", str(SEEDS), prefix=NO_DAC)
        assert ingest.returncode == 1
        assert ingest.stderr.strip().splitlines() == [
            f"error: the index at {data_dir} is read-only for this user: it can be searched, "
            "but ingesting needs write access to it"
        ]
        assert {p: p.stat().st_mtime_ns for p in data_dir.rglob("*")} == before
    finally:
        for path in [data_dir, *data_dir.rglob("*")]:
            path.chmod(0o700 if path.is_dir() else 0o600)


FULL_DISK = """
set -e
mount -t tmpfs -o size=1500k tmpfs "$1"
"$2" ingest "$3" >/dev/null 2>&1
"$2" ingest "$4" 2>"$1/stderr.txt" && echo "exit 0" || echo "exit $?"
cat "$1/stderr.txt"
mount -o remount,size=64m "$1"
"$2" articles --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
"$2" ingest "$4" >/dev/null 2>&1 && echo "again 0" || echo "again $?"
"$2" articles --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
"""

UNGUARDED = """import sys
import assistant.index.chroma_client as disk
disk.ROOM_PER_CHUNK = disk.ROOM_MARGIN = 0
from assistant.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _fill_the_disk(tmp_path: Path, exe: Path) -> list[str]:
    """Ingest the seed article on a 1.5 MB tmpfs, then 100 articles that do not fit; free
    space and list, ingest again, list again. The lines the script printed."""
    if not _can(["unshare", "-m"]):
        pytest.skip("needs unshare -m to mount a small tmpfs privately")
    records = [
        {
            "id": f"r{n}",
            "title": f"Berth {n}",
            "text": f"The harbour council met about berth {n}. " * 40,
        }
        for n in range(100)
    ]
    big = write(tmp_path / "big.jsonl", "\n".join(json.dumps(r) for r in records))
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", FULL_DISK, "sh", str(disk), str(exe), str(SEEDS), str(big)],
        capture_output=True,
        text=True,
        env=cli_env(disk / "data"),
        timeout=300,
        check=False,
    )
    return done.stdout.strip().splitlines() + done.stderr.strip().splitlines()


def _said_so_and_lost_nothing(lines: list[str]) -> None:
    assert lines[0] == "exit 1", lines
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: the disk is full ("), lines
    assert not any("Failed to apply logs" in line for line in lines), lines
    # with space again: the article indexed before is still there, and the same ingest,
    # run again as the message says, indexes everything
    assert lines[-3:] == ["1", "again 0", "101"], lines


def test_a_full_disk_says_so_before_chroma_meets_it(tmp_path: Path) -> None:
    lines = _fill_the_disk(tmp_path, EXE)
    _said_so_and_lost_nothing(lines)
    assert "this needs about" in lines[1], lines


def test_a_full_disk_met_inside_chroma_says_so_and_does_not_hang(tmp_path: Path) -> None:
    """Without the free-space check, Chroma itself meets the full disk; the next write on
    that connection used to wait for ever (the lease release after the failed ingest)."""
    script = write(tmp_path / "unguarded.py", UNGUARDED)
    exe = write(tmp_path / "assistant", f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n')
    exe.chmod(0o755)
    lines = _fill_the_disk(tmp_path, exe)
    _said_so_and_lost_nothing(lines)
    assert "this needs about" not in lines[1], lines


def test_a_program_that_frees_space_can_ingest_again_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused write touched nothing in Chroma, so the ingest gives its lease back: the
    same Assistant (a long-running program: the TUI, `assistant serve`) ingests again as
    soon as there is room, without "another ingest is running"."""
    import assistant.index.chroma_client as disk

    bot = make_assistant(tmp_path / "data")
    bot.ingest(SEEDS)
    more = write(
        tmp_path / "more.jsonl",
        json.dumps({"id": "m1", "title": "Berths", "text": "The harbour council met. " * 30}),
    )
    monkeypatch.setattr(disk, "ROOM_PER_CHUNK", 1 << 50)  # no disk holds a chunk
    with pytest.raises(StoreError, match="^the disk is full "):
        bot.ingest(more)
    monkeypatch.undo()
    report = bot.ingest(more)
    assert report.added == 1, report
    assert len(bot.articles()) == 2
