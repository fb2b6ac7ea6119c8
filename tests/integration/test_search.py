"""Tests for search: source and date filters, diversity, k, in every retrieval mode, with the
passages' vectors copied in memory and with Chroma answering the vector queries itself."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from conftest import build_store, make_assistant

from assistant import Assistant, AssistantError

MODES = ("vector", "bm25", "hybrid")
QUERY = "harbour council"


def _record(
    article_id: str, source: str | None, published: str | None, topic: str
) -> dict[str, str]:
    record = {
        "id": article_id,
        "title": f"Harbour council and the {topic}",
        "text": (
            f"The harbour council met on Tuesday to discuss the {topic}. "
            f"Councillors said the {topic} would be reviewed before the next harbour council "
            f"meeting, and residents were invited to comment on the {topic}."
        ),
    }
    if source is not None:
        record["source"] = source
    if published is not None:
        record["published"] = published
    return record


RECORDS = [
    _record("a1", "Alpha Times", "2024-01-10", "ferry timetable"),
    _record("a2", "Alpha Times", "2024-01-31T18:00:00Z", "lighthouse repairs"),
    _record("a3", "Alpha Times", "2024-02-01", "fishing quotas"),
    _record("b1", "Beta Post", "2024-01-15", "parking fees"),
    _record("b2", "Beta Post", "2024-02-20T09:30:00+00:00", "sea wall"),
    _record("b3", "Beta Post", None, "tourist kiosk"),
    _record("c1", None, "2023-12-31", "fireworks"),
]
LONG = {
    "id": "long",
    "source": "Gamma Wire",
    "published": "2024-01-20",
    "title": "Harbour council dredging budget",
    "text": "\n\n".join(
        f"Part {n}: the harbour council dredging budget was debated again. Councillors argued "
        f"about dredging costs, the dredging contractor and the harbour council's reserves, "
        f"and about how item {n} of the dredging budget should be paid for by the harbour "
        f"council over the coming years."
        for n in range(1, 31)
    ),
}
ALL = {r["id"] for r in RECORDS} | {"long"}


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("search-corpus")
    feed = folder / "input" / "feed.jsonl"
    feed.parent.mkdir()
    feed.write_text("\n".join(json.dumps(r) for r in [*RECORDS, LONG]) + "\n", encoding="utf-8")
    data = folder / "data"
    bot = build_store(data, feed)
    articles, chunks = bot.counts()
    assert articles == len(ALL)
    assert chunks >= articles + 5, "the long article should have several chunks"
    return data


def searcher(store_dir: Path, mode: str, **overrides: object) -> Assistant:
    return make_assistant(store_dir, retrieval__mode=mode, **overrides)


# -- filters --------------------------------------------------------------------------------
FILTER_CASES = [
    ({"source": "Alpha Times"}, {"a1", "a2", "a3"}),
    ({"source": "Beta Post"}, {"b1", "b2", "b3"}),
    ({"source": "Gamma Wire"}, {"long"}),
    ({"source": "No Such Paper"}, set()),
    ({"since": "2024-02-01"}, {"a3", "b2"}),
    ({"since": date(2024, 2, 1)}, {"a3", "b2"}),
    ({"until": "2024-01-31"}, {"a1", "a2", "b1", "c1", "long"}),
    ({"until": date(2024, 1, 31)}, {"a1", "a2", "b1", "c1", "long"}),
    ({"until": "2024-01-30"}, {"a1", "b1", "c1", "long"}),
    ({"since": "2024-01-31", "until": "2024-01-31"}, {"a2"}),
    ({"since": "2024-01-11", "until": "2024-01-31"}, {"a2", "b1", "long"}),
    ({"source": "Beta Post", "since": "2024-01-01", "until": "2024-01-31"}, {"b1"}),
    ({"source": "Alpha Times", "since": "2024-02-01"}, {"a3"}),
    ({"since": "2025-01-01"}, set()),
]


VECTOR_PATHS: dict[str, dict[str, object]] = {
    "memory": {},
    "chroma": {"store__memory_vectors": 0},
}


@pytest.mark.parametrize("path", VECTOR_PATHS)
@pytest.mark.parametrize("mode", MODES)
def test_filters(store_dir: Path, mode: str, path: str) -> None:
    bot = searcher(store_dir, mode, **VECTOR_PATHS[path])
    unfiltered = {h.article_id for h in bot.search(QUERY, k=50)}
    assert unfiltered == ALL, mode
    for filters, expected in FILTER_CASES:
        hits = bot.search(QUERY, k=50, **filters)  # type: ignore[arg-type]
        assert {h.article_id for h in hits} == expected, (mode, filters)
        source = filters.get("source")
        if source is not None:
            assert all(h.source == source for h in hits)


@pytest.mark.parametrize("mode", MODES)
def test_filtered_search_still_fills_k(store_dir: Path, mode: str) -> None:
    """Filters apply inside the search, so k filtered passages come back when they exist."""
    bot = searcher(store_dir, mode)
    hits = bot.search("harbour council ferry timetable", k=3, source="Beta Post")
    assert len(hits) == 3
    assert {h.article_id for h in hits} == {"b1", "b2", "b3"}


def test_hits_carry_article_fields(store_dir: Path) -> None:
    bot = searcher(store_dir, "hybrid")
    (hit,) = bot.search(QUERY, k=1, source="Alpha Times", until="2024-01-10")
    assert hit.article_id == "a1"
    assert hit.title == "Harbour council and the ferry timetable"
    assert hit.source == "Alpha Times"
    assert hit.published == "2024-01-10"


def test_bad_date_is_a_clear_error(store_dir: Path) -> None:
    bot = searcher(store_dir, "hybrid")
    with pytest.raises(AssistantError, match="not a date"):
        bot.search(QUERY, since="last tuesday")


# -- diversity and k ------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_at_most_max_per_article(store_dir: Path, mode: str) -> None:
    bot = searcher(store_dir, mode)
    assert bot.settings.retrieval.max_per_article == 2
    for k in (2, 4, 5, len(ALL)):
        hits = bot.search("harbour council dredging budget", k=k)
        assert len(hits) == k
        counts = Counter(h.article_id for h in hits)
        assert max(counts.values()) <= 2, (mode, k, counts)
        assert len({h.chunk_id for h in hits}) == len(hits), "no passage twice"

    wider = searcher(store_dir, mode, retrieval__max_per_article=4)
    hits = wider.search("harbour council dredging budget", k=len(ALL))
    counts = Counter(h.article_id for h in hits)
    assert max(counts.values()) <= 4
    assert counts["long"] > 2, (mode, counts)


@pytest.mark.parametrize("mode", MODES)
def test_passages_the_store_lost_after_ranking_leave_k_and_the_limit(
    store_dir: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A passage ranked but gone when it is read (a damaged or rewritten store): its place
    goes to the next best, and no article gets more than `max_per_article` for it."""
    bot = searcher(store_dir, mode)
    query, k = "harbour council dredging budget", 4
    before = bot.search(query, k=k)
    gone = {h.chunk_id for h in before if h.article_id != "long"}
    assert gone and Counter(h.article_id for h in before)["long"] == 2
    read = bot.store.get_chunks

    def losing(chunk_ids: list[str]) -> dict[str, object]:
        return {c: h for c, h in read(chunk_ids).items() if c not in gone}

    monkeypatch.setattr(bot.store, "get_chunks", losing)
    hits = bot.search(query, k=k)
    assert len(hits) == k and not {h.chunk_id for h in hits} & gone
    assert max(Counter(h.article_id for h in hits).values()) <= 2, hits
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_few_matching_articles_fill_k_with_more_passages(store_dir: Path) -> None:
    """Only the long article mentions dredging: its passages fill the k places."""
    hits = searcher(store_dir, "bm25").search("dredging contractor", k=5)
    assert len(hits) == 5
    assert {h.article_id for h in hits} == {"long"}


