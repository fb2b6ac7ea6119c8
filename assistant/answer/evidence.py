"""Evidence first: for each part of the question, the sentences that state what is asked.

The model sees a few sentences, not whole passages (a local model reads about 60 tokens a
second on two cores). Which sentences decides the answer: chosen by overlap with the whole
question, a question about two reports fills the budget with the report that matches its
words better and leaves the other out. So the budget is spent part by part: each part of
the analysis (one per report the question refers to) ranks the sentences of its own
passages, and of the other passages of its best article, for its own clause, and keeps
the best within its share of the words. A question of one part is what it always was: the
best sentences of the passages found, and of the other passages of the two best articles.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..retrieve.pool import Found
from ..retrieve.search import Retriever
from ..text import content_words
from ..types import Hit
from .check.support import SupportChecker
from .context import focus

PART_PASSAGES = 3
"""Passages of each part's own ranking that compete for its share of the words."""


@dataclass(frozen=True)
class Evidence:
    """What the model is shown: passages (numbered 1..n in the prompt) with the text shown
    for each, and which part of the question each one serves."""

    hits: tuple[Hit, ...]
    texts: tuple[str, ...] | None
    """The shown text of each passage (None: the whole passages)."""
    parts: tuple[int, ...]

    @property
    def shown(self) -> tuple[str, ...]:
        return self.texts if self.texts is not None else tuple(h.text for h in self.hits)


def gather(
    checker: SupportChecker,
    retriever: Retriever,
    found: Found,
    *,
    sentences: int,
    budget: int,
    part_budget: int,
    expand: int,
) -> Evidence:
    """The evidence for `found` (see the module docstring). `sentences` per passage and
    `budget` words in all for a question of one part; `part_budget` words per part for a
    question of several; `expand`: articles whose other passages compete too."""
    hits = list(found.hits)
    if not sentences and not budget:
        return Evidence(tuple(hits), None, (0,) * len(hits))
    if not found.analysis.multi:
        if budget and expand:
            hits = retriever.expand(hits, expand)
        kept = focus(checker, found.analysis.parts[0].query, hits, sentences or 1000, budget)
        return Evidence(
            tuple(hits[j] for j, _ in kept), tuple(t for _, t in kept), (0,) * len(kept)
        )
    shown: list[Hit] = []
    texts: list[str] = []
    parts: list[int] = []
    seen: set[str] = set()
    share = max(part_budget, budget // len(found.rankings)) if budget else part_budget
    for index, (part, ranking) in enumerate(zip(found.analysis.parts, found.rankings, strict=True)):
        own = [h for h in ranking[:PART_PASSAGES] if h.chunk_id not in seen]
        if not own:
            continue
        pool = retriever.expand(own, 1) if expand else own
        pool = [h for h in pool if h.chunk_id not in seen]
        query = part_query(part.query, found.analysis.question)
        for j, text in focus(checker, query, pool, sentences or 1000, share):
            shown.append(pool[j])
            texts.append(text)
            parts.append(index)
            seen.add(pool[j].chunk_id)
    return Evidence(tuple(shown), tuple(texts), tuple(parts))


def part_query(clause: str, question: str) -> str:
    """What a part's sentences are ranked for: its clause, when it says enough on its own
    (four content words or more), else the whole question."""
    return clause if len(content_words(clause)) >= 4 else question
