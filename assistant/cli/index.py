"""The `assistant index` commands: check the index for damage, and rebuild what is derived.

The vector store (Chroma) is the source of truth; the keyword index is derived from it.
`check` compares the two passage by passage and exits 1 when damage remains; `rebuild`
builds the keyword index afresh from Chroma (and accepts what an emptied store lost).
`app.py` registers the group.
"""

from __future__ import annotations

import click

from ..errors import AssistantError
from ..types import IndexCheck
from .common import echo_json, err_console, make_assistant


@click.group()
def index() -> None:
    """Check the index for damage, or rebuild the keyword index from the vector store."""


@index.command()
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_context
def check(ctx: click.Context, as_json: bool) -> None:
    """Compare the keyword index with the vector store; exit 1 when damage remains."""
    show(make_assistant(ctx).check_index(), as_json)


@index.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def rebuild(ctx: click.Context, as_json: bool) -> None:
    """Rebuild the keyword index from every passage in the vector store."""
    show(make_assistant(ctx).rebuild_index(), as_json)


def show(found: IndexCheck, as_json: bool) -> None:
    """The findings (JSON or a few lines on stderr); an error when damage remains."""
    if as_json:
        echo_json(found.to_dict())
    elif found.ok or found.chunks or found.keyword_chunks:
        out = err_console()
        out.print(
            f"{found.articles} articles, {found.chunks} passages in the vector store "
            f"(generation {found.generation}); {found.keyword_chunks} passages in the keyword "
            f"index (generation {found.keyword_generation})",
            soft_wrap=True,
            markup=False,
        )
        for line in found.repaired:
            out.print(f"repaired: {line}", soft_wrap=True, markup=False)
    if not found.ok:
        more = f" (and {len(found.problems) - 1} more)" if len(found.problems) > 1 else ""
        raise AssistantError(found.problems[0] + more)
