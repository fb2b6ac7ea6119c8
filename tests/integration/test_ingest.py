"""Tests for ingestion against the real Chroma store and the real embedding model."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SEED_FILE, SEED_ID, SEEDS, make_assistant, write

from assistant import Assistant, AssistantError
from assistant.errors import IngestLockedError
from assistant.index.state import Pending
from assistant.index.sync import keyword_doc
from assistant.types import Hit, Progress

MODES = ("vector", "bm25", "hybrid")
SEED_TITLE = "Media: Trump’s China visit paves way for Xi Jinping’s US trip"
SOYBEAN = (
    "Soybean imports from the US are also a priority, as Chinese imports from the US have "
    "declined sharply since 2016."
)
WALRUS = "Walrus ivory carvings from Greenland were also discussed at length by the delegations."


def in_mode(bot: Assistant, mode: str, **overrides: object) -> Assistant:
    """Another Assistant on the same data dir with a different retrieval mode."""
    return make_assistant(bot.settings.data_path, retrieval__mode=mode, **overrides)


def all_hits(bot: Assistant, query: str) -> list[Hit]:
    """Every passage a query can reach (no diversity cap)."""
    return in_mode(bot, bot.settings.retrieval.mode, retrieval__max_per_article=100).search(
        query, k=100
    )


def assert_offsets(bot: Assistant, hits: list[Hit]) -> None:
    texts: dict[str, str] = {}
    for hit in hits:
        if hit.article_id not in texts:
            article = bot.article(hit.article_id)
            assert article is not None, hit.article_id
            texts[hit.article_id] = article.text
        assert texts[hit.article_id][hit.start : hit.end] == hit.text, hit.chunk_id


def assert_chunks_consistent(bot: Assistant) -> None:
    """Chroma's chunk count matches the article records, and every chunk slices its text."""
    articles, chunks = bot.counts()
    infos = bot.articles()
    assert len(infos) == articles
    assert sum(info.chunks for info in infos) == chunks
    got = bot.store.chunks.get(include=["metadatas", "documents"])
    per_article = Counter(meta["article_id"] for meta in got["metadatas"])
    assert per_article == Counter({info.id: info.chunks for info in infos if info.chunks})
    texts: dict[str, str] = {}
    for info in infos:
        article = bot.article(info.id)
        assert article is not None, info.id
        texts[info.id] = article.text
    spans: dict[str, list[tuple[int, int]]] = {}
    for chunk_id, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
        article_id = meta["article_id"]
        assert texts[article_id][meta["start"] : meta["end"]] == doc, chunk_id
        spans.setdefault(article_id, []).append((meta["start"], meta["end"]))
    for article_id, ranges in spans.items():
        # chunks cover the article: only whitespace falls between neighbouring chunks
        text = texts[article_id]
        ranges.sort()
        assert not text[: ranges[0][0]].strip(), article_id
        assert not text[ranges[-1][1] :].strip(), article_id
        for (_, end), (start, _) in zip(ranges, ranges[1:], strict=False):
            assert not text[end:start].strip(), f"text lost between chunks of {article_id}"


@pytest.fixture
def bot() -> Assistant:
    """An Assistant configured from the environment (the test's own data dir)."""
    return Assistant.from_config()


# -- seeds ----------------------------------------------------------------------------------
def test_ingest_seeds(bot: Assistant, data_dir: Path) -> None:
    events: list[Progress] = []
    report = bot.ingest(SEEDS, progress=events.append)
    assert (report.added, report.updated, report.unchanged) == (1, 0, 0)
    assert report.chunks > 0
    assert report.ok and not report.skipped
    assert bot.counts() == (1, report.chunks)
    assert bot.settings.data_path == data_dir
    assert any(data_dir.iterdir()), "the index is written to ASSISTANT_DATA_DIR"

    (info,) = bot.articles()
    assert info.id == SEED_ID
    assert info.title == SEED_TITLE
    assert info.author == "Vafa Guliyeva"
    assert info.chunks == report.chunks
    assert info.path == str(SEED_FILE.resolve())
    article = bot.article(SEED_ID)
    assert article is not None
    assert article.text == SEED_FILE.read_text(encoding="utf-8")
    assert bot.article("no-such-id") is None

    embedding = [e for e in events if e.phase == "embedding"]
    assert embedding and embedding[-1].done == embedding[-1].total == 1


