"""The standalone ``astrocal-mcp`` process: one SDK client built from :class:`McpConfig`, shared
by all tools (the reference server's ``/mcp`` mount uses ``hosted.py`` instead)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from astrocal_sdk import AsyncAstrocal
from mcp.server import MCPServer

from astrocal_mcp.config import McpConfig
from astrocal_mcp.server import Clock, ToolDeps, server_for, system_clock

__all__ = ["SharedClient", "server_from_config"]


class SharedClient:
    """Hands out one lazily created :class:`AsyncAstrocal` (connection pooling across tool calls);
    it lives as long as the process, which ends when the MCP client closes the transport."""

    def __init__(self, factory: Callable[[], AsyncAstrocal]) -> None:
        self._factory = factory
        self._client: AsyncAstrocal | None = None

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncAstrocal]:
        if self._client is None:
            self._client = self._factory()
        yield self._client


def server_from_config(config: McpConfig, *, clock: Clock = system_clock) -> MCPServer[ToolDeps]:
    def make() -> AsyncAstrocal:
        if config.max_retries is None:
            return AsyncAstrocal(api_key=config.api_key, base_url=config.api_url)
        return AsyncAstrocal(
            api_key=config.api_key, base_url=config.api_url, max_retries=config.max_retries
        )

    deps = ToolDeps(
        clients=SharedClient(make),
        api_url=config.api_url,
        default_event_type_id=config.default_event_type_id,
        clock=clock,
    )
    return server_for(deps)
