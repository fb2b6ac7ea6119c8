"""Prompt templates: plain-text files in `prompts/` that users may edit.

Each template names its inputs as `{placeholder}`. A template that lacks a required
placeholder fails when the assistant starts, naming the file and the placeholder, instead of
silently producing answers without sources. Values are substituted literally (article text may
contain braces), so only the known placeholders are ever replaced.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..retrieve.questions import Analysis
from ..types import Hit

TITLE_WORDS = 10
"""Words of an article's title shown at the head of its passages in the prompt."""

REQUIRED: dict[str, tuple[str, ...]] = {
    "system": (),
    "answer": ("sources", "question"),
    "condense": ("history", "question"),
}
OPTIONAL = ("today", "task")


@dataclass(frozen=True)
class Prompts:
    system: str
    answer: str
    condense: str

    @classmethod
    def load(cls, folder: Path) -> Prompts:
        texts: dict[str, str] = {}
        for name, required in REQUIRED.items():
            path = folder / f"{name}.txt"
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
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


def format_sources(
    hits: Sequence[Hit], texts: Sequence[str] | None = None, *, outlets: bool = False
) -> str:
    """The numbered passages of the prompt; `texts` replaces the passages' text, and with
    `outlets` each head names the passage's outlet ("[2] TechCrunch: Title (2023-10-02)")."""
    blocks = []
    for n, hit in enumerate(hits, 1):
        # one line per head: a title with line breaks must not start a fake "[7] ..." source
        # a short head: every word of the prompt delays a local model's first token
        words = hit.title.split() or [hit.article_id]
        title = " ".join(words[:TITLE_WORDS]) + ("…" if len(words) > TITLE_WORDS else "")
        published = " ".join((hit.published or "").split())[:10]
        outlet = " ".join((hit.source or "").split()) if outlets else ""
        head = f"[{n}] " + (f"{outlet}: " if outlet else "") + title
        head += f" ({published})" if published else ""
        body = " ".join((texts[n - 1] if texts else hit.text).split())
        blocks.append(f"{head}\n{body}")
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
