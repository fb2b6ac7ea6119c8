"""Check an answer against its sources: what makes a citation worth showing.

Every sentence of the model's reply is scored against the passages (word overlap and
embedding similarity, `support.py`), with the rules of `rules.py` on what the sentence adds
to the question. A weak citation is flagged, not hidden; a sentence with no marker gets the
passage that backs it (marked `attached`); a citation to a passage that lacks the claim is
re-pointed to the one that has it; a compound claim no one passage backs ("A predicted 2%,
while B forecast 8%") is backed clause by clause, each clause by its own passage; repeats,
sentences about the passages and titles read back are dropped. Numbers run 1, 2, 3… by
first appearance in what is returned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ...models.embeddings import FloatArray
from ...text import content_words
from ...types import Citation, Hit
from ..markers import best_span, renumber, sentences, tidy
from .directives import statements
from .replies import collapse_repeats, is_meta
from .rules import (
    bare_words,
    cap_echo,
    cap_excluded,
    cap_terse,
    cap_unbacked,
    names_in,
    without_computed,
)
from .support import SupportChecker

TERSE_TOPIC = 0.3
"""Support of question + terse answer above which a passage counts as on the question's topic."""


def reads_a_title(words: set[str], titles: set[frozenset[str]]) -> bool:
    """Whether a claim's words are (nearly: "Andrea Levy tipped for Whitbread prize") the
    words of a passage's title: a small model reading back the head of a source."""
    return any(len(words & t) >= 0.75 * len(words | t) for t in titles if words)


def stated(hit: Hit) -> Hit:
    """`hit` holding only what its passage states (`directives.statements`): an instruction
    or template line inside an article backs no claim and is never quoted."""
    return replace(hit, text=statements(hit.text))


def with_metadata(hit: Hit) -> Hit:
    """`hit` with its article's outlet, date and title as a last line of its text: "The
    Verge reported on 2023-10-04 that…" is backed by who published it and when, which the
    passage's own words rarely say."""
    facts = [" ".join(x.split()) for x in (hit.source, (hit.published or "")[:10], hit.title) if x]
    return replace(hit, text=f"{hit.text}\n{'; '.join(facts)}.") if facts else hit


@dataclass
class _Claim:
    """A checked claim on its way back into the text: its words (`body`, no markers) and
    the passages (hit indexes) it will cite, with its support per hit."""

    text: str
    body: str
    chosen: list[int]
    row: FloatArray
    attached: bool


def _with_markers(
    rebuilt: Sequence[str | _Claim], min_support: float
) -> tuple[str, dict[int, list[tuple[str, float, bool]]]]:
    """The text with each claim's markers, and each cited hit's uses (claim, score,
    attached). A citation's flag is its passage's best use, so a passage that backs one
    claim is not cited by another it does not back: "HACKED [1]" beside a true sentence
    citing [1] would show as supported."""
    backs = {
        i for c in rebuilt if isinstance(c, _Claim) for i in c.chosen if c.row[i] >= min_support
    }
    parts: list[str] = []
    cited_by: dict[int, list[tuple[str, float, bool]]] = {}
    for claim in rebuilt:
        if isinstance(claim, str):
            parts.append(claim)
            continue
        chosen = [i for i in claim.chosen if claim.row[i] >= min_support or i not in backs]
        stripped = claim.body.rstrip()
        markers = "".join(f"[{i + 1}]" for i in chosen)
        parts.append(stripped + (" " + markers if markers else "") + claim.body[len(stripped) :])
        for i in chosen:
            cited_by.setdefault(i, []).append((claim.text, float(claim.row[i]), claim.attached))
    return "".join(parts), cited_by


_CLAUSE = re.compile(r"(?:,|;)\s+(?:while|whereas|and|but)\s+|;\s+|\s+while\s+", re.I)


def clauses(claim: str) -> list[str]:
    """The clauses of a compound claim ("A predicted 2%, while B forecast 8%"), when each
    says something (three content words or more); [] for a simple claim."""
    parts = [p.strip() for p in _CLAUSE.split(claim)]
    if len(parts) < 2 or any(len(content_words(p)) < 3 for p in parts):
        return []
    return parts


def _split_backing(
    claim: str, question: str, checker: SupportChecker, backing: Sequence[Hit], min_support: float
) -> dict[int, float]:
    """For a compound claim no one passage backs, the passages that back its clauses, one
    each, with their scores ({} unless every clause is backed): two reports, two facts."""
    parts = clauses(claim)
    if not parts:
        return {}
    chosen: dict[int, float] = {}
    for row in checker.score_claims(parts, backing):
        best = int(np.argmax(row))
        if row[best] < min_support:
            return {}
        chosen[best] = max(chosen.get(best, 0.0), float(row[best]))
    # every name and figure the claim adds to its question stands in a passage it cites
    words = set().union(*(bare_words(backing[j].text) for j in chosen))
    if names_in(claim) - bare_words(question) - words:
        return {}
    return chosen if len(chosen) > 1 else {}


def short(claim: str) -> bool:
    """A claim of a few words: an answer that needs its question to be checked."""
    return len(content_words(claim)) < 4


