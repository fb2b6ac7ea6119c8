"""Turn a fetched feed (RSS 2.0, Atom, RDF) or web page into `Article` values.

A feed entry becomes one article: id = its GUID (else its link), source = the feed's title,
text = the full content the entry carries; an entry with only a summary and a link becomes a
`Pending` whose text `feeds` fetches from the linked page (extracted with trafilatura), else
its summary with a note in `metadata`. A response that is not a feed is read as one web page
(id = the URL). Nothing here touches the network: `feeds` fetches, this module reads bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from ...errors import SourceError
from ...types import Article, Skipped
from ..dates import normalise_date
from ..formats import parse_html

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/x-rss+xml",
    }
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w-]+)", re.IGNORECASE)
_CHARREF = re.compile(rb"&#(?:[xX]0*([0-9a-fA-F]+)|0*([0-9]+));")
_FEED_ROOT = re.compile(rb"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:rdf)\b", re.I | re.S)


@dataclass
class Pending:
    """A feed entry whose text must come from its linked page (`article` holds the summary)."""

    article: Article
    link: str
    updated: str | None


@dataclass
class Outcome:
    """What reading one given URL produced; `feeds` merges these into a `FetchResult`."""

    articles: list[Article] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unchanged: int = 0
    http: dict[str, Any] | None = None
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    failure: dict[str, Any] | None = None
    """The URL's state after a failed fetch (its failures counted, for backing off)."""


@dataclass(frozen=True)
class Response:
    """A fetched response: final URL (after redirects), status, media type, body, validators."""

    url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    etag: str | None
    last_modified: str | None
    max_age: float | None = None
    """Seconds the server says the document stays fresh (Cache-Control max-age)."""


def read_body(
    url: str, response: Response, state: dict[str, Any], known: set[str], outcome: Outcome
) -> str | None:
    """Fill `outcome` from a 200 response; returns the feed's or page's title."""
    import feedparser

    if not response.body.strip():
        raise SourceError("empty response")
    head = response.body[:2048]
    feed_like = looks_like_feed(head)
    if response.content_type in HTML_TYPES and not feed_like:
        page = page_article(response, article_id=url)
        outcome.articles.append(page)
        return page.title
    parsed = feedparser.parse(
        valid_charrefs(response.body),
        response_headers={
            "content-type": _content_type_header(response),
            "content-location": response.url,
        },
    )
    if parsed.entries or parsed.get("version"):
        if not parsed.entries and parsed.get("bozo"):
            raise SourceError(f"malformed feed ({_bozo_reason(parsed)})")
        return _read_feed(url, parsed, state, known, outcome)
    if response.content_type in FEED_TYPES or feed_like or head.lstrip().startswith(b"<?xml"):
        reason = _bozo_reason(parsed) if parsed.get("bozo") else "no feed entries found"
        raise SourceError(f"malformed feed ({reason})")
    if b"<html" in head.lower() or b"<body" in head.lower() or b"<p" in head.lower():
        page = page_article(response, article_id=url)
        outcome.articles.append(page)
        return page.title
    raise SourceError(
        f"neither a feed nor a web page (content type {response.content_type or 'unknown'})"
    )


