"""The wire-story set (tests/data/wire_stories.json) as real feeds: one RSS feed per outlet,
served by a `FeedServer` on 127.0.0.1, each item dated `hours_ago` before now. Reports of
one event by several outlets (wire copy, rewrites, paraphrases) and look-alikes of other
events; the tests and benchmarks/stories.py read its gold grouping (`story`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from .feed_server import FeedServer, Route

DATA = Path(__file__).resolve().parent.parent / "data" / "wire_stories.json"


def wire_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def _item(article: dict[str, Any], now: datetime) -> str:
    published = format_datetime(now - timedelta(hours=article["hours_ago"]))
    link = f"https://{article['outlet']}.example/{article['id']}"
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article["text"].split("\n\n"))
    return (
        f"<item><guid>{link}</guid><title>{escape(article['title'])}</title>"
        f"<link>{link}</link><pubDate>{published}</pubDate>"
        f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded></item>"
    )


def outlet_feed(outlet: str, name: str, articles: list[dict[str, Any]], now: datetime) -> bytes:
    items = "".join(_item(a, now) for a in articles if a["outlet"] == outlet)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(name)}</title><link>https://{outlet}.example/</link>"
        f"<description>News</description>{items}</channel></rss>"
    ).encode()


def serve_wire(server: FeedServer, now: datetime | None = None) -> list[str]:
    """Add one feed per outlet to `server`; their URLs."""
    data = wire_data()
    now = now or datetime.now(UTC)
    urls = []
    for outlet, name in data["outlets"].items():
        server.routes[f"/{outlet}.xml"] = Route(outlet_feed(outlet, name, data["articles"], now))
        urls.append(server.url(f"/{outlet}.xml"))
    return urls


def article_url(article: dict[str, Any]) -> str:
    """The id a wire article gets once read from its feed (its link)."""
    return f"https://{article['outlet']}.example/{article['id']}"
