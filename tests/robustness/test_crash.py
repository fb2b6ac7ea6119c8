"""Crash safety: `assistant ingest` killed with SIGKILL at random points, three times, then
run to the end, leaves exactly the index a clean ingest builds; two ingests at once are
serialised by the store's lock.

The killed ingests run the real CLI in a subprocess, with the embedding group made small
(`assistant.index.ingest.EMBED_GROUP`) so one ingest commits in many steps and a kill can land
between any two of them. Between kills the corpus changes (edits, deletions, additions, with
`--prune`), so interrupted updates and removals are exercised as well as first writes.
"""

from __future__ import annotations

import fcntl
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import CONFIG, REPO_ROOT, SCRUBBED, make_assistant

from assistant import Assistant
from assistant.cli import main as cli_main

SMALL_GROUP = 8
"""Chunks per embed-and-write step in the killed ingests (the default is 256)."""

PLACES = "Ashford Brimley Corran Dunmore Elsworth Farrow Glenmere Holloway Ivybridge Jarrow".split()
THINGS = (
    "bridge ferry library orchard tramway lighthouse museum reservoir stadium harbour "
    "hospital airport railway brewery market"
).split()
VERBS = "approved delayed expanded inspected reopened funded rejected redesigned".split()
PEOPLE = "Amara Bennett Chloe Dawson Ezra Flynn Greta Holm Ivan Jensen Kofi Larsen".split()
QUERIES = ("Glenmere reservoir inspection", "ferry timetable Corran", "tramway funding council")


def article(n: int, version: int = 1) -> str:
    """A short story (one or two chunks): embedding is most of an ingest's cost."""
    rng = random.Random(n * 1000 + version)
    place, thing = PLACES[n % len(PLACES)], THINGS[n % len(THINGS)]
    title = f"{place} {thing} {rng.choice(VERBS)} (story {n}, version {version})"
    body = " ".join(
        f"On day {s + 1} the {place} council {rng.choice(VERBS)} the {thing} plan, said "
        f"{rng.choice(PEOPLE)} {rng.choice(PEOPLE)}; {rng.randint(2, 900)} residents and "
        f"{rng.randint(2, 90)} {rng.choice(THINGS)} workers were affected."
        for s in range(rng.randint(2, 4))
    )
    return f"{title}\n{body}\nBy {rng.choice(PEOPLE)} Reed\n"


def write_corpus(folder: Path, numbers: range | list[int], version: int = 1) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        (folder / f"story-{n:03d}.txt").write_text(article(n, version), encoding="utf-8")


def cli_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("ASSISTANT_") or k in SCRUBBED)}
    env.update(ASSISTANT_CONFIG=str(CONFIG), ASSISTANT_DATA_DIR=str(data_dir), NO_COLOR="1")
    return env


