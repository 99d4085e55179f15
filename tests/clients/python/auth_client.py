"""The official Python SDK against a server behind OAuth (JWT) auth.

Usage: python auth_client.py URL MODE ISSUER GOOD_TOKEN READER_TOKEN WRONG_AUDIENCE_TOKEN
where MODE is `legacy` or `auto`. GOOD_TOKEN grants `notes:write`; READER_TOKEN does not.
The server serves `whoami`, `write_note` (scope `notes:write`) and `stream_data_analysis`.
Exits non-zero on the first mismatch; prints one `ok:` line per check.
"""

import asyncio
import sys

import httpx2
import mcp
from mcp.client.auth.utils import (
    build_protected_resource_metadata_discovery_urls,
    extract_field_from_www_auth,
    extract_resource_metadata_from_www_auth,
    handle_protected_resource_response,
)
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

EXPECTED_VERSION = {"legacy": "2025-11-25", "auto": "2026-07-28"}


def connect(url: str, mode: str, token: str | None) -> mcp.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    http = create_mcp_http_client(headers=headers)
    return mcp.Client(streamable_http_client(url, http_client=http), mode=mode)


async def refused(url: str, mode: str, token: str | None) -> str:
    try:
        async with connect(url, mode, token) as client:
            await client.list_tools()
    except BaseException as e:  # the SDK wraps transport failures in exception groups
        return repr(e)
    raise AssertionError(f"connecting with token {token!r} succeeded")


async def main(url: str, mode: str, issuer: str, good: str, reader: str, wrong_audience: str) -> None:
    async with connect(url, mode, good) as client:
        assert client.protocol_version == EXPECTED_VERSION[mode], client.protocol_version
        who = await client.call_tool("whoami", {})
        assert who.content[0].text == "alice [notes:write]", who
        wrote = await client.call_tool("write_note", {"text": "hi"})
        assert not wrote.is_error and wrote.content[0].text == "wrote hi", wrote
        frames: list[float] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            frames.append(progress)

        analysis = await client.call_tool(
            "stream_data_analysis", {"dataset": "d", "chunk_size": 500}, progress_callback=on_progress
        )
        assert not analysis.is_error and frames == [500, 1000], (analysis, frames)
    print(f"ok: {mode}: the right token works, the tool sees its identity, progress streams")

    async with connect(url, mode, reader) as client:
        try:
            await client.call_tool("write_note", {"text": "no"})
        except mcp.MCPError as e:
            assert "notes:write" in str(e), e
        else:
            raise AssertionError("write_note without notes:write succeeded")
        who = await client.call_tool("whoami", {})
        assert who.content[0].text == "alice [notes:read]", who
    print(f"ok: {mode}: a token without the tool's scope is refused (403) naming the scope")

    why = await refused(url, mode, None)
    print(f"ok: {mode}: no token refused: {why[:120]}")
    why = await refused(url, mode, wrong_audience)
    print(f"ok: {mode}: wrong audience refused: {why[:120]}")

    # What the SDK's OAuth discovery reads (mcp.client.auth): the challenge, then our metadata.
    async with httpx2.AsyncClient() as http:
        body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "py", "version": "0"}}}
        headers = {"Accept": "application/json, text/event-stream"}
        response = await http.post(url, json=body, headers=headers)
        assert response.status_code == 401, response.status_code
        metadata_url = extract_resource_metadata_from_www_auth(response)
        assert metadata_url, response.headers
        bad = await http.post(url, json=body, headers={**headers, "Authorization": f"Bearer {wrong_audience}"})
        assert bad.status_code == 401 and extract_field_from_www_auth(bad, "error") == "invalid_token", bad.headers
        for candidate in build_protected_resource_metadata_discovery_urls(metadata_url, url):
            metadata = await handle_protected_resource_response(await http.get(candidate))
            assert metadata is not None, candidate
            assert str(metadata.resource).rstrip("/") == url, metadata
            assert [str(s).rstrip("/") for s in metadata.authorization_servers] == [issuer], metadata
            assert metadata.scopes_supported == ["notes:write"], metadata
    print(f"ok: {mode}: mcp.client.auth discovery reads our metadata via {metadata_url}")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
