"""`assistant mcp` under the MCP SDK's own client: the real server process is spawned over
stdio (`stdio_client`), initialised and asked for its tools, then `search`, `ask`,
`articles` and `brief` are called as any MCP client would."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
from conftest import CONFIG, REPO_ROOT, SCRUBBED


def _params(data_dir: Path) -> Any:
    from mcp.client.stdio import StdioServerParameters

    env = {k: v for k, v in os.environ.items() if not (k.startswith("ASSISTANT_") or k in SCRUBBED)}
    env.update(ASSISTANT_CONFIG=str(CONFIG), ASSISTANT_DATA_DIR=str(data_dir))
    return StdioServerParameters(
        command=str(Path(sys.executable).parent / "assistant"),
        args=["mcp", "--provider", "extractive"],
        env=env,
        cwd=str(REPO_ROOT),
    )


def _data(result: Any) -> dict[str, Any]:
    assert not result.is_error, result
    if result.structured_content is not None:
        return dict(result.structured_content)
    return dict(json.loads(result.content[0].text))


async def _session(data_dir: Path) -> dict[str, Any]:
    from mcp.client.session import ClientSession
    from mcp.client.stdio import stdio_client

    out: dict[str, Any] = {}
    async with (
        stdio_client(_params(data_dir)) as (read, write),
        ClientSession(read, write) as session,
    ):
        init = await session.initialize()
        out["server"] = init.server_info.name
        out["tools"] = sorted(t.name for t in (await session.list_tools()).tools)
        out["search"] = _data(
            await session.call_tool("search", {"query": "rate raised to 4.5%", "k": 3})
        )
        out["ask"] = _data(
            await session.call_tool("ask", {"question": "What did the Reserve Bank do?"})
        )
        out["articles"] = _data(await session.call_tool("articles", {"contains": "eastport"}))
        out["brief"] = _data(await session.call_tool("brief", {"since": "2d"}))
        out["bad"] = await session.call_tool("brief", {"since": "whenever"})
    return out


def test_mcp_server_answers_the_sdk_client_over_stdio(wire_store: Path) -> None:
    out = anyio.run(_session, wire_store)
    assert out["server"] == "news-assistant"
    assert out["tools"] == ["articles", "ask", "brief", "search"]

    hits = out["search"]["hits"]
    assert len(hits) == 3 and all(h["text"] and h["article_id"] for h in hits)
    top = next(h for h in hits if "to 4.5%" in h["text"])
    assert top["also_reported_by"], "the rate rise is carried by three outlets"
    assert top["source"] not in top["also_reported_by"]

    ask = out["ask"]
    assert not ask["abstained"] and ask["citations"]
    assert all(c["quote"] and c["article_id"] for c in ask["citations"])
    assert any("rates" in c["article_id"] for c in ask["citations"]), ask

    titles = [a["title"] for a in out["articles"]["articles"]]
    assert out["articles"]["total"] == 2 and all("Eastport" in t for t in titles)

    stories = out["brief"]["stories"]
    assert stories and all(s["citations"] and s["summary"] for s in stories)
    assert len(stories[0]["sources"]) == 3

    bad = out["bad"]
    assert bad.is_error and "24h, 2d or 90m" in bad.content[0].text
