"""Drives three replicas behind nginx round-robin (tests/tests/replicas.rs) with the official
Python SDK's legacy HTTP+SSE transport (`mcp.client.sse.sse_client`): the stream is held by
one replica, each POST may land on any other, and the replies still come back on the stream.

Usage: python replicas_sse_client.py SSE_URL. Exits non-zero on the first mismatch.
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
        # Round-robin: these land on every replica.
        for _ in range(4):
            listed = await client.list_tools()
            names = {tool.name for tool in listed.tools}
            assert "slow_count" in names, sorted(names)

        for round_ in range(3):
            frames: list[float] = []

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                frames.append(progress)

            result = await client.call_tool(
                "slow_count", {"steps": 4, "delay_ms": 40}, progress_callback=on_progress
            )
            assert not result.is_error, result
            assert result.content[0].text == "counted to 4", result.content
            assert frames == [1, 2, 3, 4], (round_, frames)

        # The answer to the server's question is a POST that may reach another replica.
        elicited = await client.call_tool("test_elicitation", {"message": "Who are you?"})
        assert not elicited.is_error, elicited
        assert "ada@example.com" in elicited.content[0].text, elicited.content

    assert asked == ["Who are you?"], asked
    print("ok: legacy sse through nginx")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
