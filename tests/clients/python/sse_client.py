"""The official Python SDK's legacy HTTP+SSE transport (`mcp.client.sse.sse_client`, protocol
2024-11-05) against our `{path}/sse` endpoint: list the tools, a call with progress, and an
elicitation answered from a callback.

Usage: python sse_client.py SSE_URL (e.g. http://127.0.0.1:PORT/mcp/sse). The server must
serve the conformance fixture's `test_tool_with_progress` and `test_elicitation`. Exits
non-zero on the first mismatch; prints one `ok:` line on success.
"""

import asyncio
import sys

import mcp
from mcp import types
from mcp.client.sse import sse_client


async def main(url: str) -> None:
    asked: list[str] = []

    async def on_elicit(context, params: types.ElicitRequestParams):
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"username": "ada", "email": "ada@example.com"})

    async with mcp.Client(sse_client(url), mode="legacy", elicitation_callback=on_elicit) as client:
        tools = await client.list_tools()
        names = {tool.name for tool in tools.tools}
        assert {"test_tool_with_progress", "test_elicitation"} <= names, names

        updates: list[tuple[float, float | None, str | None]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            updates.append((progress, total, message))

        result = await client.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
        assert not result.is_error, result
        assert result.content[0].text == "Progress test completed", result.content
        assert [u[0] for u in updates] == [0, 50, 100], updates
        assert updates[-1][2] == "Completed step 100 of 100", updates

        elicited = await client.call_tool("test_elicitation", {"message": "Who are you?"})
        assert not elicited.is_error, elicited
        assert "ada@example.com" in elicited.content[0].text, elicited.content

    assert asked == ["Who are you?"], asked
    print(f"ok: legacy sse, {len(names)} tools, {len(updates)} progress updates, elicitation answered")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
