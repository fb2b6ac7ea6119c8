"""Stories: the same event told by several outlets, found at ingest from what is stored.

Each article record holds the mean vector of its passages; its first passage (the lede,
where a news report states its event) has a vector too, and the record a title and a date.
Two articles are reported as one story when they were published within `WINDOW_DAYS` of
each other and their blended similarity (whole article, lede, title words) is high. The
pairs above a lower bar form candidate groups (connected components); each group is cut by
average-linkage clustering (scipy), so a chain of look-alikes never glues two events
together through one article that resembles both.

The grouping is derived data, like the BM25 index: it is rebuilt after every ingest that
changed the index and kept in `<data dir>/<collection>_stories.json` (article id -> story
id and outlet). A story's id is the id of its earliest article, so it stays put as later
reports join. Retrieval can use `story_of` to keep near-copies of one wire story from
crowding other reports out of the top passages.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..models.embeddings import FloatArray
from ..text import content_words
from .records import chunk_id

WINDOW_DAYS = 3.0
"""Reports of one event are published within this many days of each other."""
ARTICLE_WEIGHT, LEDE_WEIGHT, TITLE_WEIGHT = 0.45, 0.4, 0.15
THRESHOLD = 0.58
"""Average blended similarity at which articles are one story."""
CANDIDATE = 0.52
"""Pairs below this are never linked (they only bound the groups that are clustered)."""
PAGE = 2000
BLOCK = 1024


@dataclass(frozen=True)
class StoryInput:
    """What the grouping reads of one article."""

    id: str
    title: str
    source: str | None
    published_ts: int | None
    vector: FloatArray
    lede: FloatArray


def _unit(rows: FloatArray) -> FloatArray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.asarray(rows / np.maximum(norms, 1e-12), dtype=np.float32)


def _title_overlap(words: Sequence[frozenset[str]], i: int, js: Sequence[int]) -> FloatArray:
    out = np.zeros(len(js), dtype=np.float32)
    for k, j in enumerate(js):
        union = words[i] | words[j]
        if union:
            out[k] = len(words[i] & words[j]) / len(union)
    return out


class _Space:
    """The articles' unit vectors, ledes, title words and dates, for pair similarities."""

    def __init__(self, items: Sequence[StoryInput]) -> None:
        self.vectors = _unit(np.stack([it.vector for it in items]))
        self.ledes = _unit(np.stack([it.lede for it in items]))
        self.words = [frozenset(content_words(it.title)) for it in items]
        self.stamps = np.array(
            [np.nan if it.published_ts is None else it.published_ts for it in items],
            dtype=np.float64,
        )

    def block(self, rows: np.ndarray, cols: np.ndarray, least: float) -> FloatArray:
        """Similarities of `rows` x `cols`; title words are read only for pairs that could
        reach `least`, and pairs published too far apart are 0."""
        sim = ARTICLE_WEIGHT * (self.vectors[rows] @ self.vectors[cols].T)
        sim += LEDE_WEIGHT * (self.ledes[rows] @ self.ledes[cols].T)
        apart = np.abs(self.stamps[rows][:, None] - self.stamps[cols][None, :])
        sim[apart > WINDOW_DAYS * 86400] = 0.0  # NaN (an unknown date) compares False
        for r, i in enumerate(rows):
            near = np.flatnonzero(sim[r] >= least - TITLE_WEIGHT)
            if len(near):
                js = [int(cols[c]) for c in near]
                sim[r, near] += TITLE_WEIGHT * _title_overlap(self.words, int(i), js)
        return np.asarray(sim, dtype=np.float32)


