"""Saved conversations: a small SQLite file in the assistant's data dir.

The chat keeps every finished answer (text and citations) so a conversation can be listed,
resumed with its sources, exported (Markdown with the sources' quotes, or JSON), or deleted
later; the questions asked are the question box's history, and a few named preferences (the
TUI's theme) live beside them, so both outlast a restart. Each call opens its own
connection, so any worker thread may use the store. No UI: the TUI and the CLI both read it
through `Assistant.history`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from .config import private_dir, private_tree
from .text import one_line
from .types import Answer, Citation

FILE_NAME = "conversations.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    partial INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns(conversation_id, id);
CREATE TABLE IF NOT EXISTS preferences (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ConversationInfo:
    """One saved conversation, for the list."""

    id: int
    title: str
    updated: float
    turns: int


@dataclass(frozen=True)
class SavedTurn:
    """A question and its answer as they were shown."""

    question: str
    answer: str
    citations: tuple[Citation, ...]
    partial: bool = False


def title_of(question: str, limit: int = 60) -> str:
    """A one-line title from the first question."""
    words = " ".join(question.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


class ConversationStore:
    """Conversations and their turns in one SQLite file (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        private_dir(self.path.parent)
        with closing(sqlite3.connect(self.path, timeout=5.0)) as db:
            private_tree(self.path)  # a user's questions are nobody else's to read
            db.execute("PRAGMA foreign_keys = ON")
            db.executescript(SCHEMA)
            with db:  # one transaction, committed on success
                yield db

    def recent(self) -> list[ConversationInfo]:
        """Every conversation, most recently updated first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.updated, COUNT(t.id) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id "
                "GROUP BY c.id ORDER BY c.updated DESC, c.id DESC"
            ).fetchall()
        return [ConversationInfo(int(i), str(t), float(u), int(n)) for i, t, u, n in rows]

    def add_turn(self, conversation_id: int | None, answer: Answer) -> int:
        """Save `answer` in the conversation (a new one when None); return its id."""
        now = time.time()
        cites = json.dumps([c.to_dict() for c in answer.citations], ensure_ascii=False)
        with self._connect() as db:
            if conversation_id is None:
                cursor = db.execute(
                    "INSERT INTO conversations (title, created, updated) VALUES (?, ?, ?)",
                    (title_of(answer.question), now, now),
                )
                assert cursor.lastrowid is not None
                conversation_id = int(cursor.lastrowid)
            else:
                db.execute(
                    "UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id)
                )
            db.execute(
                "INSERT INTO turns (conversation_id, question, answer, citations, partial, "
                "created) VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, answer.question, answer.text, cites, int(answer.partial), now),
            )
        return conversation_id

    def title(self, conversation_id: int) -> str:
        with self._connect() as db:
            row = db.execute(
                "SELECT title FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
        return str(row[0]) if row else ""

    def turns(self, conversation_id: int) -> list[SavedTurn]:
        """The conversation's turns, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT question, answer, citations, partial FROM turns "
                "WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        return [
            SavedTurn(
                str(q), str(a), tuple(Citation(**c) for c in json.loads(cites)), bool(partial)
            )
            for q, a, cites, partial in rows
        ]

    def questions(self, limit: int = 100) -> list[str]:
        """The last `limit` questions asked in any conversation, oldest first."""
        if not self.path.exists():  # reading creates nothing
            return []
        with self._connect() as db:
            rows = db.execute(
                "SELECT question FROM turns ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [str(q) for (q,) in reversed(rows)]

    def preference(self, name: str) -> str | None:
        """A saved preference (such as the TUI's theme), or None."""
        if not self.path.exists():
            return None
        with self._connect() as db:
            row = db.execute("SELECT value FROM preferences WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def set_preference(self, name: str, value: str) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO preferences (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    def delete(self, conversation_id: int) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def info(self, conversation_id: int) -> ConversationInfo | None:
        """One conversation's title, last update and number of turns (None: no such one)."""
        return next((c for c in self.recent() if c.id == conversation_id), None)

    def export(self, conversation_id: int, fmt: str = "md") -> str:
        """The conversation as Markdown (`md`: questions, answers, sources with quotes) or
        JSON (`json`); KeyError when there is no such conversation."""
        info = self.info(conversation_id)
        if info is None:
            raise KeyError(conversation_id)
        turns = self.turns(conversation_id)
        if fmt == "json":
            return json.dumps(conversation_dict(info, turns), indent=2, ensure_ascii=False)
        return conversation_markdown(info.title, turns)


def conversation_dict(info: ConversationInfo, turns: list[SavedTurn]) -> dict[str, object]:
    """A conversation as plain data: its title, when it was updated, every turn."""
    return {
        "id": info.id,
        "title": info.title,
        "updated": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(info.updated)),
        "turns": [
            {
                "question": t.question,
                "answer": t.answer,
                "partial": t.partial,
                "citations": [c.to_dict() for c in t.citations],
            }
            for t in turns
        ],
    }


def turn_markdown(turn: SavedTurn, heading: str = "##") -> str:
    """One question and its answer in Markdown, with its sources and their quotes."""
    lines = [f"{heading} {one_line(turn.question)}", "", turn.answer.strip()]
    if turn.partial:
        lines += ["", "*(incomplete answer)*"]
    if turn.citations:
        lines += ["", "**Sources**", ""]
    for c in turn.citations:
        where = " · ".join(x for x in (c.source, c.published, f"`{c.article_id}`") if x)
        link = f" <{c.url}>" if c.url else ""
        lines.append(f"[{c.n}] **{one_line(c.title or c.article_id)}**: {where}{link}")
        lines.append(f"> {one_line(c.quote)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(title: str, turns: list[SavedTurn]) -> str:
    """A whole conversation in Markdown: a title, then each turn with its sources."""
    asked = "1 question" if len(turns) == 1 else f"{len(turns)} questions"
    head = f"# {one_line(title)}\n\n*A conversation with the news assistant, {asked}.*\n"
    return "\n".join([head, *(turn_markdown(t) for t in turns)])
