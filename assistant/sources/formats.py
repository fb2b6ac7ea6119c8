"""Parse one article's text into an `Article`: plain text / Markdown, saved HTML, JSON records.

Each format has its own habits: Markdown with simple front matter and a closing "By <name>"
line, saved web pages full of scripts and menus (trafilatura finds the article in them),
JSON records whose field names differ from feed to feed. The parsers here work on text that
is already decoded and raise `SourceError` with a reason a person can act on; reading files
and folders, decoding bytes and turning errors into `Skipped` values is `files`' job.

An article's `text` is kept exactly as given (only a BOM is dropped and line endings are
normalised to "\\n"), so passages can later be shown in context by their character offsets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import unescape as html_unescape
from typing import Any

from ..errors import SourceError
from ..text import sentences
from ..types import Article
from .dates import normalise_date

ID_KEYS = ("id", "guid", "uuid")
TITLE_KEYS = ("title", "headline", "name")
TEXT_KEYS = ("text", "body", "content", "article", "full_text")
SUMMARY_KEYS = ("summary", "description")
URL_KEYS = ("url", "link")
AUTHOR_KEYS = ("author", "by", "byline", "authors")
DATE_KEYS = ("published", "published_at", "date", "pubDate", "datetime", "timestamp")
SOURCE_KEYS = ("source", "publisher", "site", "feed")
FRONT_MATTER_DATE_KEYS = ("date", "published", "published_at")

_BYLINE = re.compile(r"by\s+(?P<name>\S.{0,79})", re.IGNORECASE)
_FRONT_KEY = re.compile(r"(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*)")
_FRONT_ITEM = re.compile(r"\s*-\s+(?P<value>.*)")
_HTML_TITLE = re.compile(r"<title[^>]*>(?P<title>.*?)</title>", re.IGNORECASE | re.DOTALL)


def parse_text(text: str, *, article_id: str, path: str | None = None) -> Article:
    """Parse a plain-text or Markdown article; `text` of the result is the whole input."""
    text = normalise_newlines(text)
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
    text = normalise_newlines(text)
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
    text = normalise_newlines(obj[text_key])

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


def normalise_newlines(text: str) -> str:
    """`text` without a leading BOM and with "\\n" line endings (shared with `files`)."""
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
                title = _shorten((sentences(title) or [title])[0], 100)
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
