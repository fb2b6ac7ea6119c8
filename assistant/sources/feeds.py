"""Read news feeds (RSS 2.0, Atom, RDF) and article web pages into `Article` values.

Files are what a person already has; feeds are how news keeps arriving. This module fetches
http(s) URLs and turns them into the same `Article` / `Skipped` values as `files`, so the
ingest pipeline (incremental hashing: unchanged articles cost no embedding) is reused as is.

A feed entry becomes one article: id = its GUID (else its link), source = the feed's title,
text = the full content the entry carries, else the main text of its linked page (extracted
with trafilatura), else its summary with a note in `metadata`. A URL that is not a feed is
read as one web page (id = the URL).

The network is treated as hostile and slow: only http and https, a timeout per operation,
a body size cap (stop reading past it), at most 5 redirects, a clear User-Agent. A broken
feed or page becomes a `Skipped(url, reason)` and the rest proceeds.

Being polite and cheap on refresh: `<data_dir>/feeds.json` keeps each URL's ETag and
Last-Modified (a 304 downloads and re-embeds nothing) and each entry's `updated` value (an
already indexed entry with the same value does not get its linked page fetched again). The
same file holds the subscribed feeds. It is written atomically, under a file lock, and only
after the fetched articles were indexed (`FetchResult.commit`), so a failed ingest is
retried in full next time.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from assistant.errors import SourceError
from assistant.sources.files import normalise_date, parse_html
from assistant.types import Article, Skipped

if TYPE_CHECKING:
    import httpx

USER_AGENT = "news-assistant/0.1 (+feeds)"
MAX_REDIRECTS = 5
STATE_FILE = "feeds.json"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
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
_URL_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w-]+)", re.IGNORECASE)
_FEED_ROOT = re.compile(rb"\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:rdf)\b", re.I | re.S)
_T = TypeVar("_T")

ProgressFn = Callable[[str, int, int], None]
"""Called with (phase, done, total) while fetching."""


@dataclass(frozen=True)
class FetchOptions:
    """How to talk to servers (the `[feeds]` settings)."""

    timeout: float = 15.0
    """Seconds per connect / read; a whole body must arrive within four times this."""
    max_bytes: int = 5_000_000
    user_agent: str = USER_AGENT
    concurrency: int = 4


@dataclass(frozen=True)
class Subscription:
    """A subscribed feed and what its last refresh saw."""

    url: str
    added: str
    title: str | None = None
    checked: str | None = None
    entries: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FetchResult:
    """Articles read from URLs, the URLs or entries skipped, and state to keep once indexed."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unchanged: int = 0
    """Known entries not read again (the feed answered 304, or the entry did not change)."""
    urls: dict[str, dict[str, Any]] = field(default_factory=dict)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def commit(self, data_dir: Path) -> None:
        """Record validators and entry state: call after the articles were indexed."""

        def apply(state: dict[str, Any]) -> None:
            state["urls"].update(self.urls)
            state["entries"].update(self.entries)
            live = {eid for info in state["urls"].values() for eid in info.get("entries", ())}
            state["entries"] = {k: v for k, v in state["entries"].items() if k in live}

        _update_state(data_dir, apply)


@dataclass
class _Pending:
    """A feed entry whose text must come from its linked page (`article` holds the summary)."""

    article: Article
    link: str
    updated: str | None


@dataclass
class _Outcome:
    articles: list[Article] = field(default_factory=list)
    pending: list[_Pending] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unchanged: int = 0
    http: dict[str, Any] | None = None
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Response:
    url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    etag: str | None
    last_modified: str | None


class _FetchError(Exception):
    """A URL could not be fetched; the message is the reason shown to the user."""


# -- URLs and subscriptions ---------------------------------------------------------------
def is_url(value: str) -> bool:
    """True for anything shaped like `scheme://...` (routed here, even if later refused)."""
    return bool(_URL_LIKE.match(value.strip()))


