"""The news-following half of `Assistant`: feeds (subscribe, import and export OPML,
refresh, watch) and the cited briefing of what happened, with each story's outlets.

A mixin so `api.py` stays the readable door it is: `Assistant` inherits these calls, and
they reach the index and the answer stage through the same lazily opened parts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from .config import Settings
from .sources import feeds
from .types import Briefing, FeedRefresh, IngestReport, OpmlImport, ProgressFn

if TYPE_CHECKING:
    from .answer.pipeline import Answerer
    from .index.ingest import Ingester
    from .index.store import Store


class Following:
    """Feeds and briefings; mixed into `Assistant`."""

    settings: Settings

    if TYPE_CHECKING:

        @property
        def store(self) -> Store: ...

        def _ingester(self) -> Ingester: ...

        def answerer(self) -> Answerer: ...

    # -- feeds ----------------------------------------------------------------------------
    def feeds_add(self, url: str) -> bool:
        """Subscribe to a feed (http or https); False when already subscribed."""
        return feeds.add_feed(self.settings.data_path, url)

    def feeds_discover(self, url: str) -> feeds.Discovered:
        """The feed to subscribe to for `url`: the URL itself when it is a feed, else the
        feed its page names (`<link rel="alternate" type="application/rss+xml">`, or Atom).
        Fetches the URL once; SourceError when it cannot be read or names no feed."""
        return feeds.discover(url, self._fetch_options())

    def feeds_import(self, opml: bytes, name: str = "OPML") -> OpmlImport:
        """Subscribe to every feed an OPML file names (nested folders kept for export);
        outlines with a bad URL are skipped with their reason."""
        found, skipped = feeds.read_opml(opml, name)
        added = feeds.add_feeds(
            self.settings.data_path, [(f.url, f.title, f.folder) for f in found]
        )
        return OpmlImport(
            added=tuple(f.url for f, new in zip(found, added, strict=True) if new),
            known=tuple(f.url for f, new in zip(found, added, strict=True) if not new),
            skipped=tuple(skipped),
        )

    def feeds_export(self) -> str:
        """The subscriptions as an OPML 2.0 document (with each feed's xmlUrl)."""
        return feeds.write_opml(self.feeds_list())

    def _fetch_options(self) -> feeds.FetchOptions:
        f = self.settings.feeds
        return feeds.FetchOptions(
            f.timeout, f.max_bytes, f.user_agent, f.concurrency, f.max_pages, tuple(f.allow_hosts)
        )

    def feeds_list(self) -> list[feeds.Subscription]:
        """The subscribed feeds, with what their last refresh saw."""
        return feeds.list_feeds(self.settings.data_path)

    def feeds_remove(self, url: str) -> bool:
        """Unsubscribe (the feed's articles stay indexed); False when not subscribed."""
        return feeds.remove_feed(self.settings.data_path, url)

    def feeds_refresh(self, progress: ProgressFn | None = None) -> IngestReport:
        """Fetch every subscribed feed (conditionally) and index what is new or changed."""
        urls = [sub.url for sub in self.feeds_list()]
        return self._ingester().urls(urls, progress=progress) if urls else IngestReport()

    def feeds_refresh_due(self, every: float | None = None) -> list[FeedRefresh]:
        """Refresh the feeds that are due by the watch schedule (every `every` seconds,
        default `feeds.watch_minutes`; Cache-Control and Retry-After honoured, a failing
        feed backing off), one at a time; what each one brought."""
        from .index.watch import refresh_due

        return refresh_due(self._ingester(), every or self._watch_every)

    def feeds_watch(
        self,
        stop: threading.Event,
        every: float | None = None,
        on_feed: Callable[[FeedRefresh], None] | None = None,
    ) -> None:
        """Keep refreshing feeds as they fall due until `stop` is set (checked between
        feeds); `on_feed` hears about each refresh."""
        from .index.watch import watch

        watch(self._ingester(), every or self._watch_every, stop, on_feed)

    @property
    def _watch_every(self) -> float:
        return self.settings.feeds.watch_minutes * 60

    # -- the news workflow ----------------------------------------------------------------
    def brief(self, since: str | datetime = "24h", *, source: str | None = None) -> Briefing:
        """What happened since `since` ("24h", "2d", "90m", a date or a datetime): the
        period's articles grouped into stories across outlets (most outlets first, then
        most recent), each with a short title and a 1-3 sentence summary whose every
        sentence cites the articles it comes from with a quote. The configured provider
        writes the summaries; `extractive` quotes the articles."""
        from .brief import Briefer

        return Briefer(self.settings, self.store, self.answerer()).brief(since, source=source)

    def coverage(self, article_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """For each article, the other outlets that report the same story ("also reported
        by"), from the grouping computed at ingest."""
        ids = list(article_ids)
        self.store.story_of(ids)  # an index never grouped is grouped now
        return self.store.stories.outlets(ids)
