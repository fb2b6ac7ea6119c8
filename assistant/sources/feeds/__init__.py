"""News feeds (RSS, Atom, RDF) and article web pages: fetching (`fetcher`), reading what was
fetched (`parse`), the subscriptions with what each refresh saw (`subscriptions`), OPML in
and out (`opml`), the feed a home page names (`discover`) and when each feed is due again
(`schedule`)."""

from .discover import Discovered, discover
from .fetcher import FetchOptions, FetchResult, fetch
from .opml import OutlineFeed, read_opml, write_opml
from .parse import html_to_text
from .subscriptions import (
    Subscription,
    add_feed,
    add_feeds,
    check_url,
    is_url,
    list_feeds,
    remove_feed,
)

__all__ = [
    "Discovered",
    "FetchOptions",
    "FetchResult",
    "OutlineFeed",
    "Subscription",
    "add_feed",
    "add_feeds",
    "check_url",
    "discover",
    "fetch",
    "html_to_text",
    "is_url",
    "list_feeds",
    "read_opml",
    "remove_feed",
    "write_opml",
]
