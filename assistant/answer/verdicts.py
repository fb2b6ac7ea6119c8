"""A verdict on several reports, shown with what each report says.

"Does the Guardian article suggest X, while Essentially Sports says Y?" is answered by a
word, yes or no, and that word is a reading of two reports, not a fact either of them
states: no passage backs "Yes, both articles suggest ongoing research is crucial". So when
the check backs none of the model's sentences, the answer to such a question would become
an abstention although the evidence for every part was found and read. Instead the
model's verdict is kept and the reasons are replaced by the reports' own words: for each
part of the question, the sentence of its evidence that best matches what the part asks
(its clause, or the whole question when the clause says too little, as the evidence was
chosen), quoted with its outlet and cited; a report's own question is never the quote.
The reader gets the model's reading and the sentences it rests on, checked word for word;
nothing the passages do not say is labelled supported.
"""

from __future__ import annotations

import re

from ..retrieve.questions import Analysis
from ..text import one_line
from ..types import Hit
from .check.support import SupportChecker
from .context import rank_sentences
from .evidence import Evidence, part_query
from .markers import strip_markers

VERDICT_KINDS = frozenset({"yes/no", "order", "choice"})
_FIRST_WORD = re.compile(r"^\W*([A-Za-z][\w'-]*)")


def opening_verdict(reply: str, analysis: Analysis) -> str | None:
    """The verdict `reply` opens with ("Yes", "No", or one of a choice's options), for a
    question about several reports that asks for one; None otherwise."""
    if analysis.kind not in VERDICT_KINDS or not analysis.multi:
        return None
    first = _FIRST_WORD.match(strip_markers(reply))
    if first is None:
        return None
    word = first.group(1).lower()
    allowed = set(analysis.choices) if analysis.kind == "choice" else {"yes", "no"}
    return word.capitalize() if word in allowed else None


def with_quotes(
    analysis: Analysis, evidence: Evidence, checker: SupportChecker
) -> tuple[str, list[Hit]]:
    """One quoted sentence per part of the question (its outlet, its words, its marker), to
    follow the verdict, and the passages cited in order; ("", []) unless every part has a
    sentence to show. The verdict is not part of it: a word like "No" is a reading, and
    is never checked (nor cited) as if a passage stated it."""
    quotes: list[str] = []
    cited: list[Hit] = []
    for index, part in enumerate(analysis.parts):
        hits = [h for h, p in zip(evidence.hits, evidence.parts, strict=True) if p == index]
        query = part_query(part.query, analysis.question)
        # a report's own question ("Is T.J. Hockenson playing Week 10?") states nothing
        ranked = [
            r
            for r in rank_sentences(checker, query, hits)
            if not _asks(hits[r[1]].text[r[2] : r[3]])
        ]
        if not ranked:
            return "", []
        _, j, start, end = ranked[0]
        hit = hits[j]
        if hit.chunk_id in {h.chunk_id for h in cited}:
            return "", []  # one passage for two reports: no comparison to show
        sentence = strip_markers(" ".join(hit.text[start:end].split()))
        cited.append(hit)
        who = one_line(hit.source or "One report")
        when = f" ({hit.published[:10]})" if hit.published else ""
        quotes.append(f"{who}{when}: “{sentence}” [{len(cited)}]")
    return " ".join(quotes), cited


def _asks(sentence: str) -> bool:
    """Whether `sentence` is a question (closing quotes and brackets aside)."""
    return sentence.rstrip(" \"'”’)").endswith("?")
