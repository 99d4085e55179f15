"""Lists and reads skills with FastMCP's client (`fastmcp` on PyPI, see
`tests/clients/requirements.txt`), which has its own skills API.

Usage: python fastmcp_skills_client.py URL MODE, where MODE is `legacy` (initialize
handshake, 2025-11-25) or `auto` (`server/discover`, 2026-07-28). The server must serve the
`everything` fixture's skills (`pdf-processing`, `acme/billing/refunds`).

- `auto`: the extension's methods. `list_skills()` (`skills/list`), then `read_skill()`,
  which takes the manifest from `skills/get`, reads every file with `resources/read`,
  checks each against its size and digest, and parses the `SKILL.md`.
- `legacy`: FastMCP sends the extension's methods on 2026-07-28 connections only (it
  refuses them on a handshake-era one, before sending anything). What it does there is
  `list_skill_resources()`: the `skill://…/SKILL.md` entries of `resources/list`, each read
  with `resources/read` and compared with the entry the extension gives on a 2026 connection.

Exits non-zero on the first mismatch.
"""

import asyncio
import sys

from fastmcp import Client
from fastmcp.skills import SkillsClientExtension

EXTENSION = "io.modelcontextprotocol/skills"
EXPECTED_VERSION = {"legacy": "2025-11-25", "auto": "2026-07-28"}
EXPECTED = {
    "skill://pdf-processing/SKILL.md": "pdf-processing",
    "skill://acme/billing/refunds/SKILL.md": "refunds",
}


def client(url: str, mode: str) -> Client:
    return Client(url, mode=mode, extensions=[SkillsClientExtension()])


async def modern(url: str) -> str:
    async with client(url, "auto") as c:
        assert c.protocol_version == EXPECTED_VERSION["auto"], c.protocol_version
        extensions = c.server_capabilities.extensions or {}
        assert EXTENSION in extensions, extensions

        skills = await c.list_skills()
        uris = [s.uri for s in skills]
        for uri in EXPECTED:
            assert uri in uris, uris
        files = 0
        for entry in skills:
            got = await c.get_skill(entry.uri)
            assert got == entry, (got, entry)
            # Verifies every file against the manifest, and the front matter against the entry.
            skill = await c.read_skill(entry.uri)
            assert skill.name == EXPECTED.get(entry.uri, skill.name), (entry.uri, skill.name)
            assert "SKILL.md" in skill.files, list(skill.files)
            assert isinstance(entry.resources, list)
            assert set(skill.files) == {
                r.uri.removeprefix(entry.uri.removesuffix("SKILL.md")) for r in entry.resources
            }, (list(skill.files), entry.resources)
            files += len(skill.files)
        return f"{len(skills)} skills, {files} files verified"


async def legacy(url: str) -> str:
    async with client(url, "legacy") as c:
        assert c.protocol_version == EXPECTED_VERSION["legacy"], c.protocol_version
        try:
            await c.list_skills()
            raise AssertionError("FastMCP sent skills/list on a handshake-era connection")
        except RuntimeError as refused:
            assert "modern" in str(refused), refused

        listed = await c.list_skill_resources()
        uris = [str(r.uri) for r in listed]
        for uri in EXPECTED:
            assert uri in uris, uris
        texts = {}
        for uri in uris:
            (contents,) = await c.read_resource(uri)
            texts[uri] = contents.text
            assert f"name: {EXPECTED.get(uri, '')}" in contents.text or uri not in EXPECTED, (
                uri,
                contents.text,
            )
    # The same bytes the extension's manifest promises on a 2026 connection.
    async with client(url, "auto") as c:
        for uri, text in texts.items():
            skill = await c.read_skill(uri)
            assert skill.files["SKILL.md"] == text.encode(), uri
    return f"{len(uris)} skills listed as resources, {len(texts)} files verified"


async def main(url: str, mode: str) -> None:
    summary = await (modern(url) if mode == "auto" else legacy(url))
    print(f"ok: {mode} {EXPECTED_VERSION[mode]}: {summary}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
