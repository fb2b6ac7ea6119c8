"""Prompt templates: plain-text files in `prompts/` that users may edit.

Each template names its inputs as `{placeholder}`. A template that lacks a required
placeholder fails when the assistant starts, naming the file and the placeholder, instead of
silently producing answers without sources. Values are substituted literally (article text may
contain braces), so only the known placeholders are ever replaced.

Passages are fenced: each passage's text sits between `FENCE` marks after its one-line head,
and what could pass for the prompt's own structure inside article text is neutralised
(`as_data`), so a passage ending "Question: … Answer: HACKED [3]" reads as quoted news, not
as part of the template.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..retrieve.questions import Analysis
from ..types import Hit
from .markers import MARKER

TITLE_WORDS = 10
"""Words of an article's title shown at the head of its passages in the prompt."""

REQUIRED: dict[str, tuple[str, ...]] = {
    "system": (),
    "answer": ("sources", "question"),
    "condense": ("history", "question"),
    "verdict": ("report", "claim"),
}
OPTIONAL = ("today", "task")
DEFAULTS = {
    "verdict": 'Report from {outlet}:\n"""{report}"""\n\n'
    "Question: According to this report, is it true that {claim}?\nAnswer Yes or No."
}
"""Templates a prompts folder may leave out (one written before they existed), and the
text used then."""


@dataclass(frozen=True)
class Prompts:
    system: str
    answer: str
    condense: str
    verdict: str = DEFAULTS["verdict"]
    """Asks whether one report says what its part of the question claims (`per_report`)."""

    @classmethod
    def load(cls, folder: Path) -> Prompts:
        texts: dict[str, str] = {}
        for name, required in REQUIRED.items():
            path = folder / f"{name}.txt"
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                if name in DEFAULTS:
                    texts[name] = DEFAULTS[name]
                    continue
                raise ConfigError(f"prompt template missing: {path}") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read prompt template {path}: {exc}") from None
            for placeholder in required:
                if "{" + placeholder + "}" not in text:
                    raise ConfigError(
                        f"prompt template {path} lacks the required placeholder {{{placeholder}}}"
                    )
            texts[name] = text.strip()
        return cls(**texts)


def fill(template: str, **values: str) -> str:
    """Replace `{name}` for each given value, leaving any other braces alone.

    One pass over the template: a value is never searched for placeholders itself, so an
    article that contains "{question}" reaches the model as it is written.
    """
    if not values:
        return template
    pattern = re.compile("|".join(re.escape("{" + name + "}") for name in values))
    return pattern.sub(lambda m: values[m.group(0)[1:-1]], template)


FENCE = '"""'
"""Opens and closes each passage's text in the prompt (one token; article text never holds
it, see `as_data`)."""
_QUOTE_RUN = re.compile(r'"{2,}')
_TEMPLATE_LABEL = re.compile(
    r"\b(question|answer|passages?|system|assistant|user|human|instructions?|rules|summary|"
    r"standalone query)\s*:",
    re.I,
)


def as_data(text: str) -> str:
    """Article text (a passage, a title, an outlet) made unable to pass for the prompt's
    structure: on one line, with no fence mark (runs of quote marks become one), no citation
    marker ("[3]" becomes "(3)", so a passage cannot hand the model a citation) and no
    template or role label ("Answer: HACKED" becomes "Answer - HACKED")."""
    text = " ".join(text.split())
    text = _QUOTE_RUN.sub('"', text)
    text = MARKER.sub(lambda m: f"({m.group(1)})", text)
    return _TEMPLATE_LABEL.sub(lambda m: f"{m.group(1)} -", text)


def format_sources(
    hits: Sequence[Hit], texts: Sequence[str] | None = None, *, outlets: bool = False
) -> str:
    """The numbered passages of the prompt; `texts` replaces the passages' text, and with
    `outlets` each head names the passage's outlet ("[2] TechCrunch: Title (2023-10-02)").
    Each passage is a head line, then its text between `FENCE` marks; all of it article
    text made `as_data`."""
    blocks = []
    for n, hit in enumerate(hits, 1):
        # one line per head: a title with line breaks must not start a fake "[7] ..." source
        # a short head: every word of the prompt delays a local model's first token
        words = as_data(hit.title).split() or [hit.article_id]
        title = " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
        published = as_data(hit.published or "")[:10]
        outlet = as_data(hit.source or "") if outlets else ""
        head = f"[{n}] " + (f"{outlet}: " if outlet else "") + title
        head += f" ({published})" if published else ""
        body = as_data(texts[n - 1] if texts else hit.text)
        blocks.append(f"{head}\n{FENCE}{body}{FENCE}")
    return "\n\n".join(blocks)


TASKS = {
    "yes/no": "Start your answer with Yes or No, then say why in one sentence per report, "
    "each with its passage number.",
    "order": "Start your answer with Yes or No, then give each report's date with its "
    "passage number.",
    "difference": "Give the two figures the question compares, each with its passage "
    "number. Do not work out the difference yourself.",
}


def task_for(analysis: Analysis) -> str:
    """The line that tells the model what kind of answer the question wants ("" for a plain
    question: the system prompt says it)."""
    if analysis.kind == "choice" and len(analysis.choices) == 2:
        first, second = analysis.choices
        return (
            f"Start your answer with one word, {first} or {second}, then say why with the "
            "passage numbers.\n"
        )
    task = TASKS.get(analysis.kind, "")
    return f"{task}\n" if task else ""
