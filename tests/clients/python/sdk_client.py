"""Drives a server with the official Python SDK (`mcp` on PyPI) and checks what it sees.

Usage: python sdk_client.py URL MODE, where MODE is `legacy` (initialize handshake) or
`auto` (the SDK's default: `server/discover`, so protocol 2026-07-28 against our server).
The server must serve the `progress` example's `stream_data_analysis`, the `notes`
example's tools, resources and prompt, and the `hello` example's `divide`. Exits non-zero
on the first mismatch.
"""

import asyncio
import sys

import mcp
from mcp_types import PromptReference, ResourceTemplateReference

EXPECTED_VERSION = {"legacy": "2025-11-25", "auto": "2026-07-28"}


async def main(url: str, mode: str) -> None:
    updates: asyncio.Queue = asyncio.Queue()

    async def on_message(message) -> None:
        # Server notifications outside any request: resource updates (handshake era).
        if getattr(message, "method", None) == "notifications/resources/updated":
            await updates.put(message)

    async with mcp.Client(url, mode=mode, message_handler=on_message) as client:
        assert client.protocol_version == EXPECTED_VERSION[mode], (
            f"negotiated {client.protocol_version}, expected {EXPECTED_VERSION[mode]}"
        )

        listed = await client.list_tools()
        names = {tool.name for tool in listed.tools}
        for wanted in ("stream_data_analysis", "add_note", "list_notes", "divide"):
            assert wanted in names, f"{wanted} not in tools/list: {sorted(names)}"
        analysis = next(t for t in listed.tools if t.name == "stream_data_analysis")
        assert analysis.input_schema["required"] == ["dataset"], analysis.input_schema
        assert analysis.input_schema["properties"]["chunk_size"]["default"] == 100

        # Generator-style progress: every frame arrives, in order, before the result.
        frames: list[tuple[float, float | None, str | None]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            frames.append((progress, total, message))

        result = await client.call_tool(
            "stream_data_analysis",
            {"dataset": "sales", "chunk_size": 250},
            progress_callback=on_progress,
        )
        assert not result.is_error, result
        assert result.content[0].text.startswith("Analysis of sales complete"), result.content
        assert [f[0] for f in frames] == [250, 500, 750, 1000], frames
        assert all(f[1] == 1000 for f in frames), frames
        assert frames[-1][2] == "Processed 1000/1000 items (100%)", frames

        # Structured output: the SDK validates structuredContent against outputSchema.
        added = await client.call_tool("add_note", {"title": "Plan", "body": "Ship it", "tags": ["work"]})
        assert not added.is_error, added
        assert added.structured_content["title"] == "Plan", added.structured_content
        listing = await client.call_tool("list_notes", {})
        assert listing.structured_content["total"] >= 1, listing.structured_content
        await client.session.validate_tool_result("list_notes", listing)

        # Errors the model can read: a tool error, and arguments that fail the schema.
        error = await client.call_tool("divide", {"numerator": 1, "denominator": 0})
        assert error.is_error and "divide by zero" in error.content[0].text, error
        invalid = await client.call_tool("divide", {"numerator": "one", "denominator": 2})
        assert invalid.is_error and "numerator" in invalid.content[0].text, invalid

        # Resources: a fixed one, a template, an unknown URI.
        resources = await client.list_resources()
        assert [r.uri for r in resources.resources] == ["notes://about"], resources
        about = await client.read_resource("notes://about")
        assert about.contents[0].text.startswith("Notes with a title"), about
        templates = await client.list_resource_templates()
        assert [t.uri_template for t in templates.resource_templates] == ["notes://{id}"], templates
        note_id = added.structured_content["id"]
        read = await client.read_resource(f"notes://{note_id}")
        assert read.contents[0].text == "# Plan\n\nShip it", read
        assert read.contents[0].mime_type == "text/markdown", read
        try:
            await client.read_resource("notes://999999")
            raise AssertionError("reading an unknown note succeeded")
        except mcp.MCPError as missing:
            assert missing.error.code == -32602, missing.error

        # Subscriptions: editing the note tells the subscriber, in either era's way.
        if mode == "auto":
            async with client.listen(resource_subscriptions=[f"notes://{note_id}"]) as sub:
                assert sub.honored.resource_subscriptions == [f"notes://{note_id}"], sub.honored
                edited = await client.call_tool("edit_note", {"id": note_id, "body": "Shipped"})
                assert not edited.is_error, edited
                event = await asyncio.wait_for(sub.__aiter__().__anext__(), 10)
                assert event.uri == f"notes://{note_id}", event
        else:
            await client.subscribe_resource(f"notes://{note_id}")
            edited = await client.call_tool("edit_note", {"id": note_id, "body": "Shipped"})
            assert not edited.is_error, edited
            update = await asyncio.wait_for(updates.get(), 10)
            assert str(update.params.uri) == f"notes://{note_id}", update
        reread = await client.read_resource(f"notes://{note_id}")
        assert reread.contents[0].text == "# Plan\n\nShipped", reread

        # Prompts, with arguments; completion of the id.
        prompts = await client.list_prompts()
        summarize = next(p for p in prompts.prompts if p.name == "summarize")
        assert [(a.name, bool(a.required)) for a in summarize.arguments] == [("id", True), ("style", False)]
        got = await client.get_prompt("summarize", {"id": str(note_id), "style": "in one line"})
        assert got.messages[0].content.type == "resource", got
        assert got.messages[1].content.text == "Summarize the note above in one line.", got
        completed = await client.complete(
            PromptReference(type="ref/prompt", name="summarize"), {"name": "id", "value": ""}
        )
        assert str(note_id) in completed.completion.values, completed
        by_template = await client.complete(
            ResourceTemplateReference(type="ref/resource", uri="notes://{id}"),
            {"name": "id", "value": str(note_id)},
        )
        assert by_template.completion.values == [str(note_id)], by_template

    print(f"ok: {mode} mode, protocol {EXPECTED_VERSION[mode]}, {len(frames)} progress frames")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