def check_url(url: str) -> str:
    """`url` without surrounding blanks, or SourceError when it is not an http(s) URL."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}://" if scheme else "(none)"
        raise SourceError(f"unsupported URL scheme {shown}: only http and https URLs are read")
    if not parts.hostname:
        raise SourceError(f"not a URL (no host): {url}")
    return url


def list_feeds(data_dir: Path) -> list[Subscription]:
    """The subscribed feeds, in the order they were added."""
    state = load_state(data_dir)
    out = []
    for sub in state["subscriptions"]:
        info = state["urls"].get(sub["url"], {})
        out.append(
            Subscription(
                url=sub["url"],
                added=sub.get("added", ""),
                title=info.get("title"),
                checked=info.get("checked"),
                entries=len(info.get("entries", ())),
            )
        )
    return out


def add_feed(data_dir: Path, url: str) -> bool:
    """Subscribe to `url`; False when it already was. Nothing is fetched until a refresh."""
    url = check_url(url)
    added = False

    def apply(state: dict[str, Any]) -> None:
        nonlocal added
        if all(sub["url"] != url for sub in state["subscriptions"]):
            state["subscriptions"].append({"url": url, "added": _now()})
            added = True

    _update_state(data_dir, apply)
    return added


def remove_feed(data_dir: Path, url: str) -> bool:
    """Unsubscribe from `url` (its articles stay indexed); False when it was not subscribed."""
    url = url.strip()
    removed = False

    def apply(state: dict[str, Any]) -> None:
        nonlocal removed
        kept = [sub for sub in state["subscriptions"] if sub["url"] != url]
        removed = len(kept) != len(state["subscriptions"])
        state["subscriptions"] = kept
        state["urls"].pop(url, None)

    _update_state(data_dir, apply)
    return removed


# -- fetching ------------------------------------------------------------------------------
def fetch(
    urls: Iterable[str],
    options: FetchOptions,
    *,
    data_dir: Path,
    indexed: Collection[str] = (),
    progress: ProgressFn | None = None,
) -> FetchResult:
    """Read feeds and pages at `urls` concurrently (at most `options.concurrency` at once).

    `indexed` names the article ids already in the index: only feeds whose entries are
    indexed get conditional requests, and only indexed entries skip their page fetch.
    """
    import httpx  # imported here: the chat must open fast

    notify = progress or (lambda _phase, _done, _total: None)
    state = load_state(data_dir)
    result = FetchResult()
    todo: list[str] = []
    for raw in urls:
        try:
            url = check_url(raw)
        except SourceError as exc:
            result.skipped.append(Skipped(raw, str(exc)))
            continue
        if url not in todo:
            todo.append(url)
    if not todo:
        return result
    known = set(indexed)
    headers = {"User-Agent": options.user_agent, "Accept": ACCEPT}
    workers = max(1, min(options.concurrency, len(todo)))
    with (
        httpx.Client(
            timeout=options.timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers=headers,
        ) as client,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="feeds") as pool,
    ):
        outcomes = _run_all(
            pool,
            [partial(_read_source, client, u, options, state, known) for u in todo],
            lambda done: notify("fetching", done, len(todo)),
        )
        pending = [p for outcome in outcomes for p in outcome.pending]
        pages = _run_all(
            pool,
            [partial(_read_entry_page, client, p, options) for p in pending],
            lambda done: notify("fetching pages", done, len(pending)),
        )
    for url, outcome in zip(todo, outcomes, strict=True):
        result.articles.extend(outcome.articles)
        result.skipped.extend(outcome.skipped)
        result.unchanged += outcome.unchanged
        result.entries.update(outcome.entries)
        if outcome.http is not None:
            result.urls[url] = outcome.http
    for item, page in zip(pending, pages, strict=True):
        if isinstance(page, Skipped):
            result.skipped.append(page)
            continue
        result.articles.append(page)
        fallback = page.metadata.get("content") == "summary"
        result.entries[page.id] = {"updated": item.updated, "fallback": fallback}
    return result


def _run_all(
    pool: ThreadPoolExecutor, jobs: list[Callable[[], _T]], on_done: Callable[[int], None]
) -> list[_T]:
    """Run `jobs` in `pool`; results in the jobs' order."""
    futures: dict[Future[_T], int] = {pool.submit(job): i for i, job in enumerate(jobs)}
    results: dict[int, _T] = {}
    for done, future in enumerate(as_completed(futures), start=1):
        results[futures[future]] = future.result()
        on_done(done)
    return [results[i] for i in range(len(jobs))]


