"""Printing a streamed answer and its sources in a plain terminal (for `ask` and `chat`).

Text streams to stdout as it arrives; the sources follow, each with its quoted passage and
whether the check found it supports the claim. Article text is printed as text, never as
markup, and stripped of control characters.
"""

from __future__ import annotations

import sys

from ..api import AnswerStream, Assistant
from ..errors import LLMError
from ..text import clean, strip_citations


def print_answer(stream: AnswerStream, assistant: Assistant) -> None:
    """Stream `stream`'s text to stdout, then its sources with their quotes."""
    from rich.console import Console
    from rich.text import Text

    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    label = assistant.provider
    err.print(Text(f"({label} is answering…)", style="dim"))
    shown = ""
    try:
        for chunk in stream:
            shown += chunk
            sys.stdout.write(clean(chunk))
            sys.stdout.flush()
    except KeyboardInterrupt:
        stream.cancel()
    except LLMError:
        sys.stdout.write("\n")
        raise
    answer = stream.answer()
    sys.stdout.write("\n")
    if " ".join(strip_citations(shown).split()) != " ".join(strip_citations(answer.text).split()):
        # the check changed the answer (e.g. nothing in it was backed by the articles)
        out.print(Text("After checking the sources: ", style="bold yellow"), end="")
        out.print(Text(clean(answer.text)))
    if answer.partial:
        err.print(Text(f"(partial answer: {answer.error})", style="yellow"))
    if answer.citations:
        out.print(Text("\nSources", style="bold"))
    for c in answer.citations:
        line = Text(f"[{c.n}] ", style="bold cyan")
        line.append(clean(c.title or c.article_id), style="bold")
        meta = " · ".join(x for x in (c.source, c.published, c.article_id) if x)
        line.append(f"  {clean(meta)}", style="dim")
        if not c.supported:
            line.append("  weak support", style="yellow")
        elif c.attached:
            line.append("  attached (no marker)", style="dim")
        out.print(line)
        out.print(Text(f"    “{clean(c.quote)}”", style="italic"))
    total = answer.timings.get("total", 0) / 1000
    err.print(Text(f"{answer.provider} · {answer.model} · {total:.1f} s", style="dim"))
