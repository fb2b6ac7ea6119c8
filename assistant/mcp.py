"""`assistant mcp`: the news assistant as a Model Context Protocol server over stdio.

An MCP client (Claude Desktop, an IDE, an agent) starts `assistant mcp` and calls four
tools over stdin/stdout with the `mcp` SDK's server: `search` (passages with scores, and
the other outlets that report each story), `ask` (a checked answer: its text with [n]
markers and every citation with its quote), `articles` (what is indexed) and `brief` (the
period's stories across outlets, each summary sentence cited). It is a front end like the
CLI: it goes only through `Assistant`, and answers with the same frozen values as JSON.
Nothing but the protocol may reach stdout, so errors are tool errors (one line each).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import AssistantError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from .api import Assistant

INSTRUCTIONS = (
    "Search and question the user's indexed news articles. Every answer and briefing "
    "sentence cites its articles with quotes; show the quotes when you rely on them."
)


def build_server(assistant: Assistant) -> MCPServer[Any]:
    """An MCP server whose tools call `assistant`."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server: MCPServer[Any] = MCPServer("news-assistant", instructions=INSTRUCTIONS)

    def guarded(call: Any) -> Any:
        try:
            return call()
        except AssistantError as exc:  # one line for the client, never a traceback
            raise ToolError(str(exc)) from None

    @server.tool()
    def search(
        query: str,
        k: int = 5,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> dict[str, Any]:
        """The k passages of the indexed news articles that best match `query`, best first
        (optionally one source, and published between `since` and `until`, YYYY-MM-DD)."""
        k = max(1, min(int(k), 50))
        hits = guarded(lambda: assistant.search(query, k, source=source, since=since, until=until))
        others = guarded(lambda: assistant.coverage([h.article_id for h in hits]))
        return {
            "hits": [
                {**h.to_dict(), "url": h.url, "also_reported_by": list(others[h.article_id])}
                for h in hits
            ]
        }

    @server.tool()
    def ask(
        question: str,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> dict[str, Any]:
        """Answer `question` from the indexed articles: the answer text with [n] markers and
        its citations (article, quote, whether the quote supports the claim). When the
        articles do not answer, `abstained` is true and nothing is cited."""
        answer = guarded(lambda: assistant.ask(question, source=source, since=since, until=until))
        data = answer.to_dict()
        return {k: data[k] for k in ("answer", "abstained", "citations", "provider", "partial")}

    @server.tool()
    def articles(contains: str | None = None, limit: int = 100) -> dict[str, Any]:
        """The indexed articles, newest first (id, title, source, published, url), those
        whose title, source or id contains `contains` when given."""
        needle = (contains or "").lower()
        found = [
            a
            for a in reversed(guarded(assistant.articles))
            if not needle or any(needle in (f or "").lower() for f in (a.title, a.source, a.id))
        ]
        keys = ("id", "title", "source", "published", "url")
        return {
            "total": len(found),
            "articles": [{k: getattr(a, k) for k in keys} for a in found[: max(1, limit)]],
        }

    @server.tool()
    def brief(since: str = "24h", source: str | None = None) -> dict[str, Any]:
        """What happened since `since` (24h, 2d, 90m or YYYY-MM-DD): stories across
        outlets, the ones most outlets carry first, each with a title, a 1-3 sentence
        summary whose sentences cite their articles, the outlets, the article ids and the
        citations with their quotes."""
        result: dict[str, Any] = guarded(lambda: assistant.brief(since, source=source)).to_dict()
        return result

    return server


def serve(assistant: Assistant) -> None:
    """Serve `assistant` over stdio until the client closes the connection."""
    build_server(assistant).run("stdio")
