"""News feeds (RSS, Atom, RDF) and article web pages: fetching (`fetcher`), reading what was
fetched (`parse`), and the subscriptions with what each refresh saw (`subscriptions`)."""

from .fetcher import FetchOptions, FetchResult, fetch
from .parse import html_to_text
from .subscriptions import Subscription, add_feed, check_url, is_url, list_feeds, remove_feed

__all__ = [
    "FetchOptions",
    "FetchResult",
    "Subscription",
    "add_feed",
    "check_url",
    "fetch",
    "html_to_text",
    "is_url",
    "list_feeds",
    "remove_feed",
]
