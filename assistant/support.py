"""How well a passage backs a claim: the check behind every citation.

Two signals, both cheap and offline: the share of the claim's content words (numbers
weighted hard) found in the passage, and the best embedding similarity between the claim and
one sentence of the passage. Their blend is the citation `score` (0..1). The same machinery
ranks passage sentences against a question for the extractive provider and measures whether
anything retrieved is relevant at all.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from .citations import content_words, overlap, strip_markers
from .embeddings import Embedder, FloatArray
from .types import Hit

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"”’']?|$)")
LEXICAL_WEIGHT = 0.6
EXTRACT_MIN = 0.42
NUMBER_CAP = 0.3
"""Most a claim can score against a passage that lacks one of its numbers."""
EXTRACT_MAX_SENTENCES = 2
NOVELTY = 0.08
PRESELECT = 12
"""Candidate sentences embedded per extractive answer."""
_NAMES = re.compile(r"\$?\d[\d.,]*%?|\b[A-Z][a-z]{2,}")


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
    """Scores claims against passages with word overlap and the embedding model.

    Vectors of passages and passage sentences are kept (up to `CACHE_SIZE` texts): one
    answer embeds the same sentences to extract and to verify, and a chat's follow-ups
    mostly retrieve the passages of the turn before.
    """

    CACHE_SIZE = 4096

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._cache: OrderedDict[str, FloatArray] = OrderedDict()
        self._cache_lock = threading.Lock()

    def _embed_cached(self, texts: Sequence[str]) -> FloatArray:
        """`embedder.embed(texts)`, reusing the vectors of texts seen recently."""
        with self._cache_lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        fresh = self.embedder.embed(missing) if missing else None
        with self._cache_lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
            if fresh is not None:
                found.update(zip(missing, fresh, strict=True))
                for text, vector in zip(missing, fresh, strict=True):
                    self._cache[text] = vector
            for text in texts:
                if text in self._cache:
                    self._cache.move_to_end(text)
            while len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, 1), np.float32)
        return np.stack([found[t] for t in texts])

    def _sentence_vectors(
        self, hits: Sequence[Hit]
    ) -> tuple[list[list[tuple[int, int]]], list[FloatArray]]:
        spans = [passage_sentences(h.text) for h in hits]
        flat = [h.text[s:e] for h, sp in zip(hits, spans, strict=True) for s, e in sp]
        vectors = self._embed_cached(flat)
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
        query_vector = self.embedder.embed([query])[0]
        passages = self._embed_cached([h.text for h in hits])
        return [float(x) for x in passages @ query_vector]

    def score_claims(
        self, claims: Sequence[str], hits: Sequence[Hit], *, semantic: bool = True
    ) -> list[FloatArray]:
        """For each claim, an array of support scores (0..1), one per hit. Without
        `semantic` (for claims quoted verbatim from the passages) only words count."""
        if not claims or not hits:
            return [np.zeros(len(hits), dtype=np.float32) for _ in claims]
        if not semantic:
            return [
                np.asarray([overlap(claim, hit.text) for hit in hits], dtype=np.float32)
                for claim in claims
            ]
        _, sentence_vecs = self._sentence_vectors(hits)
        claim_vecs = self.embedder.embed(list(claims))
        rows = []
        for claim, vec in zip(claims, claim_vecs, strict=True):
            row = np.zeros(len(hits), dtype=np.float32)
            numbers = {w for w in content_words(claim) if any(c.isdigit() for c in w)}
            for j, hit in enumerate(hits):
                lexical = overlap(claim, hit.text)
                similar = float((sentence_vecs[j] @ vec).max()) if len(sentence_vecs[j]) else 0.0
                row[j] = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * max(0.0, similar)
                if numbers - content_words(hit.text):  # a figure the passage never gives
                    row[j] = min(row[j], NUMBER_CAP)
            rows.append(row)
        return rows

    def focus(self, question: str, hits: Sequence[Hit], sentences: int) -> list[str]:
        """Each passage cut to its `sentences` best sentences for `question`, in their
        order (gaps shown as "…"): a short prompt is faster and keeps a small model on
        the facts that matter. The whole passage is still what a citation is checked
        against."""
        best: dict[int, list[tuple[int, int]]] = {}
        for _, j, start, end in self.rank_sentences(question, hits):
            if len(best.setdefault(j, [])) < sentences:
                best[j].append((start, end))
        texts = []
        for j, hit in enumerate(hits):
            spans = sorted(best.get(j, []))
            if not spans:
                texts.append(hit.text)
                continue
            all_spans = passage_sentences(hit.text)
            parts, previous = [], -1
            for start, end in spans:
                index = all_spans.index((start, end))
                if previous >= 0 and index != previous + 1:
                    parts.append("…")
                parts.append(hit.text[start:end])
                previous = index
            texts.append(" ".join(parts))
        return texts

    def rank_sentences(
        self, question: str, hits: Sequence[Hit]
    ) -> list[tuple[float, int, int, int]]:
        """The passage sentences most likely to answer `question`, as (score, hit index,
        start, end), best first. Word overlap picks the candidates; only those are embedded
        (embedding every sentence of every passage would cost most of the answer time)."""
        qwords = content_words(question)
        ranked: list[tuple[float, int, int, int]] = []
        for j, hit in enumerate(hits):
            for start, end in passage_sentences(hit.text):
                words = content_words(hit.text[start:end])
                lexical = len(qwords & words) / max(1, len(qwords))
                # an answer names something the question doesn't: a figure or a proper noun
                novel = _NAMES.findall(hit.text[start + 1 : end])
                bonus = NOVELTY if any(n.lower() not in qwords for n in novel) else 0.0
                ranked.append((0.5 * lexical + bonus - 0.02 * j, j, start, end))
        ranked.sort(reverse=True)
        ranked = ranked[: max(PRESELECT, 3 * len(hits))]
        if not ranked:
            return []
        vectors = self._embed_cached([hits[j].text[s:e] for _, j, s, e in ranked])
        qvec = self.embedder.embed([question])[0]
        scored = [
            (base + 0.5 * float(vec @ qvec), j, s, e)
            for (base, j, s, e), vec in zip(ranked, vectors, strict=True)
        ]
        scored.sort(reverse=True)
        return scored

    def extract(self, question: str, hits: Sequence[Hit]) -> str:
        """The passage sentences that best answer `question`, each with its [n] marker."""
        candidates = self.rank_sentences(question, hits)
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
