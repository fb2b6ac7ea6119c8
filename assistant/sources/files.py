"""Read news articles from local files and folders into `Article` values.

Real exports are messy: a folder of plain-text stories with one file in a legacy encoding,
Markdown with front matter, saved web pages full of scripts and menus, JSON and JSON Lines
dumps whose field names differ from feed to feed and which contain the odd broken line.
This module turns all of them into the one shape the rest of the assistant understands, and
turns every input it cannot read into a `Skipped` with a reason a person can act on, instead
of an exception that would abort a long ingest half way through.

Parsing the text of each format is in `formats`, dates are in `dates`.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..text import valid_text
from ..types import Article, Skipped
from .formats import normalise_newlines, parse_html, parse_record, parse_text

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
SUPPORTED_SUFFIXES: frozenset[str] = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES

WRAPPER_KEYS = ("articles", "items", "data")
_BINARY_SNIFF = 8192
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # C0 controls except \t\n\v\f\r


@dataclass(frozen=True)
class ReadResult:
    """Everything read from one path: the good articles and the inputs that were not."""

    articles: list[Article]
    skipped: list[Skipped]


def read_path(path: Path, *, max_bytes: int = 20_000_000, follow_links: bool = False) -> ReadResult:
    """Read a file or a folder (recursively) into articles, collecting what was skipped."""
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for item in iter_path(path, max_bytes=max_bytes, follow_links=follow_links):
        if isinstance(item, Article):
            articles.append(item)
        else:
            skipped.append(item)
    return ReadResult(articles=articles, skipped=skipped)


def iter_path(
    path: Path, *, max_bytes: int = 20_000_000, follow_links: bool = False
) -> Iterator[Article | Skipped]:
    """Yield articles and skipped inputs one at a time, in a deterministic (sorted) order.

    In a folder, hidden entries (names starting with ".") and files of unsupported types are
    ignored, and each real directory is entered once, so symlink loops terminate. A symlink
    to outside the folder (a link to /etc/passwd) is skipped unless `follow_links`.
    """
    root = Path(path)
    try:
        mode = root.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        yield Skipped(shown_name(root), "no such file or directory")
        return
    except OSError as exc:
        yield Skipped(shown_name(root), _os_reason(exc))
        return
    if stat.S_ISDIR(mode):
        real = os.path.realpath(root)
        yield from _walk(root, root, {real}, max_bytes, None if follow_links else real)
    elif root.suffix.lower() not in SUPPORTED_SUFFIXES:
        yield Skipped(shown_name(root), f"unsupported file type {root.suffix or '(no suffix)'}")
    else:
        yield from _read_file(root, root.name, max_bytes)


OUTSIDE_LINK = "a link to outside the folder, not followed (--follow-links follows it)"


def _walk(
    root: Path, directory: Path, visited: set[str], max_bytes: int, inside: str | None
) -> Iterator[Article | Skipped]:
    """Walk `directory`; links leading out of the folder `inside` (when set) are skipped."""
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        yield Skipped(shown_name(directory), _os_reason(exc))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        child = Path(entry.path)
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if not is_dir and child.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        if inside is not None and entry.is_symlink():
            if not _within(os.path.realpath(child), inside):
                yield Skipped(shown_name(child), OUTSIDE_LINK)
                continue
        if is_dir:
            real = os.path.realpath(child)
            if real not in visited:
                visited.add(real)
                yield from _walk(root, child, visited, max_bytes, inside)
        else:
            yield from _read_file(child, shown_name(child.relative_to(root)), max_bytes)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _read_file(file: Path, rel: str, max_bytes: int) -> Iterator[Article | Skipped]:
    shown = shown_name(file)
    too_big = f"larger than {_size_label(max_bytes)} limit"
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            yield Skipped(shown, "not a regular file")
            return
        if info.st_size > max_bytes:
            yield Skipped(shown, too_big)
            return
        with file.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        yield Skipped(shown, _os_reason(exc))
        return
    if len(data) > max_bytes:
        yield Skipped(shown, too_big)
        return
    suffix = file.suffix.lower()
    try:
        if not data.strip():
            raise SourceError("empty file")
        text = _decode(data)
        if suffix in TEXT_SUFFIXES:
            yield parse_text(text, article_id=rel, path=shown)
        elif suffix in HTML_SUFFIXES:
            yield parse_html(text, article_id=rel, path=shown)
        elif suffix in JSON_SUFFIXES:
            yield from _read_json(text, rel, shown)
        else:
            yield from _read_jsonl(text, rel, shown)
    except SourceError as exc:
        yield Skipped(shown, str(exc))


def _read_json(text: str, rel: str, shown: str) -> Iterator[Article | Skipped]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Skipped(shown, f"invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
        return
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, [[[[... nested too deep
        yield Skipped(shown, f"invalid JSON ({_json_reason(exc)})")
        return
    if isinstance(data, dict):
        records = next((data[k] for k in WRAPPER_KEYS if isinstance(data.get(k), list)), None)
        if records is None:
            yield parse_record(data, fallback_id=rel, path=shown)
            return
    elif isinstance(data, list):
        records = data
    else:
        yield Skipped(shown, "JSON is not an object or a list of objects")
        return
    if not records:
        yield Skipped(shown, "no articles in JSON")
    for index, record in enumerate(records):
        yield _record_or_skip(record, f"{rel}#{index}", shown, f"item {index}")


def _read_jsonl(text: str, rel: str, shown: str) -> Iterator[Article | Skipped]:
    found = False
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        found = True
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(shown, f"line {number}: invalid JSON ({exc.msg})")
            continue
        except (ValueError, RecursionError) as exc:
            yield Skipped(shown, f"line {number}: invalid JSON ({_json_reason(exc)})")
            continue
        yield _record_or_skip(record, f"{rel}#{number}", shown, f"line {number}")
    if not found:
        yield Skipped(shown, "empty file")


def _record_or_skip(record: Any, fallback_id: str, shown: str, where: str) -> Article | Skipped:
    if not isinstance(record, dict):
        return Skipped(shown, f"{where}: not a JSON object")
    try:
        return parse_record(record, fallback_id=fallback_id, path=shown)
    except SourceError as exc:
        return Skipped(shown, f"{where}: {exc}")


def _decode(data: bytes) -> str:
    """Decode UTF-8 (or UTF-16 with a BOM); fall back to cp1252 for legacy Western text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return normalise_newlines(data.decode("utf-16"))
        except UnicodeDecodeError:
            raise SourceError("not valid UTF-16 text") from None
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise SourceError("binary file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Legacy or mixed: valid UTF-8 sequences stay UTF-8, each stray byte is cp1252 (a
        # UTF-8 story pasted into a cp1252 file, or the reverse, reads right in both parts).
        try:
            text = data.decode("utf-8", errors=_CP1252_FALLBACK)
        except UnicodeDecodeError:
            raise SourceError("not valid UTF-8 text") from None
        if _CONTROL_CHARS.search(text):  # not text in any Western legacy encoding either
            raise SourceError("not valid UTF-8 text") from None
    return normalise_newlines(text)


def shown_name(path: Path) -> str:
    """`path` as text (POSIX separators): the bytes of a name that is not UTF-8 (which
    Python keeps as surrogate escapes) read as cp1252, like the bytes of a legacy file, so
    "caf\\xe9.txt" is "café.txt"; what even cp1252 lacks becomes U+FFFD."""
    name = path.as_posix()
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        return os.fsencode(name).decode("utf-8", errors=_CP1252_FALLBACK)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return valid_text(name)


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode the bytes UTF-8 rejected as cp1252 (raises if undefined)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("cp1252"), exc.end


_CP1252_FALLBACK = "news-assistant-cp1252"
codecs.register_error(_CP1252_FALLBACK, _cp1252_bytes)


def _json_reason(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).split(";")[0]


def _size_label(max_bytes: int) -> str:
    if max_bytes >= 1_000_000:
        return f"{max_bytes / 1_000_000:g} MB"
    return f"{max_bytes} bytes"


def _os_reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return reason[:1].lower() + reason[1:]
