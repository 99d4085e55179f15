"""Lists and reads skills (extension `io.modelcontextprotocol/skills`) with the official
Python SDK (`mcp` on PyPI) and verifies every file against its entry.

Usage: python skills_client.py URL MODE, where MODE is `legacy` (initialize handshake) or
`auto` (`server/discover`, 2026-07-28). The server must serve the `everything` fixture's
skills (`pdf-processing`, `acme/billing/refunds`). mcp 2.3.0 has no skills API, so the
extension's methods go through the SDK's own session (`ClientSession.send_request`) as
generic requests; `resources/read` is the SDK's typed call. Exits non-zero on the first
mismatch.
"""

import asyncio
import base64
import hashlib
import sys
from typing import Any

import mcp
import mcp_types
from pydantic import TypeAdapter

EXTENSION = "io.modelcontextprotocol/skills"
EXPECTED_VERSION = {"legacy": "2025-11-25", "auto": "2026-07-28"}
RAW = TypeAdapter(dict[str, Any])


async def request(client: mcp.Client, method: str, params: dict[str, Any]) -> dict[str, Any]:
    message = mcp_types.Request[dict[str, Any], str](method=method, params=params)
    return await client.session.send_request(message, RAW)


async def main(url: str, mode: str) -> None:
    async with mcp.Client(url, mode=mode) as client:
        assert client.protocol_version == EXPECTED_VERSION[mode], client.protocol_version
        extensions = client.server_capabilities.extensions or {}
        assert extensions.get(EXTENSION) == {"directoryRead": True}, extensions
        assert client.server_capabilities.resources is not None

        listed = await request(client, "skills/list", {})
        skills = listed["skills"]
        uris = [s["uri"] for s in skills]
        assert "skill://pdf-processing/SKILL.md" in uris, uris
        assert "skill://acme/billing/refunds/SKILL.md" in uris, uris
        if mode == "auto":
            assert listed["ttlMs"] >= 0 and listed["cacheScope"] == "public", listed

        files_read = 0
        for skill in skills:
            got = await request(client, "skills/get", {"uri": skill["uri"]})
            assert got["skill"] == skill, (got, skill)
            name = skill["uri"].removesuffix("/SKILL.md").rsplit("/", 1)[-1]
            assert skill["frontmatter"]["name"] == name, skill
            for entry in skill["resources"]:
                read = await client.read_resource(entry["uri"])
                contents = read.contents[0]
                text = getattr(contents, "text", None)
                data = text.encode() if text is not None else base64.b64decode(contents.blob)
                assert len(data) == entry["size"], (entry, len(data))
                digest = "sha256:" + hashlib.sha256(data).hexdigest()
                assert digest == entry["digest"], (entry, digest)
                files_read += 1

        directory = await request(client, "resources/directory/read", {"uri": "skill://pdf-processing"})
        children = {c["uri"]: c.get("mimeType") for c in directory["resources"]}
        assert children.get("skill://pdf-processing/references") == "inode/directory", children
        assert children.get("skill://pdf-processing/SKILL.md") == "text/markdown", children

        try:
            await request(client, "skills/get", {"uri": "skill://no-such-skill/SKILL.md"})
            raise AssertionError("an unknown skill was served")
        except mcp.MCPError as error:
            assert error.error.code == -32602, error

        print(f"ok: {mode} {client.protocol_version}: {len(skills)} skills, {files_read} files verified")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
