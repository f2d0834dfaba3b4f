"""An API that cannot be reached is a tool error that points at ASTROCAL_API_URL, not a crash."""

from __future__ import annotations

import socket

from astrocal_mcp.config import McpConfig
from astrocal_mcp.standalone import server_from_config
from mcp import Client


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


async def test_unreachable_api_is_a_tool_error() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    server = server_from_config(McpConfig(api_key="sk_test_x", api_url=url, max_retries=0))
    async with Client(server) as client:
        result = await client.call_tool("list_event_types", {})
        assert result.is_error
        text = result.content[0].text
        assert f"Could not reach the Astrocal API at {url}" in text and "ASTROCAL_API_URL" in text
        assert not (await client.call_tool("get_current_time", {})).is_error