def start_ingest(corpus: Path, data_dir: Path) -> subprocess.Popen[str]:
    """`assistant ingest CORPUS --prune` (the real CLI) with small commit steps."""
    code = (
        "import sys, assistant.index.ingest as ingest; "
        f"ingest.EMBED_GROUP = {SMALL_GROUP}; "
        "from assistant.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, "ingest", str(corpus), "--prune"],
        cwd=REPO_ROOT,
        env=cli_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_at_random(corpus: Path, data_dir: Path, rng: random.Random) -> str:
    """Start an ingest, wait until it writes to the store (its first commit reached the
    keyword index), then SIGKILL it after a random delay: mid-write in Chroma, between
    writes, while the keyword index commits, or (rarely) after it finished."""
    started = time.time()
    proc = start_ingest(corpus, data_dir)
    pending = data_dir / "news_keyword" / "meta.json"
    deadline = time.monotonic() + 90
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if pending.stat().st_mtime >= started:
                break
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    delay = rng.uniform(0.0, 1.5)
    time.sleep(delay)
    state = "killed" if proc.poll() is None else f"had finished ({proc.returncode})"
    proc.kill()
    _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err
    return f"{delay:.2f}s into writing: {state}"


def chunk_records(bot: Assistant) -> tuple[list[str], list[dict[str, object]]]:
    got = bot.store.chunks.get(include=["metadatas"])
    return list(got["ids"]), list(got["metadatas"])


def snapshot(bot: Assistant) -> dict[str, object]:
    """What must be the same after a crashed-then-finished ingest and a clean one."""
    ids, metas = chunk_records(bot)
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    infos = {info.id: info for info in bot.articles()}
    per_article = Counter(str(meta["article_id"]) for meta in metas)
    orphans = set(per_article) - set(infos)
    assert not orphans, f"chunks without an article record: {sorted(orphans)[:5]}"
    assert per_article == Counter({i.id: i.chunks for i in infos.values() if i.chunks})
    assert bot.counts() == (len(infos), len(ids))
    bot.search("anything", k=1)  # a reader syncs the keyword index if it is behind
    store = bot.store
    assert store.keyword_index.chunk_ids() == sorted(ids), "the keyword index does not match"
    snapshot = store.state.read()
    assert snapshot is not None and snapshot.pending is None, snapshot
    assert store.keyword_index.state().generation == snapshot.generation
    return {
        "articles": {i.id: (i.content_hash, i.chunks, i.title) for i in infos.values()},
        "chunks": sorted(ids),
        "search": {q: [(h.chunk_id, h.text) for h in bot.search(q, k=5)] for q in QUERIES},
    }


def test_killed_ingests_then_a_full_one_equal_a_clean_ingest(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", time.time_ns() % 10_000))
    rng = random.Random(seed)
    corpus, data_dir = tmp_path / "corpus", tmp_path / "crashed"
    write_corpus(corpus, range(60))
    log = [f"seed {seed}"]

    log.append("1 " + kill_at_random(corpus, data_dir, rng))
    # the corpus changes under the next ingests: edits, deletions, additions
    write_corpus(corpus, range(0, 60, 4), version=2)
    for n in (5, 17, 33):
        (corpus / f"story-{n:03d}.txt").unlink()
    write_corpus(corpus, range(60, 66))
    log.append("2 " + kill_at_random(corpus, data_dir, rng))
    log.append("3 " + kill_at_random(corpus, data_dir, rng))

    # the final ingest: two at once; the lock lets one work, the other waits its turn or
    # fails with one line
    procs = [start_ingest(corpus, data_dir) for _ in range(2)]
    results = [(p.wait(timeout=180), *p.communicate()) for p in procs]
    for code, _, err in results:
        assert "Traceback" not in err, err
        if code != 0:
            lines = err.strip().splitlines()
            assert code == 1 and len(lines) == 1, err
            assert lines[0].startswith("error: another ingest is running on"), err
    assert any(code == 0 for code, _, _ in results), results
    log.append("final: exit " + " and ".join(str(code) for code, _, _ in results))

    crashed = make_assistant(data_dir)
    clean = make_assistant(tmp_path / "clean")
    assert clean.ingest(corpus).ok
    got, want = snapshot(crashed), snapshot(clean)
    assert set(got["articles"]) == {f"story-{n:03d}.txt" for n in range(66)} - {
        "story-005.txt",
        "story-017.txt",
        "story-033.txt",
    }, log
    assert got == want, log
    # and the recovered store keeps working: nothing left to do
    again = crashed.ingest(corpus, prune=True)
    assert (again.added, again.updated, again.removed, again.chunks) == (0, 0, 0, 0), log
    print("; ".join(log))


def test_ingest_while_another_holds_the_lock_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, data_dir = tmp_path / "corpus", tmp_path / "data"
    write_corpus(corpus, range(3))
    data_dir.mkdir()
    command = ["--data-dir", str(data_dir), "ingest", str(corpus)]
    with open(data_dir / "ingest.lock", "w") as held:  # what a running ingest holds
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert cli_main(command) == 1
    _, err = capsys.readouterr()
    assert err.strip().splitlines() == [
        f"error: another ingest is running on {data_dir}; wait for it to finish"
    ], err
    bot = make_assistant(data_dir)
    assert bot.counts() == (0, 0)  # nothing was half-written
    assert cli_main(command) == 0  # released: the next ingest goes through
    assert bot.counts()[0] == 3