def _read_feed(
    url: str, parsed: Any, state: dict[str, Any], known: set[str], outcome: Outcome
) -> str:
    feed_title = _plain(parsed.feed.get("title_detail")) or urlsplit(url).hostname or url
    for index, entry in enumerate(parsed.entries, start=1):
        link = str(entry.get("link") or "").strip() or None
        guid = str(entry.get("id") or "").strip()
        if guid and ":" not in guid:  # "42": unique only within this feed
            guid = f"{url}#{guid}"
        eid = guid or link
        if not eid:
            outcome.skipped.append(Skipped(f"{url} (entry {index})", "entry has no id or link"))
            continue
        raw_date = entry.get("published") or entry.get("updated")
        updated = entry.get("updated") or entry.get("published")
        published = normalise_date(raw_date) or _from_struct(
            entry.get("published_parsed") or entry.get("updated_parsed"), raw_date
        )
        metadata: dict[str, Any] = {"feed": url}
        tags = [str(t.get("term")) for t in entry.get("tags", []) if t.get("term")]
        if tags:
            metadata["tags"] = tags
        content = _entry_content(entry)
        summary = _plain(entry.get("summary_detail"))
        title = _plain(entry.get("title_detail")) or _first_line(content or summary) or eid
        article = Article(
            id=eid,
            title=title,
            text=content or summary,
            author=str(entry.get("author") or "").strip() or None,
            source=feed_title,
            published=published,
            url=link,
            path=url,
            metadata={**metadata, "content": "feed" if content else "summary"},
        )
        if content:
            outcome.articles.append(article)
            outcome.entries[eid] = {"updated": updated, "fallback": False}
        elif link:
            seen = state["entries"].get(eid)
            if (
                seen
                and seen.get("updated") == updated
                and not seen.get("fallback")
                and (eid in known)
            ):
                outcome.unchanged += 1
                outcome.entries[eid] = seen
            else:
                outcome.pending.append(Pending(article, link, updated))
        elif summary:
            note = "the entry has no content and no link: text is the feed's summary"
            outcome.articles.append(replace(article, metadata={**article.metadata, "note": note}))
            outcome.entries[eid] = {"updated": updated, "fallback": False}
        else:
            outcome.skipped.append(Skipped(f"{url} ({eid})", "entry has no text and no link"))
    return feed_title


# -- text ----------------------------------------------------------------------------------
def valid_charrefs(body: bytes) -> bytes:
    """`body` with each character reference to no character ("&#xD800;", a lone surrogate,
    or a code point past U+10FFFF) replaced by U+FFFD's: feedparser aborts on them."""

    def repair(match: re.Match[bytes]) -> bytes:
        hexa, decimal = match.group(1), match.group(2)
        digits = hexa or decimal
        code = int(digits, 16 if hexa else 10) if len(digits) <= 8 else 0x110000
        return b"&#xFFFD;" if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF else match.group()

    return _CHARREF.sub(repair, body) if b"&#" in body else body


def page_article(response: Response, *, article_id: str) -> Article:
    """A fetched web page as one article (its URL and host fill in what the page lacks)."""
    article = parse_html(decode(response), article_id=article_id, path=article_id)
    return replace(
        article,
        url=article.url or response.url,
        source=article.source or urlsplit(response.url).hostname,
    )


def _entry_content(entry: Any) -> str:
    """The longest full content (content:encoded, atom:content) of an entry, as text."""
    texts = [_plain(item) for item in entry.get("content", []) or []]
    return max(texts, key=len, default="")


def _plain(detail: Any) -> str:
    """Text of a feedparser `*_detail` value (HTML converted, plain text kept)."""
    if not detail or not detail.get("value"):
        return ""
    value = str(detail["value"])
    if "html" in str(detail.get("type", "")):
        return html_to_text(value)
    return "\n".join(line.strip() for line in value.strip().splitlines())


class _TextParser(HTMLParser):
    BLOCKS = frozenset(
        "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 "
        "h5 h6 header hr li main nav ol p pre section table td th tr ul".split()
    )
    HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "iframe"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n- " if tag == "li" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML fragment: one paragraph per block, blank lines between."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n\n".join(line for line in lines if line and line != "-")


def looks_like_feed(body: bytes) -> bool:
    """Whether a document starts like RSS, Atom or RDF, whatever its content type says."""
    return bool(_FEED_ROOT.match(body[:2048]))


def decode(response: Response) -> str:
    """The text of a fetched page: its declared charset, its <meta> charset, else UTF-8."""
    body = response.body
    candidates = [response.charset] if response.charset else []
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    for encoding in [*candidates, "utf-8"]:
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", errors="replace")


def _content_type_header(response: Response) -> str:
    charset = f"; charset={response.charset}" if response.charset else ""
    return (response.content_type or "application/octet-stream") + charset


def _bozo_reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    if not exc:
        return "not well-formed"
    return " ".join(str(exc).split()) or type(exc).__name__


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.split("\n") if line.strip()), "")[:150]


def _from_struct(value: Any, raw: Any) -> str | None:
    """feedparser's reading of a date `normalise_date` could not read, when the year it
    found is written in full in `raw` (feedparser too makes 2001 of "1")."""
    try:
        if not value or str(value[0]) not in str(raw or ""):
            return None
        return datetime(*value[:6]).replace(tzinfo=UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError):
        return None