@pytest.mark.parametrize("mode", MODES)
def test_k_is_respected(store_dir: Path, mode: str) -> None:
    bot = searcher(store_dir, mode)
    assert len(bot.search(QUERY)) == bot.settings.retrieval.k
    for k in (1, 3, 7):
        assert len(bot.search(QUERY, k=k)) == k
    assert len(searcher(store_dir, mode, retrieval__k=2).search(QUERY)) == 2


@pytest.mark.parametrize("mode", MODES)
def test_scores_are_ordered(store_dir: Path, mode: str) -> None:
    hits = searcher(store_dir, mode).search("lighthouse repairs", k=5)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert hits[0].article_id == "a2"


@pytest.mark.parametrize("mode", MODES)
def test_empty_query_returns_nothing(store_dir: Path, mode: str) -> None:
    bot = searcher(store_dir, mode)
    assert bot.search("") == []
    assert bot.search("   \n\t ") == []


def test_stopwords_only_match_nothing_by_keyword(store_dir: Path) -> None:
    assert searcher(store_dir, "bm25").search("the and of") == []


@pytest.mark.parametrize("mode", MODES)
def test_empty_store_returns_nothing(mode: str) -> None:
    bot = Assistant.from_config(retrieval__mode=mode).open(create=True)
    assert bot.search("harbour council") == []
    assert bot.counts() == (0, 0)
    assert bot.articles() == []


