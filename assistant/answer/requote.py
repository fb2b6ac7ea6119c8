"""When the model misreads the sentence it answers from, answer with that sentence.

A small model copying a sentence out of its prompt sometimes changes the one figure that
matters: the passage says "About 12% of users were based in Iran", the reply "8% of users
were based in Iran" (the 8 came from "8 million bloggers" two sentences on); or "12 days
after the Ford-Suharto meeting" where the passage says "the day after"; or it adds a "not"
the passage does not say. The check rightly backs no such claim, and the answer became an
abstention although the sentence that answers was found, shown and pointed at. So when
nothing the model said is backed, a claim whose words (all but its figures) nearly all
stand in one sentence it was shown is replaced by that sentence, quoted as it is written
and cited; the quote is then checked word for word like an extractive answer. A claim that
reads back a title points at no sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..text import content_words, sentences
from .check.support import passage_sentences
from .check.verify import reads_a_title
from .context import GAP
from .markers import strip_markers

SHARE = 0.7
"""Least share of a claim's words (figures aside) that the sentence it misread must hold."""
CLAIM_WORDS = 4
"""Fewest words (figures aside) a claim needs to point at one sentence."""


def _words(text: str) -> set[str]:
    return {w for w in content_words(text) if not any(c.isdigit() for c in w)}


def shown_sentences(texts: Sequence[str]) -> list[tuple[int, str]]:
    """(passage index, sentence) of every sentence the model was shown, in order (a shown
    text joins its sentences with `context.GAP` where it skips some)."""
    found: list[tuple[int, str]] = []
    for index, text in enumerate(texts):
        for piece in text.split(GAP):
            found.extend((index, piece[s:e].strip()) for s, e in passage_sentences(piece))
    return found


def misread(reply: str, texts: Sequence[str], titles: Sequence[str]) -> tuple[int, str] | None:
    """The shown sentence (passage index, sentence) that a claim of `reply` repeats with
    other figures, the one holding most of its words; None when no claim points at one.
    `texts`: what the model was shown of each passage; `titles`: their titles."""
    heads = {frozenset(content_words(t)) for t in titles} - {frozenset()}
    shown = [(i, s, content_words(s)) for i, s in shown_sentences(texts)]
    best: tuple[float, int, str] | None = None
    for claim in sentences(strip_markers(reply)):
        words = _words(claim)
        if len(words) < CLAIM_WORDS or reads_a_title(content_words(claim), heads):
            continue
        for index, sentence, found in shown:
            share = len(words & found) / len(words)
            if share >= SHARE and (best is None or share > best[0]):
                best = (share, index, sentence)
    return None if best is None else (best[1], best[2])
