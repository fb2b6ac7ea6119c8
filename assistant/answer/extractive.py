"""The `extractive` provider: no language model, the passage sentences that best answer.

Each quoted sentence carries the marker of its passage, so the answer is checked and shown
like any other. It needs nothing but the embedding model and answers in a few hundred ms.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..text import overlap
from ..types import Hit
from .check.support import SupportChecker
from .context import rank_sentences
from .markers import strip_markers

EXTRACT_MIN = 0.42
"""The best sentence must score at least this, or the answer is an abstention."""
EXTRACT_MAX_SENTENCES = 2


def extract(checker: SupportChecker, question: str, hits: Sequence[Hit]) -> str:
    """The passage sentences that best answer `question`, each with its [n] marker."""
    candidates = rank_sentences(checker, question, hits)
    if not candidates or candidates[0][0] < EXTRACT_MIN:
        return ""
    chosen = [candidates[0]]
    for cand in candidates[1:]:
        if len(chosen) == EXTRACT_MAX_SENTENCES:
            break
        if cand[0] >= max(EXTRACT_MIN, 0.8 * chosen[0][0]):
            text = hits[cand[1]].text[cand[2] : cand[3]]
            if all(overlap(text, hits[c[1]].text[c[2] : c[3]]) < 0.7 for c in chosen):
                chosen.append(cand)
    parts = []
    for _, j, start, end in chosen:
        # a "[2]" in the article is its text (a footnote), never a citation of source 2
        sentence = strip_markers(" ".join(hits[j].text[start:end].split()))
        parts.append(f"{sentence} [{j + 1}]")
    return " ".join(parts)


def extract_parts(
    checker: SupportChecker, queries: Sequence[str], rankings: Sequence[Sequence[Hit]]
) -> tuple[str, list[Hit]]:
    """For a question about several reports: the best sentence of each report (each part's
    own passages, ranked for its own query), with markers into the passages returned."""
    best = []
    for query, ranking in zip(queries, rankings, strict=True):
        candidates = rank_sentences(checker, query, ranking)
        if candidates:
            best.append((candidates[0], ranking))
    if not best or max(c[0] for c, _ in best) < EXTRACT_MIN:
        return "", []
    cited: list[Hit] = []
    parts: list[str] = []
    for (score, j, start, end), ranking in best:
        if score < EXTRACT_MIN / 2:  # once one report answers, the others' best may paraphrase
            continue
        hit = ranking[j]
        if hit not in cited:
            cited.append(hit)
        sentence = strip_markers(" ".join(hit.text[start:end].split()))
        if all(sentence not in p for p in parts):
            parts.append(f"{sentence} [{cited.index(hit) + 1}]")
    return " ".join(parts), cited
