"""Question files and how an answer is scored against one question.

A question file is JSON Lines: `{id, question, answer, accept, evidence: [{article, quote,
alt}], type}` (see the README), optionally with MultiHop-RAG's `answer_kind` (`yes/no`,
`entity`, `label`, `abstain`) and `mh_type`. Scoring is strict:

- yes/no: the first "yes" or "no" word of the answer must be the gold one ("no" as a
  substring is in "not", "know" and "another", so substrings would pass almost anything);
- label ("Consistent", "Before"): an accept string as a whole word ("consistent" is inside
  "inconsistent");
- entity and the project's own sets: an accept string anywhere in the lower-cased answer;
- null questions: the assistant must abstain (reported as null abstention).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AssistantError

_YES_NO = re.compile(r"\b(yes|no)\b", re.I)


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: the article (or any of `alt`) and the quote it holds."""

    article: str
    quote: str
    alt: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    accept: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    type: str
    """single, multi, temporal or null; MultiHop-RAG's own type when it has one."""
    kind: str = ""
    """How the answer is scored: yes/no, label, entity, abstain (empty: by accept strings)."""
    answer: str = ""

    @property
    def is_null(self) -> bool:
        return self.type == "null" or self.kind == "abstain" or not self.evidence


def load_questions(path: Path) -> list[Question]:
    """Every question of a JSON Lines file; an error naming the line when one is malformed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise AssistantError(f"cannot read {path}: {exc.strerror}") from None
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            questions.append(_question(json.loads(line), number))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AssistantError(f"{path}:{number}: not a question ({exc})") from None
    return questions


def _question(obj: dict[str, Any], number: int) -> Question:
    evidence = tuple(
        Evidence(str(e["article"]), str(e.get("quote", "")), tuple(map(str, e.get("alt", []))))
        for e in obj.get("evidence", [])
    )
    kind = str(obj.get("answer_kind", ""))
    mh_type = str(obj.get("mh_type", ""))
    return Question(
        id=str(obj.get("id", number)),
        question=str(obj["question"]),
        accept=tuple(str(a).lower() for a in obj.get("accept", [])),
        evidence=evidence,
        type=mh_type.removesuffix("_query") if mh_type else str(obj.get("type", "single")),
        kind=kind,
        answer=str(obj.get("answer", "")),
    )


def select(
    questions: Sequence[Question],
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
) -> list[Question]:
    """The first `limit` questions, or a random `sample` of them (the same for one `seed`)."""
    chosen = list(questions)
    if sample is not None and sample < len(chosen):
        chosen = random.Random(seed).sample(chosen, sample)
        order = {q.id: i for i, q in enumerate(questions)}
        chosen.sort(key=lambda q: order[q.id])
    if limit is not None:
        chosen = chosen[:limit]
    return chosen


def first_yes_no(text: str) -> str | None:
    """The first "yes" or "no" word of `text`, lower-cased (None when there is none)."""
    found = _YES_NO.search(text)
    return found.group(1).lower() if found else None


def is_correct(question: Question, text: str, abstained: bool) -> bool:
    """Whether `text` answers `question` (an abstention never does; see the module doc)."""
    if abstained or question.is_null:
        return False
    lowered = text.lower()
    if question.kind == "yes/no":
        return first_yes_no(text) in question.accept
    if question.kind == "label":
        return any(re.search(rf"\b{re.escape(a)}\b", lowered) for a in question.accept)
    return any(a in lowered for a in question.accept)
