"""Feed autodiscovery: the feed a site's home page names, for `assistant feeds add SITE`.

People know a site's address, not its feed's. A home page names its feeds in its head:
`<link rel="alternate" type="application/rss+xml" href="/feed.xml" title="...">` (Atom:
`application/atom+xml`). `discover` fetches the URL once: a feed is subscribed as given; a
page is searched for those links and the first one (in document order, RSS or Atom) wins,
its `href` resolved against the page's final URL; a page that names no feed is an error
that says so, so nothing useless is subscribed.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from ...errors import SourceError
from .fetcher import FetchOptions, fetch_one
from .parse import FEED_TYPES, HTML_TYPES, decode, looks_like_feed
from .subscriptions import check_url

LINK_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})


@dataclass(frozen=True)
class Discovered:
    """The feed to subscribe to, and the page that named it (None: the URL is a feed)."""

    feed_url: str
    page_url: str | None = None
    title: str | None = None


class _FeedLinks(HTMLParser):
    """Collects the alternate feed links of a page (`<link>` anywhere: some sites put them
    in the body)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {k.lower(): (v or "").strip() for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in LINK_TYPES and values.get("href"):
            self.links.append((values["href"], values.get("title") or None))


def feed_links(html: str, base_url: str) -> list[tuple[str, str | None]]:
    """(absolute URL, title) of every feed a page names, in document order."""
    parser = _FeedLinks()
    parser.feed(html)
    parser.close()
    found: list[tuple[str, str | None]] = []
    for href, title in parser.links:
        url = urljoin(base_url, href)
        if url not in [u for u, _ in found]:
            found.append((url, title))
    return found


def discover(url: str, options: FetchOptions) -> Discovered:
    """The feed at `url`, or the feed its page names; SourceError when there is none."""
    url = check_url(url)
    response = fetch_one(url, options)
    if looks_like_feed(response.body) or response.content_type in FEED_TYPES:
        return Discovered(url)
    if response.content_type in HTML_TYPES or b"<html" in response.body[:4096].lower():
        links = feed_links(decode(response), response.url)
        for link, title in links:
            try:
                return Discovered(check_url(link), url, title)
            except SourceError:
                continue
        raise SourceError(
            f"{url} is a web page that names no feed "
            '(no <link rel="alternate" type="application/rss+xml"> or atom+xml)'
        )
    shown = response.content_type or "unknown"
    raise SourceError(f"{url} is neither a feed nor a web page (content type {shown})")
