"""How well a passage backs a claim: the check behind every citation.

Two signals, both cheap and offline: the share of the claim's content words (numbers
weighted hard) found in the passage, and the best embedding similarity between the claim and
one sentence of the passage. Their blend is the citation `score` (0..1). The checker also
keeps recent vectors, so the sentences ranked for the prompt (`context`) and the passages
checked afterwards are embedded once, and measures whether anything retrieved is relevant.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from ...models.embeddings import Embedder, FloatArray
from ...text import content_words, overlap, sentence_spans
from ...types import Hit
from .directives import is_directive

LEXICAL_WEIGHT = 0.6
NUMBER_CAP = 0.3
"""Most a claim can score against a passage that lacks one of its numbers."""
_PERCENT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(?:%|per\s?cent\b)", re.I)


def percents(text: str) -> set[str]:
    """The figures `text` gives as percentages ("12%", "8 per cent"): a claim's "8%" is
    not backed by a passage's "8 million", though both hold the number 8."""
    return {m.replace(",", "") for m in _PERCENT.findall(text)}


def passage_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a passage worth scoring: 12 characters or more, and
    a statement, not an instruction or template line (`directives.is_directive`)."""
    return [(s, e) for s, e in sentence_spans(text, min_chars=12) if not is_directive(text[s:e])]


def article_ranks(hits: Sequence[Hit]) -> dict[str, int]:
    """Each article's rank: the order in which its first passage appears in `hits`."""
    return {a: i for i, a in enumerate(dict.fromkeys(h.article_id for h in hits))}


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

    def embed_cached(self, texts: Sequence[str]) -> FloatArray:
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
        vectors = self.embed_cached(flat)
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
        query_vector = self.embed_cached([query])[0]  # rank_sentences reuses it
        passages = self.embed_cached([h.text for h in hits])
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
            shares = percents(claim)
            for j, hit in enumerate(hits):
                lexical = overlap(claim, hit.text)
                similar = float((sentence_vecs[j] @ vec).max()) if len(sentence_vecs[j]) else 0.0
                row[j] = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * max(0.0, similar)
                if numbers - content_words(hit.text) or shares - percents(hit.text):
                    row[j] = min(row[j], NUMBER_CAP)  # a figure the passage never gives
            rows.append(row)
        return rows
