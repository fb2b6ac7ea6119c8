"""Read news articles from local files and folders into `Article` values.

Real exports are messy: a folder of plain-text stories with one file in a legacy encoding,
Markdown with front matter, saved web pages full of scripts and menus, JSON and JSON Lines
dumps whose field names differ from feed to feed and which contain the odd broken line.
This module turns all of them into the one shape the rest of the assistant understands, and
turns every input it cannot read into a `Skipped` with a reason a person can act on, instead
of an exception that would abort a long ingest half way through.

An article's `text` is kept exactly as read (only a BOM is dropped and line endings are
normalised to "\\n"), so passages can later be shown in context by their character offsets.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

from dateutil import parser as date_parser

from assistant.errors import SourceError
from assistant.types import Article, Skipped

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
SUPPORTED_SUFFIXES: frozenset[str] = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES

ID_KEYS = ("id", "guid", "uuid")
TITLE_KEYS = ("title", "headline", "name")
TEXT_KEYS = ("text", "body", "content", "article", "full_text")
SUMMARY_KEYS = ("summary", "description")
URL_KEYS = ("url", "link")
AUTHOR_KEYS = ("author", "by", "byline", "authors")
DATE_KEYS = ("published", "published_at", "date", "pubDate", "datetime", "timestamp")
SOURCE_KEYS = ("source", "publisher", "site", "feed")
WRAPPER_KEYS = ("articles", "items", "data")
FRONT_MATTER_DATE_KEYS = ("date", "published", "published_at")

_BYLINE = re.compile(r"by\s+(?P<name>\S.{0,79})", re.IGNORECASE)
_FRONT_KEY = re.compile(r"(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*)")
_FRONT_ITEM = re.compile(r"\s*-\s+(?P<value>.*)")
_HTML_TITLE = re.compile(r"<title[^>]*>(?P<title>.*?)</title>", re.IGNORECASE | re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_EPOCH = re.compile(r"-?\d{9,13}(\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Two parse defaults that differ in every field: a field that comes out different under
# them was not in the string, so "Nov 5" (no year) is rejected and "5 Nov 2024" is a date.
_DEFAULT_A = datetime(1904, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(1908, 2, 2, 1, 1, 1)
_TZ_OFFSETS = (
    "EST=-5 EDT=-4 CST=-6 CDT=-5 MST=-7 MDT=-6 PST=-8 PDT=-7 BST=1 CET=1 CEST=2 AEST=10 AEDT=11"
)
_TZINFOS = {
    name: timezone(timedelta(hours=int(hours)))
    for name, hours in (pair.split("=") for pair in _TZ_OFFSETS.split())
}
_BINARY_SNIFF = 8192
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # C0 controls except \t\n\v\f\r


@dataclass(frozen=True)
class ReadResult:
    """Everything read from one path: the good articles and the inputs that were not."""

    articles: list[Article]
    skipped: list[Skipped]


def read_path(path: Path, *, max_bytes: int = 20_000_000) -> ReadResult:
    """Read a file or a folder (recursively) into articles, collecting what was skipped."""
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for item in iter_path(path, max_bytes=max_bytes):
        if isinstance(item, Article):
            articles.append(item)
        else:
            skipped.append(item)
    return ReadResult(articles=articles, skipped=skipped)


def iter_path(path: Path, *, max_bytes: int = 20_000_000) -> Iterator[Article | Skipped]:
    """Yield articles and skipped inputs one at a time, in a deterministic (sorted) order.

    In a folder, hidden entries (names starting with ".") and files of unsupported types are
    ignored, and each real directory is entered once, so symlink loops terminate.
    """
    root = Path(path)
    try:
        mode = root.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        yield Skipped(str(root), "no such file or directory")
        return
    except OSError as exc:
        yield Skipped(str(root), _os_reason(exc))
        return
    if stat.S_ISDIR(mode):
        yield from _walk(root, root, {os.path.realpath(root)}, max_bytes)
    elif root.suffix.lower() not in SUPPORTED_SUFFIXES:
        yield Skipped(str(root), f"unsupported file type {root.suffix or '(no suffix)'}")
    else:
        yield from _read_file(root, root.name, max_bytes)


def parse_text(text: str, *, article_id: str, path: str | None = None) -> Article:
    """Parse a plain-text or Markdown article; `text` of the result is the whole input."""
    text = _normalise_newlines(text)
    if not text.strip():
        raise SourceError("empty file")
    fields, body_start = _front_matter(text)
    body = text[body_start:]
    if not body.strip():
        raise SourceError("no text after front matter")
    metadata: dict[str, Any] = {}
    title = author = source = url = published = None
    for key, value in fields.items():
        scalar = value.strip() if isinstance(value, str) else None
        if key == "title" and scalar:
            title = scalar
        elif key == "author" and scalar:
            author = scalar
        elif key == "source" and scalar:
            source = scalar
        elif key == "url" and scalar:
            url = scalar
        elif key == "id" and scalar:
            article_id = scalar
        elif key in FRONT_MATTER_DATE_KEYS and scalar and published is None:
            published = normalise_date(scalar)
            if published is None:
                metadata["date_raw"] = scalar
        else:
            metadata[key] = value
    return Article(
        id=article_id,
        title=title or _title_from_text(body),
        text=text,
        author=author or _byline(body),
        source=source,
        published=published,
        url=url,
        path=path,
        metadata=metadata,
    )


def parse_html(html: str, *, article_id: str, path: str | None = None) -> Article:
    """Extract the main text and metadata of a saved web page (offline, with trafilatura)."""
    try:
        import trafilatura  # imported here: it is slow to import and only HTML needs it
        from trafilatura.settings import Document

        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    except Exception as exc:  # trafilatura can fail in many ways on broken markup
        raise SourceError(f"could not parse HTML ({exc})") from exc
    text = doc.text if isinstance(doc, Document) and doc.text else ""
    if not isinstance(doc, Document) or not text.strip():
        raise SourceError("no article text found in HTML")
    text = _normalise_newlines(text)
    title = doc.title
    if not title:
        match = _HTML_TITLE.search(html)
        title = " ".join(html_unescape(match.group("title")).split()) if match else None
    metadata: dict[str, Any] = {}
    for key in ("description", "hostname", "language", "categories", "tags"):
        value = getattr(doc, key, None)
        if value:
            metadata[key] = value
    published = normalise_date(doc.date)
    if doc.date and published is None:
        metadata["date_raw"] = doc.date
    return Article(
        id=article_id,
        title=title or _title_from_text(text),
        text=text,
        author=doc.author or None,
        source=doc.sitename or None,
        published=published,
        url=doc.url or None,
        path=path,
        metadata=metadata,
    )


def parse_record(obj: Mapping[str, Any], *, fallback_id: str, path: str | None = None) -> Article:
    """Map one JSON record, whatever its field names, to an article."""
    used: set[str] = set(TEXT_KEYS)
    text_key = _first_key(obj, TEXT_KEYS) or _first_key(obj, SUMMARY_KEYS)
    if text_key is None:
        raise SourceError("no text field")
    used.add(text_key)
    text = _normalise_newlines(obj[text_key])

    article_id = fallback_id
    for key in ID_KEYS:
        value = obj.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            article_id = str(value).strip()
            used.add(key)
            break

    title_key = _first_key(obj, TITLE_KEYS)
    if title_key:
        used.add(title_key)

    author = None
    for key in AUTHOR_KEYS:
        author = _name_of(obj.get(key))
        if author:
            used.add(key)
            break

    metadata: dict[str, Any] = {}
    published = None
    for key in DATE_KEYS:
        raw = obj.get(key)
        if raw is None or raw == "" or isinstance(raw, bool):
            continue
        used.add(key)
        published = normalise_date(raw)
        if published is None:
            metadata["date_raw"] = str(raw)
        break

    source = None
    for key in SOURCE_KEYS:
        source = _name_of(obj.get(key))
        if source:
            used.add(key)
            break

    url = None
    for key in URL_KEYS:
        value = obj.get(key)
        if isinstance(value, Mapping):
            value = value.get("href") or value.get("url")
        if isinstance(value, str) and value.strip():
            url = value.strip()
            used.add(key)
            break

    for key, value in obj.items():
        if key not in used and _is_plain(value):
            metadata.setdefault(str(key), value)

    return Article(
        id=article_id,
        title=obj[title_key].strip() if title_key else _title_from_text(text),
        text=text,
        author=author,
        source=source,
        published=published,
        url=url,
        path=path,
        metadata=metadata,
    )


def normalise_date(value: Any) -> str | None:
    """Return `value` as ISO 8601 (`YYYY-MM-DD`, or a datetime with offset), or None.

    Accepts ISO strings, RFC 2822 and other human formats, and epoch seconds or milliseconds.
    A datetime without a zone is taken to be UTC. A value missing its year or day is None.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_epoch(value)
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    if _EPOCH.fullmatch(raw):
        return _from_epoch(float(raw))
    if _ISO_DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = date_parser.parse(raw, default=_DEFAULT_A, tzinfos=_TZINFOS)
            second = date_parser.parse(raw, default=_DEFAULT_B, tzinfos=_TZINFOS)
    except (ValueError, OverflowError):
        return None
    assert isinstance(first, datetime) and isinstance(second, datetime)
    if first.date() != second.date():
        return None
    if first.hour != second.hour:
        return first.date().isoformat()
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    return first.isoformat(timespec="seconds")


