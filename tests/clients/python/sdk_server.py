"""A server written with the official Python SDK (`mcp` on PyPI, `MCPServer`), for the
Rust client's tests (tests/tests/client_python_server.rs).

Usage: python sdk_server.py PORT serves Streamable HTTP on 127.0.0.1:PORT/mcp;
python sdk_server.py stdio serves on stdin and stdout. Both eras (the SDK answers
`server/discover` and `initialize`). Tools are listed two per page. It offers a tool
with progress and logs, a tool that asks the user to confirm (an elicitation: a request
mid-call up to 2025-11-25, an `InputRequiredResult` round in 2026-07-28), one that asks
the client's model (sampling), one that asks for its roots (the same two ways), a structured
tool, a resource, a resource template, and a prompt with a completable argument.
"""

import asyncio
import sys
from typing import Annotated

from pydantic import BaseModel

from mcp_types import CreateMessageResult, ListRootsResult, ListToolsResult, SamplingMessage, TextContent

from mcp.server.mcpserver import Context, Elicit, ListRoots, MCPServer, Resolve, Sample


class PagedServer(MCPServer):
    """Lists tools two at a time, so clients must follow `nextCursor`."""

    PAGE = 2

    async def _handle_list_tools(self, ctx, params):
        tools = sorted(await self.list_tools(), key=lambda t: t.name)
        start = int(params.cursor) if params is not None and params.cursor else 0
        end = start + self.PAGE
        return ListToolsResult(
            tools=tools[start:end],
            next_cursor=str(end) if end < len(tools) else None,
        )


server = PagedServer(
    "python-sdk-fixture",
    version="1.0.0",
    instructions="A fixture for the Rust client.",
    log_level="WARNING",
)


@server.tool()
async def count(steps: int, ctx: Context) -> str:
    """Count to `steps`, reporting progress and logging each step."""
    for step in range(1, steps + 1):
        await asyncio.sleep(0.02)
        await ctx.report_progress(step, steps, f"step {step} of {steps}")
        await ctx.info(f"counted {step}")
    return f"counted to {steps}"


class Confirm(BaseModel):
    confirm: bool
    reason: str = ""


def ask_to_confirm(path: str) -> Elicit[Confirm]:
    return Elicit(f"Really delete {path}?", Confirm)


@server.tool()
async def delete(path: str, answer: Annotated[Confirm, Resolve(ask_to_confirm)]) -> str:
    """Delete a file, after the user confirms."""
    if answer.confirm:
        return f"deleted {path} ({answer.reason})"
    return f"kept {path}"


def ask_the_model(text: str) -> Sample:
    question = SamplingMessage(role="user", content=TextContent(type="text", text=f"Summarize: {text}"))
    return Sample([question], max_tokens=50)


@server.tool()
async def summarize(text: str, answer: Annotated[CreateMessageResult, Resolve(ask_the_model)]) -> str:
    """Summarize a text with the client's model (sampling)."""
    return f"{answer.model} says: {answer.content.text}"


def ask_for_roots() -> ListRoots:
    return ListRoots()


@server.tool()
async def workspace(roots: Annotated[ListRootsResult, Resolve(ask_for_roots)]) -> str:
    """Where the client works (roots)."""
    return ", ".join(f"{root.name}={root.uri}" for root in roots.roots)


class Sum(BaseModel):
    total: int
    count: int


@server.tool()
def add(numbers: list[int]) -> Sum:
    """Add numbers (structured output)."""
    return Sum(total=sum(numbers), count=len(numbers))


@server.resource("memo://readme", name="readme", mime_type="text/plain")
def readme() -> str:
    """The fixture's readme."""
    return "Hello from the Python SDK"


@server.resource("memo://notes/{name}", mime_type="text/plain")
def note(name: str) -> str:
    """A note by name."""
    return f"note {name}"


@server.prompt()
def review(code: str, language: str = "python") -> str:
    """Ask for a code review."""
    return f"Please review this {language} code:\n{code}"


@server.completion()
async def complete(ref, argument, context):
    if argument.name == "language":
        from mcp_types import Completion

        languages = ["python", "rust", "ruby", "go"]
        return Completion(values=[l for l in languages if l.startswith(argument.value)])
    return None


if __name__ == "__main__":
    if sys.argv[1] == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[1]))
