"""The `assistant mcp` command: serve the assistant to an MCP client over stdio.

`app.py` registers it; the server is `assistant.mcp`, imported only when the command runs.
Stdout carries the protocol, so nothing else is printed there.
"""

from __future__ import annotations

import click

from .common import make_assistant, provider_option_saying


@click.command(name="mcp")
@provider_option_saying("Who answers `ask` and writes `brief` summaries.")
@click.pass_context
def mcp_command(ctx: click.Context, provider: str | None) -> None:
    """Serve search, ask, articles and brief as MCP tools over stdio (for an MCP client
    such as Claude Desktop; see the README)."""
    from ..mcp import serve

    serve(make_assistant(ctx, llm__provider=provider))
