"""A scripted agent's side of an MCP session: call a tool as an agent would and read its answer.

``say(client, tool, **arguments)`` calls the tool, insists it succeeded, checks that every clock
time in its text stands with its zone (its own offset, or a UTC offset on its line), and returns
the structured content and the text. ``Mcp`` is the type of the MCP tests' ``mcp`` fixture:
``async with mcp(**build_options) as client`` opens a client on a freshly built server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

__all__ = ["Mcp", "assert_zoned", "say"]

Mcp = Callable[..., AbstractAsyncContextManager[Any]]

# A clock time in text, and what must stand with it: its own offset, or a UTC offset on its line.
_CLOCK = re.compile(r"(?<![+-])\b\d{2}:\d{2}\b(?![+-]\d{2}:\d{2})")
_ZONED_LINE = re.compile(r"UTC([+-]\d{2}:\d{2})?\b")


def assert_zoned(text: str) -> None:
    for line in text.splitlines():
        if _CLOCK.search(line):
            assert _ZONED_LINE.search(line), f"a time without its zone: {line!r}"


async def say(client: Any, tool: str, **arguments: Any) -> tuple[dict[str, Any], str]:
    result = await client.call_tool(tool, arguments)
    text = "\n".join(b.text for b in result.content if getattr(b, "type", "") == "text")
    assert not result.is_error, text
    assert_zoned(text)
    return dict(result.structured_content or {}), text