def group(items: Sequence[StoryInput], threshold: float = THRESHOLD) -> dict[str, str]:
    """article id -> story id (the id of the story's earliest article)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial.distance import squareform

    n = len(items)
    if n == 0:
        return {}
    space = _Space(items)
    least = min(CANDIDATE, threshold)
    every = np.arange(n)
    rows_: list[np.ndarray] = []
    cols_: list[np.ndarray] = []
    for begin in range(0, n, BLOCK):  # blocks of rows: memory stays O(BLOCK x n)
        rows = every[begin : begin + BLOCK]
        r, c = np.nonzero(space.block(rows, every, least) >= least)
        rows_.append(rows[r])
        cols_.append(c)
    i, j = np.concatenate(rows_), np.concatenate(cols_)
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    clusters: list[list[int]] = []
    for comp in np.unique(component):
        members = np.flatnonzero(component == comp)
        if len(members) == 1:
            clusters.append([int(members[0])])
            continue
        sim = space.block(members, members, -1.0)
        distance = 1.0 - np.clip((sim + sim.T) / 2, 0.0, 1.0)
        np.fill_diagonal(distance, 0.0)
        tree = linkage(squareform(distance, checks=False), method="average")
        cut = fcluster(tree, t=1.0 - threshold, criterion="distance")
        clusters.extend([int(m) for m in members[cut == k]] for k in np.unique(cut))

    def first(k: int) -> tuple[float, str]:
        ts = items[k].published_ts
        return (float("inf") if ts is None else float(ts), items[k].id)

    out: dict[str, str] = {}
    for cluster in clusters:
        story = items[min(cluster, key=first)].id
        for k in cluster:
            out[items[k].id] = story
    return out


def read_inputs(articles: Any, chunks: Any) -> list[StoryInput]:
    """Every committed article's vectors, title, source and date from the two collections."""
    ids: list[str] = []
    metas: list[dict[str, Any]] = []
    vectors: list[FloatArray] = []
    offset = 0
    while True:
        page = articles.get(include=["metadatas", "embeddings"], limit=PAGE, offset=offset)
        if not len(page["ids"]):
            break
        ids.extend(page["ids"])
        metas.extend(page["metadatas"])
        vectors.extend(np.asarray(v, dtype=np.float32) for v in page["embeddings"])
        offset += len(page["ids"])
    ledes: dict[str, FloatArray] = {}
    for begin in range(0, len(ids), PAGE):
        wanted = [chunk_id(a, 0) for a in ids[begin : begin + PAGE]]
        got = chunks.get(ids=wanted, include=["embeddings"])
        for cid, vec in zip(got["ids"], got["embeddings"], strict=True):
            ledes[cid] = np.asarray(vec, dtype=np.float32)
    return [
        StoryInput(
            id=a,
            title=str(meta.get("title", "")),
            source=meta.get("source"),
            published_ts=meta.get("published_ts"),
            vector=vec,
            lede=ledes.get(chunk_id(a, 0), vec),
        )
        for a, meta, vec in zip(ids, metas, vectors, strict=True)
    ]


class StoryIndex:
    """The grouping of the index's articles, kept in a JSON file beside the store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._loaded: tuple[float, dict[str, tuple[str, str | None]]] | None = None

    def exists(self) -> bool:
        return self.path.is_file()

    def rebuild(self, articles: Any, chunks: Any) -> None:
        """Group every article afresh and write the file atomically."""
        items = read_inputs(articles, chunks)
        stories = group(items)
        data = {it.id: [stories[it.id], it.source] for it in items}
        fd, tmp = tempfile.mkstemp(prefix=".stories-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"version": 1, "articles": data}, handle)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _table(self) -> dict[str, tuple[str, str | None]]:
        with self._lock:
            try:
                mtime = self.path.stat().st_mtime
            except OSError:
                return {}
            if self._loaded is None or self._loaded[0] != mtime:
                try:
                    raw = json.loads(self.path.read_text(encoding="utf-8"))["articles"]
                    table = {str(k): (str(v[0]), v[1]) for k, v in raw.items()}
                except (OSError, ValueError, KeyError, TypeError, IndexError):
                    table = {}  # a damaged file: every article is its own story until rebuilt
                self._loaded = (mtime, table)
            return self._loaded[1]

    def story_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """article id -> story id; an article not grouped (yet) is a story of its own."""
        table = self._table()
        return {a: table[a][0] if a in table else a for a in article_ids}

    def members(self, story_ids: Sequence[str]) -> dict[str, list[tuple[str, str | None]]]:
        """story id -> its (article id, source) pairs."""
        wanted = set(story_ids)
        out: dict[str, list[tuple[str, str | None]]] = {s: [] for s in story_ids}
        for article_id, (story, source) in self._table().items():
            if story in wanted:
                out[story].append((article_id, source))
        return out

    def outlets(self, article_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """article id -> the other outlets that report its story (its own left out)."""
        table = self._table()
        stories = {table[a][0] for a in article_ids if a in table}
        by_story: dict[str, set[str]] = {s: set() for s in stories}
        for story, source in table.values():
            if story in by_story and source:
                by_story[story].add(source)
        out: dict[str, tuple[str, ...]] = {}
        for a in article_ids:
            story, own = table.get(a, (a, None))
            out[a] = tuple(sorted(by_story.get(story, set()) - {own or ""}))
        return out
