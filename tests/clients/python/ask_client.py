"""The official Python SDK (`mcp` on PyPI) answers a server's questions from its callbacks.

Usage: python ask_client.py URL|BINARY MODE (a BINARY is launched with `--stdio`), where
MODE is `legacy` (initialize handshake: the
server sends `elicitation/create` and `sampling/createMessage` requests on the call's
stream) or `auto` (2026-07-28: the server answers with `InputRequiredResult` and the SDK
retries with the answers). The server must serve the conformance fixture's
`test_elicitation`, `test_sampling`, `test_input_required_result_multiple_inputs` and
`test_input_required_result_multi_round`. Exits non-zero on the first mismatch.
"""

import asyncio
import os
import sys

import mcp
from mcp import types

EXPECTED_VERSION = {"legacy": "2025-11-25", "auto": "2026-07-28"}


async def main(url: str, mode: str) -> None:
    asked: list[str] = []

    async def on_elicit(context, params: types.ElicitRequestParams):
        asked.append(f"elicit:{params.message}")
        schema = params.requested_schema
        if "username" in schema["properties"]:
            return types.ElicitResult(action="accept", content={"username": "ada", "email": "ada@example.com"})
        if "color" in schema["properties"]:
            return types.ElicitResult(action="accept", content={"color": "teal"})
        return types.ElicitResult(action="accept", content={"name": "Ada"})

    async def on_sample(context, params: types.CreateMessageRequestParams):
        prompt = params.messages[0].content.text
        asked.append(f"sample:{prompt}")
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text=f"echo of {prompt}"),
            model="test-model",
            stop_reason="endTurn",
        )

    async def on_roots(context):
        asked.append("roots")
        return types.ListRootsResult(roots=[types.Root(uri="file:///work", name="work")])

    target = mcp.StdioServerParameters(command=url, args=["--stdio"]) if os.path.isfile(url) else url
    async with mcp.Client(
        target,
        mode=mode,
        elicitation_callback=on_elicit,
        sampling_callback=on_sample,
        list_roots_callback=on_roots,
    ) as client:
        assert client.protocol_version == EXPECTED_VERSION[mode], client.protocol_version

        elicited = await client.call_tool("test_elicitation", {"message": "Who are you?"})
        assert not elicited.is_error, elicited
        text = elicited.content[0].text
        assert "action=accept" in text and "ada@example.com" in text, text

        sampled = await client.call_tool("test_sampling", {"prompt": "Say hi"})
        assert not sampled.is_error, sampled
        assert sampled.content[0].text == "LLM response: echo of Say hi", sampled.content

        together = await client.call_tool("test_input_required_result_multiple_inputs", {})
        assert not together.is_error, together
        assert together.content[0].text == "echo of Generate a greeting Ada (1 roots)", together.content

        rounds = await client.call_tool("test_input_required_result_multi_round", {})
        assert not rounds.is_error, rounds
        assert rounds.content[0].text == "Ada likes teal", rounds.content

    assert "elicit:Who are you?" in asked and "sample:Say hi" in asked, asked
    print(f"ok: {mode} mode answered {len(asked)} questions: {asked}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
