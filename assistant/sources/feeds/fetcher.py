"""Read news feeds (RSS 2.0, Atom, RDF) and article web pages into `Article` values.

Files are what a person already has; feeds are how news keeps arriving. This module fetches
http(s) URLs and turns them into the same `Article` / `Skipped` values as `files`, so the
ingest pipeline (incremental hashing: unchanged articles cost no embedding) is reused as is.

The network is treated as hostile and slow: only http and https, one deadline per request
(connect, headers, body and redirects), a body size cap (stop reading past it), at most 5
redirects, a clear User-Agent, and only the addresses `guard` allows (no link-local or
metadata address ever; a private one only for a host the user named), checked again on every
redirect hop. At most `max_pages` linked pages are fetched per refresh; the rest wait for
the next one. A broken feed or page becomes a `Skipped(url, reason)` and the rest proceeds.

Refreshes are polite and cheap: conditional requests with the validators that
`subscriptions` keeps in `<data_dir>/feeds.json` (a 304 downloads and re-embeds nothing),
and no page fetch for an already indexed entry whose `updated` value did not change.
`parse` reads the fetched documents into articles (a feed entry with only a summary
gets its linked page fetched here).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ...errors import SourceError
from ...types import Article, Skipped
from .parse import Outcome, Pending, Response, page_article, read_body
from .schedule import checked, failed, max_age_seconds, retry_after_seconds
from .subscriptions import check_url, load_state, update_state

if TYPE_CHECKING:
    import httpx

USER_AGENT = "news-assistant/0.1 (+feeds)"
MAX_REDIRECTS = 5
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
_T = TypeVar("_T")

ProgressFn = Callable[[str, int, int], None]
"""Called with (phase, done, total) while fetching."""


@dataclass(frozen=True)
class FetchOptions:
    """How to talk to servers (the `[feeds]` settings)."""

    timeout: float = 15.0
    """Seconds one request may take in all: connect, headers, body, redirects."""
    max_bytes: int = 5_000_000
    user_agent: str = USER_AGENT
    concurrency: int = 4
    max_pages: int = 300
    """Linked article pages fetched per call; the others are left for the next one."""
    allow_hosts: tuple[str, ...] = ()
    """Private hosts, addresses or networks that may be fetched though not named."""


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

        update_state(data_dir, apply)


class _FetchError(Exception):
    """A URL could not be fetched; the message is the reason shown to the user, and
    `retry_after` the seconds the server asked to wait (Retry-After), when it did."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


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

    from .guard import AddressPolicy, GuardedTransport

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
    named = {(u.host, u.port or (443 if u.scheme == "https" else 80)) for u in map(httpx.URL, todo)}
    policy = AddressPolicy(frozenset(named), options.allow_hosts)
    with (
        httpx.Client(
            timeout=options.timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers=headers,
            transport=GuardedTransport(policy, max_connections=workers * 2),
            trust_env=False,  # a proxy would connect where the guard never looked
        ) as client,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="feeds") as pool,
    ):
        outcomes = _run_all(
            pool,
            [partial(_read_source, client, u, options, state, known) for u in todo],
            lambda done: notify("fetching", done, len(todo)),
        )
        pending = _cap_pages(todo, outcomes, options.max_pages, result)
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
        elif outcome.failure is not None:
            result.urls[url] = outcome.failure
    for item, page in zip(pending, pages, strict=True):
        if isinstance(page, Skipped):
            result.skipped.append(page)
            continue
        result.articles.append(page)
        fallback = page.metadata.get("content") == "summary"
        result.entries[page.id] = {"updated": item.updated, "fallback": fallback}
    return result


def fetch_one(url: str, options: FetchOptions) -> Response:
    """GET one http(s) URL under the same caps as a refresh; SourceError with the reason."""
    import httpx

    from .guard import AddressPolicy, GuardedTransport

    url = check_url(url)
    headers = {"User-Agent": options.user_agent, "Accept": ACCEPT}
    parsed = httpx.URL(url)
    named = frozenset({(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80))})
    with httpx.Client(
        timeout=options.timeout,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers=headers,
        transport=GuardedTransport(AddressPolicy(named, options.allow_hosts), max_connections=2),
        trust_env=False,  # a proxy would connect where the guard never looked
    ) as client:
        try:
            return _get(client, url, options, {})
        except _FetchError as exc:
            raise SourceError(f"cannot read {url}: {exc}") from None


