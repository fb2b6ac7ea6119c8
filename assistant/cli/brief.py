"""The `assistant brief` command: what happened in a period, as cited stories across outlets.

`app.py` registers it. The briefing is `Assistant.brief`; this module prints it (or its JSON,
`{"stories": [...]}`), article text as text, never as markup.
"""

from __future__ import annotations

import click

from .common import echo_json, err_console, make_assistant, provider_option_saying


@click.command()
@click.option(
    "--since", default="24h", show_default=True, help="A period (24h, 2d, 90m) or a date."
)
@click.option("--source", default=None, help="Only articles from this source.")
@click.option("--json", "as_json", is_flag=True, help="Print the stories as JSON.")
@provider_option_saying("Who writes the summaries (extractive quotes the articles).")
@click.pass_context
def brief(
    ctx: click.Context, since: str, source: str | None, as_json: bool, provider: str | None
) -> None:
    """The stories of the articles published since SINCE, the ones most outlets carry
    first; every summary sentence cites the articles it comes from."""
    from rich.console import Console
    from rich.text import Text

    from ..text import one_line

    bot = make_assistant(ctx, llm__provider=provider)
    briefing = bot.brief(since, source=source)
    if as_json:
        echo_json(briefing.to_dict())
        return
    out = Console(highlight=False)
    if not briefing.stories:
        out.print(f"No articles published since {briefing.since}.")
        return
    for number, story in enumerate(briefing.stories, 1):
        head = Text(f"{number}. ", style="bold")
        head.append(one_line(story.title), style="bold")
        out.print(head)
        count = len(story.articles)
        outlets = Text("   " + one_line(" · ".join(story.sources)), style="cyan")
        outlets.append(f"  ({count} article{'s' if count > 1 else ''})", style="dim")
        out.print(outlets)
        out.print(Text("   " + one_line(story.summary)))
        for c in story.citations:
            line = Text(f"     [{c.n}] ", style="bold cyan")
            line.append(one_line(f"{c.source or ''} · {c.article_id}"), style="dim")
            line.append(f"  “{one_line(c.quote)}”", style="italic")
            out.print(line)
        out.print()
    err_console().print(
        f"{len(briefing.stories)} stories from {briefing.articles} articles since "
        f"{briefing.since} · {briefing.provider} · {briefing.seconds:.1f} s",
        style="dim",
    )