def to_epoch(published: str | None) -> int | None:
    """Seconds since the epoch (UTC) of an ISO value; a bare date means midnight UTC."""
    if not published:
        return None
    try:
        moment = datetime.fromisoformat(published.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _walk(
    root: Path, directory: Path, visited: set[str], max_bytes: int
) -> Iterator[Article | Skipped]:
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        yield Skipped(str(directory), _os_reason(exc))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        child = Path(entry.path)
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            real = os.path.realpath(child)
            if real not in visited:
                visited.add(real)
                yield from _walk(root, child, visited, max_bytes)
        elif child.suffix.lower() in SUPPORTED_SUFFIXES:
            yield from _read_file(child, child.relative_to(root).as_posix(), max_bytes)


def _read_file(file: Path, rel: str, max_bytes: int) -> Iterator[Article | Skipped]:
    shown = str(file)
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
            return _normalise_newlines(data.decode("utf-16"))
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
    return _normalise_newlines(text)


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode the bytes UTF-8 rejected as cp1252 (raises if undefined)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("cp1252"), exc.end


_CP1252_FALLBACK = "news-assistant-cp1252"
codecs.register_error(_CP1252_FALLBACK, _cp1252_bytes)


def _normalise_newlines(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(text: str) -> tuple[dict[str, str | list[str]], int]:
    """Parse simple `key: value` front matter between leading `---` lines.

    Returns the fields and the offset where the body starts (0 when there is none).
    """
    if not text.startswith("---\n"):
        return {}, 0
    fields: dict[str, str | list[str]] = {}
    last_key: str | None = None
    offset = 4
    for line in text[4:].split("\n"):
        end = offset + len(line) + 1
        if line.rstrip() in ("---", "..."):
            return fields, min(end, len(text))
        item = _FRONT_ITEM.fullmatch(line)
        pair = _FRONT_KEY.fullmatch(line.strip())
        previous = fields.get(last_key) if last_key else None
        if item and last_key and (previous == "" or isinstance(previous, list)):
            values = previous if isinstance(previous, list) else []
            values.append(_unquote(item.group("value")))
            fields[last_key] = values
        elif pair and not line[:1].isspace():
            last_key = pair.group("key").lower()
            fields[last_key] = _unquote(pair.group("value"))
        elif line.strip() and not line.lstrip().startswith("#"):
            return {}, 0  # prose between rules: a horizontal rule, not front matter
        offset = end
    return {}, 0  # no closing line: not front matter


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _title_from_text(text: str) -> str:
    """The first non-empty line (without Markdown `#` marks), or its first sentence if long."""
    for line in text.split("\n"):
        title = line.strip().lstrip("#").strip()
        if title:
            if len(title) > 150:  # a paragraph, not a headline: use its first sentence
                title = _shorten(_SENTENCE_END.split(title, maxsplit=1)[0], 100)
            return title
    return ""


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _byline(body: str) -> str | None:
    """The author from a closing `By <name>` line, if the article ends with one."""
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    if len(lines) < 2:
        return None
    match = _BYLINE.fullmatch(lines[-1].strip("*_ "))
    if not match:
        return None
    name = match.group("name").strip()
    if name[-1] in ".!?;:," or not name[0].isupper() or len(name.split()) > 8:
        return None
    return name


def _first_key(obj: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return key
    return None


def _name_of(value: Any) -> str | None:
    """A person's or publisher's name from a string, a `{"name": ...}` object, or a list."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, Mapping):
        return _name_of(value.get("name"))
    if isinstance(value, list):
        names = [name for name in (_name_of(item) for item in value) if name]
        return ", ".join(names) or None
    return None


def _is_plain(value: Any) -> bool:
    scalar = (str, int, float, bool, type(None))
    if isinstance(value, scalar):
        return True
    return isinstance(value, list) and all(isinstance(item, scalar) for item in value)


def _json_reason(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).split(";")[0]


def _from_epoch(seconds: float | int) -> str | None:
    try:
        seconds = float(seconds)  # an int too large for a float is no date
    except OverflowError:
        return None
    if abs(seconds) > 1e11:  # milliseconds
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):
        return None


def _size_label(max_bytes: int) -> str:
    if max_bytes >= 1_000_000:
        return f"{max_bytes / 1_000_000:g} MB"
    return f"{max_bytes} bytes"


def _os_reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return reason[:1].lower() + reason[1:]
