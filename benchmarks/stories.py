"""How well articles are grouped into stories: precision and recall of same-story pairs.

Two sets:
- wire: tests/data/wire_stories.json, reports written for the tests from wire copy,
  rewrites and paraphrases of six events by four outlets, plus look-alike reports of other
  events (a second fire, a second football result, an older rate decision). Gold: `story`.
- multihop: the 609 MultiHop-RAG articles (../shared/eval/multihop/corpus.jsonl). Gold
  pairs come from the *development* questions only (questions-dev.jsonl; the test split is
  never read): two articles cited together as evidence of one `inference_query` (one
  entity or event asked about "as reported by" several outlets) and published within two
  days of each other. The judged pairs are all pairs of articles that appear in some gold
  pair; a judged pair grouped together but not gold counts against precision, so precision
  is a lower bound (two gold articles may report one event without any question saying so).

The baseline, in the same run, is single linkage on the same similarities (connected
components of the pairs above the threshold): what chaining look-alikes would give.

    .venv/bin/python benchmarks/stories.py [--multihop-dir /tmp/mh-store]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant import Assistant  # noqa: E402
from assistant.index import stories  # noqa: E402

SHARED = next((p / "shared" for p in REPO.parents if (p / "shared" / "eval").is_dir()), REPO)
MULTIHOP = SHARED / "eval" / "multihop"
Pairs = set[frozenset[str]]


def pairs_of(groups: dict[str, str]) -> Pairs:
    by_story: dict[str, list[str]] = {}
    for article, story in groups.items():
        by_story.setdefault(story, []).append(article)
    return {frozenset(p) for m in by_story.values() for p in itertools.combinations(m, 2)}


def score(predicted: Pairs, gold: Pairs, judged: set[str] | None = None) -> str:
    if judged is not None:
        predicted = {p for p in predicted if p <= judged}
    hits = len(predicted & gold)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(gold) if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    counts = f"{hits}/{len(predicted)} pred, {len(gold)} gold"
    return f"P {precision:.2f}  R {recall:.2f}  F1 {f1:.2f}  ({counts})"


def single_linkage(items: list[stories.StoryInput]) -> dict[str, str]:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    sim = stories._Space(items).block(*(2 * [list(range(len(items)))]), -1.0)  # noqa: SLF001
    import numpy as np

    i, j = np.nonzero(sim >= stories.THRESHOLD)
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=sim.shape)
    _, labels = connected_components(graph, directed=False)
    return {it.id: f"c{labels[k]}" for k, it in enumerate(items)}


def report(name: str, bot: Assistant, gold: Pairs, judged: set[str] | None) -> None:
    store = bot.store
    started = time.perf_counter()
    items = stories.read_inputs(store.articles_col, store.chunks)
    read = time.perf_counter() - started
    started = time.perf_counter()
    grouped = stories.group(items)
    took = time.perf_counter() - started
    base = single_linkage(items)
    print(f"{name}: {len(items)} articles; read {read:.2f} s, grouped in {took:.2f} s")
    print(f"  average linkage (shipped): {score(pairs_of(grouped), gold, judged)}")
    print(f"  single linkage (baseline): {score(pairs_of(base), gold, judged)}")


def wire(workdir: Path) -> None:
    data = json.loads((REPO / "tests" / "data" / "wire_stories.json").read_text())
    now = datetime.now(UTC)
    rows = [
        {
            "id": a["id"],
            "title": a["title"],
            "text": a["text"],
            "source": data["outlets"][a["outlet"]],
            "published": (now - timedelta(hours=a["hours_ago"])).isoformat(timespec="seconds"),
        }
        for a in data["articles"]
    ]
    path = workdir / "wire.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    bot = Assistant.from_config(store__data_dir=str(workdir / "wire-store"))
    bot.ingest(path)
    gold = pairs_of({a["id"]: a["story"] for a in data["articles"]})
    report("wire", bot, gold, None)


def multihop(store_dir: Path) -> None:
    corpus = {
        row["id"]: row
        for row in map(json.loads, (MULTIHOP / "corpus.jsonl").read_text().splitlines())
    }
    gold: Pairs = set()
    for line in (MULTIHOP / "questions-dev.jsonl").read_text().splitlines():
        question = json.loads(line)
        if question["mh_type"] != "inference_query":
            continue
        cited = sorted({e["article"] for e in question["evidence"]})
        for a, b in itertools.combinations(cited, 2):
            da = datetime.fromisoformat(corpus[a]["published"])
            db = datetime.fromisoformat(corpus[b]["published"])
            if abs(da - db) <= timedelta(days=2):
                gold.add(frozenset((a, b)))
    judged = {a for pair in gold for a in pair}
    bot = Assistant.from_config(store__data_dir=str(store_dir))
    if bot.open(create=True).counts()[0] < len(corpus):
        bot.ingest(MULTIHOP / "corpus.jsonl")
    report("multihop", bot, gold, judged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--multihop-dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wire(Path(tmp))
        if MULTIHOP.is_dir():
            multihop(args.multihop_dir or Path(tmp) / "mh-store")


if __name__ == "__main__":
    main()