def test_reingest_is_free(bot: Assistant) -> None:
    first = bot.ingest(SEEDS)
    again = bot.ingest(SEEDS)
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 1, 0)
    assert bot.counts() == (1, first.chunks)
    # a fresh Assistant on the same data dir sees the same index
    assert Assistant.from_config().ingest(SEEDS).unchanged == 1


def test_search_finds_the_seed(bot: Assistant) -> None:
    bot.ingest(SEEDS)
    for mode in MODES:
        hits = in_mode(bot, mode).search("Boeing jets")
        assert hits and hits[0].article_id == SEED_ID, mode
        assert "Boeing" in hits[0].text
        assert hits[0].title == SEED_TITLE


# -- updates, pruning, duplicates -----------------------------------------------------------
def test_modified_article_replaces_its_chunks(bot: Assistant, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    copy = folder / "seed.txt"
    write(copy, SEED_FILE.read_text(encoding="utf-8"))
    first = bot.ingest(folder)
    assert first.added == 1
    assert any(SOYBEAN in h.text for h in in_mode(bot, "bm25").search("soybean imports"))

    original = copy.read_text(encoding="utf-8")
    assert SOYBEAN in original
    write(copy, original.replace(SOYBEAN, WALRUS))
    report = bot.ingest(folder)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    assert report.chunks > 0
    assert bot.counts() == (1, report.chunks)
    assert bot.articles()[0].chunks == report.chunks

    article = bot.article("seed.txt")
    assert article is not None and WALRUS in article.text and SOYBEAN not in article.text
    for mode in MODES:
        assert not any("Soybean" in h.text for h in all_hits(in_mode(bot, mode), "soybean imports"))
    assert WALRUS in in_mode(bot, "bm25").search("walrus ivory Greenland")[0].text
    assert_chunks_consistent(bot)

    # shrink it: the chunks past the new end must go too
    write(copy, original.split("\n")[0] + "\n" + original.split("\n")[1] + "\n")
    shrunk = bot.ingest(folder)
    assert shrunk.updated == 1
    assert shrunk.chunks < report.chunks
    assert bot.counts() == (1, shrunk.chunks)
    assert not any("Boeing" in h.text for h in all_hits(in_mode(bot, "vector"), "Boeing jets"))
    assert_chunks_consistent(bot)


def _article_text(topic: str) -> str:
    return (
        f"News about {topic}\n"
        f"The {topic} committee met on Tuesday to discuss the {topic} programme. "
        f"Officials said the {topic} budget would grow next year.\n"
    )


def test_prune_removes_articles_whose_files_are_gone(bot: Assistant, tmp_path: Path) -> None:
    inbox, other = tmp_path / "inbox", tmp_path / "other"
    write(inbox / "keep.txt", _article_text("lighthouse"))
    gone = write(inbox / "sub" / "gone.txt", _article_text("volcano"))
    write(other / "elsewhere.txt", _article_text("glacier"))
    assert bot.ingest(inbox, other).added == 3

    gone.unlink()
    without = bot.ingest(inbox)
    assert (without.removed, without.unchanged) == (0, 1)
    assert {a.id for a in bot.articles()} == {"keep.txt", "sub/gone.txt", "elsewhere.txt"}

    pruned = bot.ingest(inbox, prune=True)
    assert (pruned.removed, pruned.unchanged) == (1, 1)
    # only articles from the given paths are pruned
    assert {a.id for a in bot.articles()} == {"keep.txt", "elsewhere.txt"}
    assert bot.article("sub/gone.txt") is None
    for mode in MODES:
        hits = all_hits(in_mode(bot, mode), "volcano programme budget")
        assert hits and all(h.article_id != "sub/gone.txt" for h in hits), mode
    assert_chunks_consistent(bot)


def test_identical_text_is_indexed_once(bot: Assistant, tmp_path: Path) -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    write(tmp_path / "dups" / "a.txt", text)
    write(tmp_path / "dups" / "b.txt", text)
    report = bot.ingest(tmp_path / "dups")
    assert (report.added, report.duplicates) == (1, 1)
    assert bot.counts()[0] == 1
    assert report.duplicates_of == (("b.txt", "a.txt"),)
    again = bot.ingest(tmp_path / "dups")  # nothing to do, and the duplicate is named again
    assert (again.unchanged, again.duplicates, again.chunks) == (1, 1, 0)
    assert again.duplicates_of == (("b.txt", "a.txt"),)
    assert again.to_dict()["duplicates_of"] == [{"id": "b.txt", "of": "a.txt"}]
    assert bot.counts()[0] == 1


# -- offsets --------------------------------------------------------------------------------
MESSY = (
    "\ufeff---\r\ntitle: Harbour  tunnel  “reopens”\r\nauthor: Jo Bloggs\r\n"
    "date: 2024-03-05\r\n---\r\n"
    "# Harbour tunnel reopens\r\n\r\n"
    "The harbour tunnel reopened at 5 a.m. on Monday   after   three weeks of repairs. "
    "Engineers replaced 1,200 m² of waterproof lining; the cost was €4.5 million.\r\n\r\n"
    'Commuters — many of whom had taken ferries — welcomed the news. "It\'s about time," '
    "said one driver.\tOthers were less pleased.\r\n\r\n\r\n"
    + " ".join(
        f"Paragraph {n} describes the tunnel's ventilation shafts, pumps and lights in detail."
        for n in range(40)
    )
    + "\r\n"
)


def test_chunk_offsets_slice_the_article_text(bot: Assistant, tmp_path: Path) -> None:
    folder = tmp_path / "offsets"
    write(folder / "seed.txt", SEED_FILE.read_bytes())
    write(folder / "messy.md", MESSY.encode("utf-8"))
    report = bot.ingest(folder)
    assert report.added == 2
    messy = bot.article("messy.md")
    assert messy is not None and messy.author == "Jo Bloggs"
    assert messy.published == "2024-03-05"
    assert "\r" not in messy.text
    hits: list[Hit] = []
    for mode in MODES:
        for query in ("Boeing jets", "harbour tunnel ventilation", "commuters ferries", "Xi"):
            found = all_hits(in_mode(bot, mode), query)
            assert found
            hits.extend(found)
    assert {h.article_id for h in hits} == {"seed.txt", "messy.md"}
    assert_offsets(bot, hits)
    assert_chunks_consistent(bot)


# -- bad inputs -----------------------------------------------------------------------------
def test_bad_files_are_skipped_with_reasons(bot: Assistant, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    write(folder / "good.txt", _article_text("orchard"))
    write(folder / "empty.txt", "")
    write(folder / "blob.txt", b"\x00\x01\x02binary\x00data")
    write(folder / "broken.json", "{not json")
    good_record = {"id": "rec-1", "title": "Bridge", "text": _article_text("bridge")}
    lines = [json.dumps(good_record), "{broken", json.dumps({"title": "no body"})]
    write(folder / "feed.jsonl", "\n".join(lines) + "\n")
    write(folder / "notes.pdf", b"%PDF-1.4 ignored")
    report = bot.ingest(folder)

    assert report.added == 2
    assert report.ok
    assert {a.id for a in bot.articles()} == {"good.txt", "rec-1"}
    reasons: dict[str, list[str]] = {}
    for skip in report.skipped:
        assert skip.reason.strip(), skip
        reasons.setdefault(Path(skip.path).name, []).append(skip.reason)
    assert set(reasons) == {"empty.txt", "blob.txt", "broken.json", "feed.jsonl"}
    assert len(reasons["feed.jsonl"]) == 2
    assert any("line 2" in r for r in reasons["feed.jsonl"])
    assert any("line 3" in r for r in reasons["feed.jsonl"])
    assert "json" in reasons["broken.json"][0].lower()


def test_nothing_readable_is_not_ok(bot: Assistant, tmp_path: Path) -> None:
    report = bot.ingest(tmp_path / "does-not-exist")
    assert not report.ok
    assert report.added == 0 and len(report.skipped) == 1


# -- crash safety and locking ---------------------------------------------------------------
GHOST = "ghost.txt"
GHOST_TEXT = "Quokkas operated the zeppelin trampoline factory in Zanzibar, officials said."


def _half_write_ghost(bot: Assistant) -> None:
    """What an ingest killed between writing chunks and the article record leaves behind."""
    store = bot.store
    before = store._snapshot()
    generation = before.generation + 1
    store.state.write(replace(before, pending=Pending((GHOST,), generation, False)))
    texts = [GHOST_TEXT, GHOST_TEXT + " The quokkas denied it."]
    metas = [
        {"article_id": GHOST, "title": "Ghost", "index": n, "start": 0, "end": len(t)}
        for n, t in enumerate(texts)
    ]
    ids = [f"{GHOST}::{n}" for n in range(len(texts))]
    store.chunks.upsert(
        ids=ids,
        documents=texts,
        metadatas=[{**m, "generation": generation} for m in metas],
        embeddings=bot.embedder.embed(texts),
    )
    # worst case: the keyword index saw them too
    store.keyword_index.apply(
        remove=[],
        add=[keyword_doc(c, t, m) for c, t, m in zip(ids, texts, metas, strict=True)],
        generation=before.generation,
        store_id=before.store_id,
    )
    assert store.chunks.get(where={"article_id": GHOST})["ids"]
    assert GHOST + "::0" in store.keyword_index.chunk_ids()


def test_interrupted_write_leaves_no_half_indexed_article(bot: Assistant) -> None:
    seeded = bot.ingest(SEEDS)
    _half_write_ghost(bot)

    reopened = Assistant.from_config()
    assert reopened.counts() == (1, seeded.chunks)
    assert reopened.store.chunks.get(where={"article_id": GHOST})["ids"] == []
    assert reopened.article(GHOST) is None
    assert [a.id for a in reopened.articles()] == [SEED_ID]
    for mode in MODES:
        hits = in_mode(reopened, mode).search("quokkas zeppelin trampoline Zanzibar", k=20)
        assert all(h.article_id != GHOST for h in hits), mode
    snapshot = reopened.store.state.read()
    assert snapshot is not None and snapshot.pending is None
    # the store keeps working
    assert reopened.ingest(SEEDS).unchanged == 1
    assert_chunks_consistent(reopened)


def test_recovery_keeps_committed_articles(bot: Assistant) -> None:
    """A crash after the article record was written (but before the pending list was
    cleared) must not lose the article."""
    seeded = bot.ingest(SEEDS)
    store = bot.store
    before = store._snapshot()
    store.state.write(replace(before, pending=Pending((SEED_ID,), before.generation + 1, False)))
    reopened = Assistant.from_config()
    assert reopened.counts() == (1, seeded.chunks)
    assert reopened.search("Boeing jets")[0].article_id == SEED_ID


def _ghost_chunks(bot: Assistant) -> list[str]:
    return list(bot.store.chunks.get(where={"article_id": GHOST}, include=[])["ids"])


def test_opening_the_store_during_an_ingest_leaves_its_writes_alone(bot: Assistant) -> None:
    """A reader (search, the TUI) opening the store while an ingest is between writing
    chunks and committing the article must not delete that ingest's chunks."""
    bot.ingest(SEEDS)
    with bot.store.ingest_lock():
        _half_write_ghost(bot)  # the running ingest's chunks, not yet committed
        reader = Assistant.from_config()
        assert reader.counts()[0] == 1
        assert _ghost_chunks(bot), "recovery ran while another ingest held the lock"
    # that ingest died without committing: the next open cleans up
    assert _ghost_chunks(Assistant.from_config()) == []


def test_ingest_cleans_up_after_an_ingest_that_crashed_elsewhere(
    bot: Assistant, tmp_path: Path
) -> None:
    """A store opened before another process crashed mid-write recovers on its next ingest
    (instead of overwriting the crashed ingest's pending list)."""
    bot.ingest(SEEDS)
    survivor = Assistant.from_config()
    survivor.counts()  # opened (and recovered) before the crash
    _half_write_ghost(bot)
    write(tmp_path / "new" / "fresh.txt", _article_text("orchard"))
    assert survivor.ingest(tmp_path / "new").added == 1
    assert _ghost_chunks(survivor) == []
    reopened = Assistant.from_config()
    assert _ghost_chunks(reopened) == []
    for mode in MODES:
        hits = in_mode(reopened, mode).search("quokkas zeppelin trampoline Zanzibar", k=20)
        assert all(h.article_id != GHOST for h in hits), mode


def test_crash_before_the_keyword_index_is_rebuilt(
    bot: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Articles committed by an ingest killed before it updated the BM25 index are found
    by keyword once the store is opened again, even when the next ingest changes nothing."""
    folder = tmp_path / "news"
    write(folder / "a.txt", _article_text("lighthouse"))
    bot.ingest(folder)
    write(folder / "b.txt", _article_text("volcano"))

    def killed(**_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(bot.store.keyword_index, "apply", killed)
    with pytest.raises(KeyboardInterrupt):
        bot.ingest(folder)

    again = Assistant.from_config()
    report = again.ingest(folder)
    assert (report.added, report.unchanged) == (0, 2)
    hits = in_mode(again, "bm25").search("volcano programme")
    assert hits and hits[0].article_id == "b.txt"


def test_second_ingest_is_refused_while_locked(bot: Assistant, data_dir: Path) -> None:
    other = Assistant.from_config()
    with bot.open(create=True).store.ingest_lock():
        with pytest.raises(IngestLockedError) as info:
            other.ingest(SEEDS)
    assert isinstance(info.value, AssistantError)
    message = str(info.value)
    assert "another ingest" in message and str(data_dir) in message
    assert "\n" not in message
    assert other.counts() == (0, 0)
    # released: the next ingest goes through
    assert other.ingest(SEEDS).added == 1


# -- the Lee corpus (350 articles, built once per session) ----------------------------------
def _lee_rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_lee_corpus_is_indexed(lee_store: Assistant, shared_eval: Path) -> None:
    rows = _lee_rows(shared_eval / "lee-articles.jsonl")
    assert len(rows) == 350
    distinct = {" ".join(r["text"].split()) for r in rows}
    articles, chunks = lee_store.counts()
    # the corpus repeats 7 texts under other ids: those are indexed once
    assert articles == len(distinct)
    assert chunks > articles
    indexed = {a.id for a in lee_store.articles()}
    assert indexed <= {r["id"] for r in rows}
    # of two ids with the same text, exactly one is indexed
    by_text: dict[str, list[str]] = {}
    for row in rows:
        by_text.setdefault(" ".join(row["text"].split()), []).append(row["id"])
    for ids in by_text.values():
        assert len(indexed & set(ids)) == 1, ids


def test_lee_reingest_is_free(lee_store: Assistant, shared_eval: Path) -> None:
    report = lee_store.ingest(shared_eval / "lee-articles.jsonl")
    articles, _ = lee_store.counts()
    assert articles == 343  # 7 texts appear twice under different ids: indexed once
    assert (report.unchanged, report.duplicates) == (343, 7)  # each duplicate named
    assert len(report.duplicates_of) == 7
    assert (report.added, report.updated, report.removed, report.chunks) == (0, 0, 0, 0)
    assert not report.skipped


def test_lee_chunks_are_consistent(lee_store: Assistant) -> None:
    assert_chunks_consistent(lee_store)


LEE_PHRASES = {
    "bg-007": "Two hundred and thirty canoes left Yarrawonga last Thursday",
    "bg-260": "Traveland's wholly-owned travel centres have ceased operating from today",
    "lee-05": "homophobic bullies threw rocks at his head, spat on him",
    "lee-40": "he was found dead in an Inuit hunter's freezer in Canada",
    "bg-042": "The one-way fares are for flights to Sydney, Brisbane, Adelaide, Launceston and "
    "Canberra.",
}


@pytest.mark.parametrize("mode", MODES)
def test_lee_distinctive_phrase_ranks_its_article_first(lee_store: Assistant, mode: str) -> None:
    bot = in_mode(lee_store, mode)
    for article_id, phrase in LEE_PHRASES.items():
        article = bot.article(article_id)
        assert article is not None and phrase in article.text
        hits = bot.search(phrase)
        assert hits, (mode, article_id)
        assert hits[0].article_id == article_id, (mode, phrase, [h.article_id for h in hits])
        assert_offsets(bot, hits)
        assert len(hits) == bot.settings.retrieval.k
        assert max(Counter(h.article_id for h in hits).values()) <= 2


def test_lee_search_text_is_a_passage(lee_store: Assistant) -> None:
    hits = lee_store.search("bushfire Hill Top evacuate residents")
    assert hits
    assert re.search(r"fire", hits[0].text, re.IGNORECASE)