# -- the vectors copied in memory -----------------------------------------------------------
def test_the_copy_in_memory_ranks_as_chroma_does_without_asking_it(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = searcher(store_dir, "vector")
    chroma = searcher(store_dir, "vector", store__memory_vectors=0)
    memory.search(QUERY)  # opened, and the copy made

    def no_query(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Chroma was asked although the vectors are in memory")

    monkeypatch.setattr(memory.store.chunks, "query", no_query)
    for filters in [{}, *(f for f, _ in FILTER_CASES)]:
        for query in (QUERY, "lighthouse repairs", "dredging contractor costs"):
            mine = memory.search(query, k=8, **filters)  # type: ignore[arg-type]
            theirs = chroma.search(query, k=8, **filters)  # type: ignore[arg-type]
            assert [h.chunk_id for h in mine] == [h.chunk_id for h in theirs], (query, filters)
            for a, b in zip(mine, theirs, strict=True):
                assert a.score == pytest.approx(b.score, abs=1e-4)
                assert (a.text, a.source, a.published) == (b.text, b.source, b.published)


def test_the_copy_in_memory_follows_this_process_s_writes(tmp_path: Path) -> None:
    """The copy is brought up to date by what each write changed (passages added, rewritten
    and removed), and then ranks as a fresh reading of the store does."""
    feed = tmp_path / "in" / "feed.jsonl"
    feed.parent.mkdir()
    feed.write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    bot = build_store(data, feed, retrieval__mode="vector")
    assert {h.article_id for h in bot.search(QUERY, k=10)} == {"a1"}
    feed.write_text("\n".join(json.dumps(r) for r in [*RECORDS, LONG]) + "\n", encoding="utf-8")
    bot.ingest(feed)
    assert {h.article_id for h in bot.search(QUERY, k=10, source="Beta Post")} == {
        "b1",
        "b2",
        "b3",
    }
    changed = {**RECORDS[3], "text": "The ferry timetable changed again, the harbour said."}
    feed.write_text("\n".join(json.dumps(r) for r in [changed, RECORDS[4], LONG]) + "\n")
    bot.ingest(feed, prune=True)
    fresh = make_assistant(data, retrieval__mode="vector", store__memory_vectors=0)
    for filters in [{}, {"source": "Beta Post"}, {"since": "2024-01-11"}]:
        for query in (QUERY, "ferry timetable", "dredging budget"):
            mine = bot.search(query, k=6, **filters)  # type: ignore[arg-type]
            theirs = fresh.search(query, k=6, **filters)  # type: ignore[arg-type]
            assert [h.chunk_id for h in mine] == [h.chunk_id for h in theirs], (query, filters)
    assert {h.article_id for h in bot.search(QUERY, k=10)} == {"b1", "b2", "long"}


def test_a_store_bigger_than_the_memory_limit_is_searched_in_chroma(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = searcher(store_dir, "vector", store__memory_vectors=3)
    assert small.counts()[1] > 3
    chunks = small.store.chunks
    asked: list[object] = []
    query = chunks.query

    def counted(*args: object, **kwargs: object) -> object:
        asked.append(kwargs.get("where"))
        return query(*args, **kwargs)

    monkeypatch.setattr(chunks, "query", counted)
    hits = small.search(QUERY, k=50, source="Alpha Times")
    assert {h.article_id for h in hits} == {"a1", "a2", "a3"}
    assert asked == [{"source": "Alpha Times"}]
