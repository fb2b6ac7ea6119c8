"""How well a passage backs a claim: the check behind every citation.

Two signals, both cheap and offline: the share of the claim's content words (numbers
weighted hard) found in the passage, and the best embedding similarity between the claim and
one sentence of the passage. Their blend is the citation `score` (0..1). The same machinery
ranks passage sentences against a question for the extractive provider and measures whether
anything retrieved is relevant at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .citations import content_words, overlap
from .embeddings import Embedder, FloatArray
from .types import Hit

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"”’']?|$)")
LEXICAL_WEIGHT = 0.6
EXTRACT_MIN = 0.35
EXTRACT_MAX_SENTENCES = 2


def passage_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a passage, trimmed of surrounding space."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start >= 12:
            spans.append((start, end))
    return spans


class SupportChecker:
    """Scores claims against passages with word overlap and the embedding model."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def _sentence_vectors(
        self, hits: Sequence[Hit]
    ) -> tuple[list[list[tuple[int, int]]], list[FloatArray]]:
        spans = [passage_sentences(h.text) for h in hits]
        flat = [h.text[s:e] for h, sp in zip(hits, spans, strict=True) for s, e in sp]
        vectors = self.embedder.embed(flat) if flat else np.zeros((0, 1), np.float32)
        out: list[FloatArray] = []
        offset = 0
        for sp in spans:
            out.append(vectors[offset : offset + len(sp)])
            offset += len(sp)
        return spans, out

    def relevance(self, query: str, hits: Sequence[Hit]) -> list[float]:
        """Cosine similarity of the query to each passage (0 when there is none)."""
        if not hits:
            return [0.0]
        vectors = self.embedder.embed([query, *(h.text for h in hits)])
        return [float(x) for x in vectors[1:] @ vectors[0]]

    def score_claims(self, claims: Sequence[str], hits: Sequence[Hit]) -> list[FloatArray]:
        """For each claim, an array of support scores (0..1), one per hit."""
        if not claims or not hits:
            return [np.zeros(len(hits), dtype=np.float32) for _ in claims]
        _, sentence_vecs = self._sentence_vectors(hits)
        claim_vecs = self.embedder.embed(list(claims))
        rows = []
        for claim, vec in zip(claims, claim_vecs, strict=True):
            row = np.zeros(len(hits), dtype=np.float32)
            for j, hit in enumerate(hits):
                lexical = overlap(claim, hit.text)
                semantic = float((sentence_vecs[j] @ vec).max()) if len(sentence_vecs[j]) else 0.0
                row[j] = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * max(0.0, semantic)
            rows.append(row)
        return rows

    def extract(self, question: str, hits: Sequence[Hit]) -> str:
        """The passage sentences that best answer `question`, each with its [n] marker."""
        spans, sentence_vecs = self._sentence_vectors(hits)
        qvec = self.embedder.embed([question])[0]
        qwords = content_words(question)
        candidates: list[tuple[float, int, int, int]] = []
        for j, hit in enumerate(hits):
            if not len(sentence_vecs[j]):
                continue
            sims = sentence_vecs[j] @ qvec
            for (start, end), sim in zip(spans[j], sims, strict=True):
                words = content_words(hit.text[start:end])
                lexical = len(qwords & words) / max(1, len(qwords))
                score = 0.5 * float(sim) + 0.5 * lexical - 0.02 * j
                candidates.append((score, j, start, end))
        candidates.sort(reverse=True)
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
            sentence = " ".join(hits[j].text[start:end].split())
            parts.append(f"{sentence} [{j + 1}]")
        return " ".join(parts)