def _cap_pages(
    urls: list[str], outcomes: list[Outcome], cap: int, result: FetchResult
) -> list[Pending]:
    """At most `cap` of the feeds' linked pages, taken from each feed in turn; a feed with
    pages left over is read in full next time (its validators are not kept) and says how
    many wait, in a `Skipped` line."""
    queues = [list(outcome.pending) for outcome in outcomes]
    chosen: list[Pending] = []
    while len(chosen) < cap and any(queues):
        for queue in queues:
            if queue and len(chosen) < cap:
                chosen.append(queue.pop(0))
    for url, outcome, left in zip(urls, outcomes, queues, strict=True):
        if left:
            if outcome.http is not None:
                outcome.http = {**outcome.http, "etag": None, "last_modified": None}
            reason = f"{len(left)} linked pages left for the next refresh (feeds.max_pages = {cap})"
            result.skipped.append(Skipped(url, reason))
    return chosen


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
) -> Outcome:
    """Fetch one given URL (conditionally when possible) and read it as a feed or a page."""
    outcome = Outcome()
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
            outcome.http = checked(previous)
            if response.max_age is not None:
                outcome.http["max_age"] = response.max_age
            return outcome
        title = read_body(url, response, state, known, outcome)
    except (_FetchError, SourceError) as exc:
        outcome.skipped.append(Skipped(url, str(exc)))
        outcome.failure = failed(previous, str(exc), getattr(exc, "retry_after", None))
        return outcome
    except Exception as exc:  # a parser failing in an unforeseen way must not stop the rest
        reason = f"unexpected {type(exc).__name__}: {exc}"
        outcome.skipped.append(Skipped(url, reason))
        outcome.failure = failed(previous, reason, None)
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
        "entries": ids,
        "max_age": response.max_age,
        **checked({}),
    }
    return outcome


def _read_entry_page(
    client: httpx.Client, item: Pending, options: FetchOptions
) -> Article | Skipped:
    """The entry with its linked page's main text, else its summary with a note."""
    base = item.article
    try:
        page = page_article(_get(client, item.link, options, {}), article_id=base.id)
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
) -> Response:
    """GET `url`, reading at most `options.max_bytes` of body; raises `_FetchError`."""
    import httpx

    from .guard import deadline

    too_big = f"larger than the {_size_label(options.max_bytes)} limit"
    try:
        with deadline(options.timeout), client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status == 304 and headers:
                body = b""
            elif not 200 <= status < 300:
                raise _FetchError(
                    f"HTTP {status} {response.reason_phrase}".strip(),
                    retry_after_seconds(response.headers.get("retry-after")),
                )
            else:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > options.max_bytes:
                    raise _FetchError(too_big)
                buffer = bytearray()
                for chunk in response.iter_bytes():
                    buffer += chunk
                    if len(buffer) > options.max_bytes:
                        raise _FetchError(too_big)
                body = bytes(buffer)
            media, _, params = response.headers.get("content-type", "").partition(";")
            charset = re.search(r"charset=[\"']?([\w-]+)", params, re.IGNORECASE)
            return Response(
                url=str(response.url),
                status=status,
                content_type=media.strip().lower(),
                charset=charset.group(1) if charset else None,
                body=body,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                max_age=max_age_seconds(response.headers.get("cache-control")),
            )
    except httpx.TimeoutException:
        raise _FetchError(f"timed out after {options.timeout:g} s") from None
    except httpx.TooManyRedirects:
        raise _FetchError(f"more than {MAX_REDIRECTS} redirects") from None
    except httpx.UnsupportedProtocol as exc:
        raise _FetchError(f"redirected to an unsupported URL ({exc})") from None
    except httpx.ConnectError as exc:
        if str(exc).startswith("refused:"):  # the guard's verdict, worded for the user
            raise _FetchError(str(exc)) from None
        raise _FetchError(f"could not connect ({exc or 'connection refused'})") from None
    except httpx.HTTPError as exc:
        raise _FetchError(f"{type(exc).__name__}: {exc}") from None


def _size_label(max_bytes: int) -> str:
    if max_bytes >= 1_000_000:
        return f"{max_bytes / 1_000_000:g} MB"
    return f"{max_bytes} bytes"