def verify(
    raw: str,
    hits: Sequence[Hit],
    question: str,
    *,
    checker: SupportChecker,
    min_support: float,
    quoted: bool,
) -> tuple[str, tuple[Citation, ...], int]:
    """Check every sentence of `raw` against its sources; attach or re-point citations.
    Returns the text with final numbers, its citations and how many markers were dropped.
    `quoted`: the answer quotes the passages word for word (extractive), so only words count.
    """
    # `valid` shows display numbers (first appearance); order[n - 1] is display n's source
    valid, order, dropped = renumber(raw, len(hits))
    claims = sentences(valid, at_markers=True)
    # what is checked: each claim without the figures it computed ("so 2 years")
    evidence = [stated(h) for h in hits]
    checked = without_computed([c.text for c in claims], question, evidence, valid)
    backing = [with_metadata(h) for h in evidence]
    states = [bool(h.text.strip()) for h in evidence]
    scores = checker.score_claims(checked, backing, semantic=not quoted)
    asked = content_words(question)
    terse = [i for i, c in enumerate(claims) if question and short(c.text)]
    if terse:
        # a terse answer ("500", "Madrid") only means something with its question: the
        # passage must back both the answer's words and the question's
        with_question = checker.score_claims(
            [f"{question} {checked[i]}" for i in terse], backing, semantic=not quoted
        )
        for i, row in zip(terse, with_question, strict=True):
            # off-topic passages (question and answer rarely meet there) cap the score
            scores[i] = np.where(row >= TERSE_TOPIC, scores[i], np.minimum(scores[i], row))
    compound: dict[int, list[int]] = {}  # claim -> the passages backing its clauses
    if question:
        for text, row in zip(checked, scores, strict=True):
            cap_unbacked(text, question, backing, row)
            cap_terse(text, question, evidence, row)
            cap_excluded(text, question, row)
            cap_echo(text, question, row)
    for i, row in enumerate(scores):
        if len(row) and float(row.max()) < min_support:
            split = _split_backing(checked[i], question, checker, backing, min_support)
            for j, score in split.items():
                row[j] = score
            if split:
                compound[i] = list(split)
    titles = {frozenset(content_words(h.title)) for h in hits} - {frozenset()}
    rebuilt: list[str | _Claim] = []
    cursor = 0
    said: set[str] = set()
    for number, (claim, row) in enumerate(zip(claims, scores, strict=True)):
        key = " ".join(content_words(claim.text))
        if key in said:  # small models repeat themselves: say each thing once
            rebuilt.append(valid[cursor : claim.start])
            cursor = claim.end
            continue
        said.add(key)
        # "This is stated in passage 1." says nothing; nor does a passage's title read
        # back ("Andrea Levy tipped for Whitbread prize.")
        if is_meta(claim.text) or reads_a_title(content_words(claim.text), titles):
            rebuilt.append(valid[cursor : claim.start])
            cursor = claim.end
            continue
        # a passage that states nothing (all instructions) is cited for nothing
        cited = [order[n - 1] - 1 for n in claim.markers if 0 < n <= len(order)]
        cited = [i for i in cited if states[i]]
        chosen: list[int] = []
        attached = False
        for index in dict.fromkeys(cited):
            chosen.append(index)
        best = int(np.argmax(row)) if len(row) else -1
        strong = best >= 0 and row[best] >= min_support
        # attach to a real claim: one of several words, or a terse answer that names
        # something the question did not (not "Also." or "Jets.")
        says = not short(claim.text) or bool(content_words(claim.text) - asked)
        if number in compound and set(chosen) != set(compound[number]):
            # each clause cites the passage that backs it
            attached = not set(compound[number]) <= set(chosen)
            chosen = compound[number]
        elif not chosen and strong and says:
            chosen, attached = [best], True
        elif chosen and strong and max(row[i] for i in chosen) < min_support:
            if row[best] >= max(row[i] for i in chosen) + 0.15:
                chosen, attached = [best], True
        elif chosen and max(row[i] for i in chosen) >= min_support:
            # one source backs the claim: drop co-cited ones that clearly don't
            chosen = [i for i in chosen if row[i] >= min_support / 2]
        body = valid[cursor : claim.start] + re.sub(
            r"\s*\[\d+\]", "", valid[claim.start : claim.end]
        )
        rebuilt.append(_Claim(claim.text, body, chosen, row, attached))
        cursor = claim.end
    rebuilt.append(valid[cursor:])
    model_text, cited_by = _with_markers(rebuilt, min_support)
    text, final_order, _ = renumber(collapse_repeats(model_text), len(hits))
    citations = []
    for n, model_number in enumerate(final_order, 1):
        hit = hits[model_number - 1]
        uses = cited_by.get(model_number - 1, [])
        score = max((s for _, s, _ in uses), default=0.0)
        start, end = best_span(" ".join(t for t, _, _ in uses), evidence[model_number - 1].text)
        citations.append(
            Citation(
                n=n,
                article_id=hit.article_id,
                title=hit.title,
                source=hit.source,
                published=hit.published,
                quote=hit.text[start:end].strip(),
                start=hit.start + start,
                end=hit.start + start + len(hit.text[start:end].strip()),
                supported=score >= min_support,
                score=score,
                attached=bool(uses) and all(a for _, _, a in uses),
                url=hit.url,
            )
        )
    return tidy(text), tuple(citations), dropped
