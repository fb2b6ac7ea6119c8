"""Printing an answer and its sources in a terminal (for `ask` and `chat`).

What the user reads is the checked answer, once. On a terminal the draft streams in dim
(rich `Live`) and is replaced in place by the checked text when the check is done; piped,
only the checked answer is printed. Every `[n]` printed is listed under Sources with its
final number, each with its quoted passage and whether the check found it supports the claim.
A partial answer (the model stopped early) says so on a line of its own. The steps of a
question about several reports ("searching TechCrunch") show as they happen: above the
draft on a terminal, as lines on stderr when piped. Article text is
printed as text, never as markup, stripped of control characters, titles on one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..api import AnswerStream, Assistant, Step
from ..text import CITATION_MARK, clean, one_line, quoted
from ..types import Answer

if TYPE_CHECKING:
    from rich.console import Console


def print_answer(stream: AnswerStream, assistant: Assistant) -> Answer:
    """Show `stream`'s draft where it can be replaced (a terminal), then the checked
    answer and its sources; return the answer."""
    from rich.console import Console
    from rich.text import Text

    out = Console(highlight=False)
    out.soft_wrap = not out.is_terminal  # piped: a line per paragraph, not cut at 80 columns
    err = Console(stderr=True, highlight=False)
    server = assistant.model_server if assistant.provider == "local" else None
    served = f", served at {server.host}:{server.port}" if server else ""
    err.print(Text(f"({assistant.provider}{served} is answering…)", style="dim"))
    if out.is_terminal:
        answer = _stream_draft(stream, out)
    else:
        try:
            for event in stream.events():
                if isinstance(event, Step):
                    err.print(Text(f"({event.text}…)", style="dim"))
        except KeyboardInterrupt:
            stream.cancel()
        answer = stream.answer()
    print_checked(answer, out)
    total = answer.timings.get("total", 0) / 1000
    err.print(Text(f"{answer.provider} · {answer.model} · {total:.1f} s", style="dim"))
    return answer


def _stream_draft(stream: AnswerStream, out: Console) -> Answer:
    """The draft, dim, in a region rich redraws and clears when the answer is done."""
    from rich.live import Live
    from rich.text import Text

    draft, steps = "", ""
    with Live(Text(""), console=out, transient=True, refresh_per_second=10) as live:
        try:
            for event in stream.events():
                if isinstance(event, Step):
                    steps = f"{steps} · {event.text}" if steps else event.text
                else:
                    draft += event
                shown = Text(f"{steps}…\n" if steps else "", style="dim italic")
                shown.append(clean(draft), style="dim")
                live.update(shown)
        except KeyboardInterrupt:
            stream.cancel()
    return stream.answer()


def print_checked(answer: Answer, out: Console) -> None:
    """The checked answer: a partial-answer line when it is one, the text with only the
    markers that have a source, then the sources."""
    from rich.text import Text

    if answer.partial:
        out.print(
            Text(f"Partial answer: {one_line(answer.error or 'the model stopped early')}"),
            style="bold yellow",
        )
    numbers = {c.n for c in answer.citations}
    text = CITATION_MARK.sub(lambda m: m[0] if int(m[1]) in numbers else "", answer.text)
    out.print(Text(clean(text)))
    if answer.citations:
        out.print(Text("\nSources", style="bold"))
    for c in answer.citations:
        line = Text(f"[{c.n}] ", style="bold cyan")
        line.append(one_line(c.title or c.article_id), style="bold")
        meta = " · ".join(x for x in (c.source, c.published, c.article_id) if x)
        line.append(f"  {one_line(meta)}", style="dim")
        if not c.supported:
            line.append("  weak support", style="yellow")
        elif c.attached:
            line.append("  attached (no marker)", style="dim")
        out.print(line)
        out.print(Text(f"    {quoted(one_line(c.quote))}", style="italic"))
