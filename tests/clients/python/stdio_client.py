"""Launches a server binary with `--stdio` through the official Python SDK and checks it.

Usage: python stdio_client.py BINARY MODE (MODE: `legacy` or `auto`, as in sdk_client.py).
The binary must serve the `progress` example's tools.
"""

import asyncio
import sys

import mcp

EXPECTED_VERSION = {"legacy": "2025-11-25", "auto": "2026-07-28"}


async def main(binary: str, mode: str) -> None:
    server = mcp.StdioServerParameters(command=binary, args=["--stdio"])
    async with mcp.Client(server, mode=mode) as client:
        assert client.protocol_version == EXPECTED_VERSION[mode], client.protocol_version
        names = sorted(tool.name for tool in (await client.list_tools()).tools)
        assert names == ["real_time_monitoring", "stream_data_analysis"], names

        frames: list[float] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            frames.append(progress)

        result = await client.call_tool(
            "stream_data_analysis", {"dataset": "logs", "chunk_size": 500}, progress_callback=on_progress
        )
        assert not result.is_error, result
        assert result.content[0].text.startswith("Analysis of logs complete"), result.content
        assert frames == [500, 1000], frames

        invalid = await client.call_tool("stream_data_analysis", {})
        assert invalid.is_error and "dataset" in invalid.content[0].text, invalid
    print(f"ok: stdio, {mode} mode, protocol {EXPECTED_VERSION[mode]}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