def _read_source(
    client: httpx.Client, url: str, options: FetchOptions, state: dict[str, Any], known: set[str]
) -> _Outcome:
    """Fetch one given URL (conditionally when possible) and read it as a feed or a page."""
    outcome = _Outcome()
    previous: dict[str, Any] = state["urls"].get(url, {})
    entries: list[str] = list(previous.get("entries", ()))
    conditional: dict[str, str] = {}
    if not entries or any(eid in known for eid in entries):
        if previous.get("etag"):
            conditional["If-None-Match"] = previous["etag"]
        if previous.get("last_modified"):
            conditional["If-Modified-Since"] = previous["last_modified"]
    try:
        response = _get(client, url, options, conditional)
        if response.status == 304:
            outcome.unchanged = len(entries)
            outcome.http = {**previous, "checked": _now()}
            return outcome
        title = _read_body(url, response, state, known, outcome)
    except (_FetchError, SourceError) as exc:
        outcome.skipped.append(Skipped(url, str(exc)))
        return outcome
    except Exception as exc:  # a parser failing in an unforeseen way must not stop the rest
        outcome.skipped.append(Skipped(url, f"unexpected {type(exc).__name__}: {exc}"))
        return outcome
    ids = list(
        dict.fromkeys(
            [a.id for a in outcome.articles]
            + [p.article.id for p in outcome.pending]
            + list(outcome.entries)
        )
    )
    outcome.http = {
        "etag": response.etag,
        "last_modified": response.last_modified,
        "title": title,
        "checked": _now(),
        "entries": ids,
    }
    return outcome


def _read_body(
    url: str, response: _Response, state: dict[str, Any], known: set[str], outcome: _Outcome
) -> str | None:
    """Fill `outcome` from a 200 response; returns the feed's or page's title."""
    import feedparser

    if not response.body.strip():
        raise SourceError("empty response")
    head = response.body[:2048]
    looks_like_feed = bool(_FEED_ROOT.match(head))
    if response.content_type in HTML_TYPES and not looks_like_feed:
        page = _page_article(response, article_id=url)
        outcome.articles.append(page)
        return page.title
    parsed = feedparser.parse(
        response.body,
        response_headers={
            "content-type": _content_type_header(response),
            "content-location": response.url,
        },
    )
    if parsed.entries or parsed.get("version"):
        if not parsed.entries and parsed.get("bozo"):
            raise SourceError(f"malformed feed ({_bozo_reason(parsed)})")
        return _read_feed(url, parsed, state, known, outcome)
    if response.content_type in FEED_TYPES or looks_like_feed or head.lstrip().startswith(b"<?xml"):
        reason = _bozo_reason(parsed) if parsed.get("bozo") else "no feed entries found"
        raise SourceError(f"malformed feed ({reason})")
    if b"<html" in head.lower() or b"<body" in head.lower() or b"<p" in head.lower():
        page = _page_article(response, article_id=url)
        outcome.articles.append(page)
        return page.title
    raise SourceError(
        f"neither a feed nor a web page (content type {response.content_type or 'unknown'})"
    )


