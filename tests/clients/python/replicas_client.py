"""Drives three replicas behind nginx round-robin (tests/tests/replicas.rs) with the official
Python SDK: every request may land on any replica.

Usage: python replicas_client.py URL MODE, MODE `legacy` (a session, 2025-11-25) or `auto`
(2026-07-28, no session). Exits non-zero on the first mismatch.
"""

import asyncio
import sys

import mcp

EXPECTED_VERSION = {"legacy": "2025-11-25", "auto": "2026-07-28"}


async def main(url: str, mode: str) -> None:
    async with mcp.Client(url, mode=mode) as client:
        assert client.protocol_version == EXPECTED_VERSION[mode], client.protocol_version

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

        simple = await client.call_tool("test_simple_text", {})
        assert not simple.is_error, simple

    print(f"ok: {mode} mode through nginx, protocol {EXPECTED_VERSION[mode]}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
