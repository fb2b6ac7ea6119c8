"""A symlink inside an ingested folder that leads out of it (to /etc/passwd, to another
user's folder) is skipped with its reason unless the user asks for it with `--follow-links`
(`follow_links=True`); links that stay inside the folder are read as before.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_assistant, write
from running import run_assistant


def story(topic: str) -> str:
    return f"{topic.title()} news\n\nThe {topic} council met on Tuesday about the {topic}.\n"


def make_folder(tmp_path: Path) -> Path:
    root = tmp_path / "news"
    write(root / "2024" / "harbour.txt", story("harbour"))
    write(tmp_path / "private" / "diary.txt", story("secret diary"))
    (root / "passwd.txt").symlink_to("/etc/passwd")
    (root / "diary.txt").symlink_to(tmp_path / "private" / "diary.txt")
    (root / "private").symlink_to(tmp_path / "private", target_is_directory=True)
    (root / "latest").symlink_to(root / "2024", target_is_directory=True)  # stays inside
    (root / "harbour-link.txt").symlink_to(root / "2024" / "harbour.txt")  # stays inside
    return root


def test_links_out_of_the_folder_are_not_followed(tmp_path: Path, data_dir: Path) -> None:
    root = make_folder(tmp_path)
    bot = make_assistant(data_dir)
    report = bot.ingest(root)
    assert {a.id for a in bot.articles()} == {"2024/harbour.txt"}
    assert report.duplicates == 1  # harbour-link.txt: the same text, indexed once
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"passwd.txt", "diary.txt", "private"}
    assert all("--follow-links" in reason for reason in reasons.values())
    assert bot.article("passwd.txt") is None


def test_follow_links_reads_them(tmp_path: Path, data_dir: Path) -> None:
    root = make_folder(tmp_path)
    done = run_assistant(data_dir, "ingest", str(root), "--follow-links", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["skipped"] == []
    ids = {a.id for a in make_assistant(data_dir).articles()}
    assert {"2024/harbour.txt", "passwd.txt", "diary.txt"} <= ids
