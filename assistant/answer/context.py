"""What the model is shown: the sentences of the retrieved passages most likely to answer.

A local model reads prompts at about 60 tokens a second on two cores, so the prompt carries
the best sentences within a word budget rather than whole passages. Sentences are ranked by
word overlap with the question (rare question words weigh more) and embedding similarity;
word overlap picks the candidates, and only those are embedded.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from ..text import content_words
from ..types import Hit
from .check.asked import asked_for
from .check.support import SupportChecker, article_ranks, passage_sentences
from .prompts import TITLE_WORDS

NOVELTY = 0.08
ASKED = 0.08
"""Extra for a sentence holding what the question asks for: a date for "when", a figure
for "how many", a name for "who" (on top of NOVELTY, which any new name or figure earns)."""
PRESELECT = 12
"""Candidate sentences embedded per ranking (at least; three per passage)."""
GAP = "…"
"""Joins the sentences shown of one passage where sentences between them are left out."""
_NAMES = re.compile(r"\$?\d[\d.,]*%?|\b[A-Z][a-z]{2,}")


def focus(
    checker: SupportChecker,
    question: str,
    hits: Sequence[Hit],
    sentences: int,
    budget: int = 0,
) -> list[tuple[int, str]]:
    """The passages to show the model, as (hit index, text): each cut to its best
    sentences for `question` (at most `sentences` per passage, and `budget` words in
    all when it is set), in their order, gaps shown as `GAP`. A short prompt is what
    makes a local model answer fast, and keeps a small model on the facts that matter;
    a passage with no sentence in the budget is left out. The whole passage is still
    what a citation is checked against."""
    best: dict[int, list[tuple[int, int]]] = {}
    used = 0
    shown: set[str] = set()
    # words weigh more than meaning here: on the dev sets' evidence sentences that kept
    # 41 of 50 in a 140-word budget, against 39 with the extractive weights
    for _, j, start, end in rank_sentences(checker, question, hits, meaning=0.3):
        sentence = " ".join(hits[j].text[start:end].split())
        if sentence in shown or sentence == " ".join(hits[j].title.split()):
            continue  # overlapping passages repeat sentences; a title is shown anyway
        words = len(sentence.split())
        if j not in best:  # a passage shown costs its title line too
            words += min(len(hits[j].title.split()), TITLE_WORDS) + 2
        if len(best.get(j, ())) >= sentences or (budget and used and used + words > budget):
            continue
        best.setdefault(j, []).append((start, end))
        shown.add(sentence)
        used += words
    article_rank = article_ranks(hits)
    order = sorted(
        range(len(hits)), key=lambda j: (article_rank[hits[j].article_id], hits[j].start)
    )
    kept = []
    for j in order:
        hit = hits[j]
        spans = sorted(best.get(j, []))
        if not spans:
            if not budget:
                kept.append((j, hit.text))
            continue
        all_spans = passage_sentences(hit.text)
        parts, previous = [], -1
        for start, end in spans:
            index = all_spans.index((start, end))
            if previous >= 0 and index != previous + 1:
                parts.append(GAP)
            parts.append(hit.text[start:end])
            previous = index
        kept.append((j, " ".join(parts)))
    return kept


def rank_sentences(
    checker: SupportChecker, question: str, hits: Sequence[Hit], meaning: float = 0.5
) -> list[tuple[float, int, int, int]]:
    """The passage sentences most likely to answer `question`, as (score, hit index,
    start, end), best first; `meaning` weighs embedding similarity against word overlap.
    Word overlap picks the candidates; only those are embedded (embedding every sentence
    of every passage would cost most of the answer time)."""
    qwords = content_words(question)
    ranked: list[tuple[float, int, int, int]] = []
    article_rank = article_ranks(hits)
    found = [
        (j, start, end, content_words(hit.text[start:end]))
        for j, hit in enumerate(hits)
        for start, end in passage_sentences(hit.text)
    ]
    # a question word that most candidates share ("house" in house-price stories) says
    # less about which sentence answers than a rare one ("highest"): weight by rarity
    df = Counter(w for _, _, _, words in found for w in words & qwords)
    weight = {w: math.log(1 + len(found) / (1 + df[w])) for w in qwords}
    total = sum(weight.values()) or 1.0
    asked = asked_for(question)
    for j, start, end, words in found:
        hit = hits[j]
        lexical = sum(weight[w] for w in qwords & words) / total
        # an answer names something the question doesn't: a figure or a proper noun
        novel = _NAMES.findall(hit.text[start + 1 : end])
        bonus = NOVELTY if any(n.lower() not in qwords for n in novel) else 0.0
        if asked is not None and any(
            m.lower() not in question.lower() for m in asked.findall(hit.text[start:end])
        ):
            bonus += ASKED
        penalty = 0.02 * article_rank[hit.article_id]
        ranked.append((0.5 * lexical + bonus - penalty, j, start, end))
    ranked.sort(reverse=True)
    ranked = ranked[: max(PRESELECT, 3 * len(hits))]
    if not ranked:
        return []
    vectors = checker.embed_cached([hits[j].text[s:e] for _, j, s, e in ranked])
    qvec = checker.embed_cached([question])[0]
    scored = [
        (base + meaning * float(vec @ qvec), j, s, e)
        for (base, j, s, e), vec in zip(ranked, vectors, strict=True)
    ]
    scored.sort(reverse=True)
    return scored