def _read_feed(
    url: str, parsed: Any, state: dict[str, Any], known: set[str], outcome: _Outcome
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
            entry.get("published_parsed") or entry.get("updated_parsed")
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
                outcome.pending.append(_Pending(article, link, updated))
        elif summary:
            note = "the entry has no content and no link: text is the feed's summary"
            outcome.articles.append(replace(article, metadata={**article.metadata, "note": note}))
            outcome.entries[eid] = {"updated": updated, "fallback": False}
        else:
            outcome.skipped.append(Skipped(f"{url} ({eid})", "entry has no text and no link"))
    return feed_title


def _read_entry_page(
    client: httpx.Client, item: _Pending, options: FetchOptions
) -> Article | Skipped:
    """The entry with its linked page's main text, else its summary with a note."""
    base = item.article
    try:
        page = _page_article(_get(client, item.link, options, {}), article_id=base.id)
    except (_FetchError, SourceError) as exc:
        reason = str(exc)
    except Exception as exc:  # an extractor failing in an unforeseen way
        reason = f"unexpected {type(exc).__name__}: {exc}"
    else:
        return replace(
            base,
            text=page.text,
            author=base.author or page.author,
            published=base.published or page.published,
            metadata={**base.metadata, "content": "page"},
        )
    if not base.text.strip():
        return Skipped(item.link, reason)
    note = f"linked page not read ({reason}): text is the feed's summary"
    return replace(base, metadata={**base.metadata, "content": "summary", "note": note})


def _get(
    client: httpx.Client, url: str, options: FetchOptions, headers: dict[str, str]
) -> _Response:
    """GET `url`, reading at most `options.max_bytes` of body; raises `_FetchError`."""
    import httpx

    too_big = f"larger than the {_size_label(options.max_bytes)} limit"
    deadline = time.monotonic() + 4 * options.timeout
    try:
        with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status == 304 and headers:
                body = b""
            elif not 200 <= status < 300:
                raise _FetchError(f"HTTP {status} {response.reason_phrase}".strip())
            else:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > options.max_bytes:
                    raise _FetchError(too_big)
                buffer = bytearray()
                for chunk in response.iter_bytes():
                    buffer += chunk
                    if len(buffer) > options.max_bytes:
                        raise _FetchError(too_big)
                    if time.monotonic() > deadline:
                        raise _FetchError(f"too slow: no full body in {4 * options.timeout:g} s")
                body = bytes(buffer)
            media, _, params = response.headers.get("content-type", "").partition(";")
            charset = re.search(r"charset=[\"']?([\w-]+)", params, re.IGNORECASE)
            return _Response(
                url=str(response.url),
                status=status,
                content_type=media.strip().lower(),
                charset=charset.group(1) if charset else None,
                body=body,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )
    except httpx.TimeoutException:
        raise _FetchError(f"timed out after {options.timeout:g} s") from None
    except httpx.TooManyRedirects:
        raise _FetchError(f"more than {MAX_REDIRECTS} redirects") from None
    except httpx.UnsupportedProtocol as exc:
        raise _FetchError(f"redirected to an unsupported URL ({exc})") from None
    except httpx.ConnectError as exc:
        raise _FetchError(f"could not connect ({exc or 'connection refused'})") from None
    except httpx.HTTPError as exc:
        raise _FetchError(f"{type(exc).__name__}: {exc}") from None


# -- text ----------------------------------------------------------------------------------
def _page_article(response: _Response, *, article_id: str) -> Article:
    article = parse_html(_decode(response), article_id=article_id, path=article_id)
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


def _decode(response: _Response) -> str:
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


def _content_type_header(response: _Response) -> str:
    charset = f"; charset={response.charset}" if response.charset else ""
    return (response.content_type or "application/octet-stream") + charset


def _bozo_reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    if not exc:
        return "not well-formed"
    return " ".join(str(exc).split()) or type(exc).__name__


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.split("\n") if line.strip()), "")[:150]


def _from_struct(value: Any) -> str | None:
    try:
        if not value:
            return None
        return datetime(*value[:6]).replace(tzinfo=UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError):
        return None


def _size_label(max_bytes: int) -> str:
    if max_bytes >= 1_000_000:
        return f"{max_bytes / 1_000_000:g} MB"
    return f"{max_bytes} bytes"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- state file ----------------------------------------------------------------------------
_STATE_LOCK = threading.Lock()


def load_state(data_dir: Path) -> dict[str, Any]:
    """The contents of `<data_dir>/feeds.json` (empty when there is none)."""
    path = Path(data_dir) / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except (OSError, ValueError) as exc:
        raise SourceError(f"could not read {path} ({exc}); fix or delete it") from None
    if not isinstance(data, dict):
        raise SourceError(f"could not read {path} (not a JSON object); fix or delete it")
    state: dict[str, Any] = {"version": 1, "subscriptions": [], "urls": {}, "entries": {}}
    for key, kind in (("subscriptions", list), ("urls", dict), ("entries", dict)):
        if isinstance(data.get(key), kind):
            state[key] = data[key]
    return state


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with _STATE_LOCK, open(data_dir / (STATE_FILE + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _update_state(data_dir: Path, apply: Callable[[dict[str, Any]], None]) -> None:
    """Read the state afresh, change it with `apply`, write it back atomically."""
    data_dir = Path(data_dir)
    with _locked(data_dir):
        state = load_state(data_dir)
        apply(state)
        fd, tmp = tempfile.mkstemp(prefix=".feeds-", suffix=".json", dir=data_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state, handle, indent=1, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, data_dir / STATE_FILE)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
