"""The tools served inside an ASGI app that also serves the Astrocal API (the server's ``/mcp``).

:class:`HostedMcp` owns one stateless streamable-HTTP session manager. Each request is handled with
the caller's API key and app: the tools call the API through the SDK *in process* (an
``httpx.ASGITransport`` onto that app), so they see exactly what that key sees. Authentication and
the HTTP error answers are the host's job; this module knows only MCP and the SDK.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime

import httpx
from astrocal_sdk import AsyncAstrocal
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from astrocal_mcp.server import ToolDeps, server_for

__all__ = ["HostedMcp", "in_process_client"]

_BASE_URL = "http://astrocal.internal"
# The caller's key and app for the tools of the current request. Stateless streamable HTTP runs
# each request's handlers in tasks spawned from the request, so they see these values.
_CALLER_KEY: contextvars.ContextVar[str] = contextvars.ContextVar("astrocal_mcp_key")
_CALLER_APP: contextvars.ContextVar[ASGIApp] = contextvars.ContextVar("astrocal_mcp_app")


@asynccontextmanager
async def in_process_client(app: ASGIApp, api_key: str) -> AsyncIterator[AsyncAstrocal]:
    """An SDK client that calls ``app`` directly (no network), authenticated with ``api_key``."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=_BASE_URL) as http:
        yield AsyncAstrocal(api_key=api_key, base_url=_BASE_URL, http_client=http, max_retries=0)


def _request_client() -> AbstractAsyncContextManager[AsyncAstrocal]:
    return in_process_client(_CALLER_APP.get(), _CALLER_KEY.get())


class HostedMcp:
    """The MCP server and its session manager, started on the first request.

    The session manager runs in a task of its own: its task group must be entered and left by the
    same task, which an app's lifespan (entered and left by different tasks in some hosts and
    tests) does not guarantee. Starting lazily keeps app start-up free of MCP work.
    """

    def __init__(self, *, api_url: str, clock: Callable[[], datetime]) -> None:
        self._api_url = api_url
        self._clock = clock
        self._lock = asyncio.Lock()
        self._manager: StreamableHTTPSessionManager | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def handle(
        self, scope: Scope, receive: Receive, send: Send, *, app: ASGIApp, api_key: str
    ) -> None:
        """Answer one MCP request; its tools act as ``api_key`` against ``app``."""
        manager = await self._started()
        key_token = _CALLER_KEY.set(api_key)
        app_token = _CALLER_APP.set(app)
        try:
            await manager.handle_request(scope, receive, send)
        finally:
            _CALLER_KEY.reset(key_token)
            _CALLER_APP.reset(app_token)

    async def _started(self) -> StreamableHTTPSessionManager:
        async with self._lock:
            if self._manager is None:
                self._manager = await self._start()
        return self._manager

    async def _start(self) -> StreamableHTTPSessionManager:
        server = server_for(
            ToolDeps(clients=_request_client, api_url=self._api_url, clock=self._clock)
        )
        # Builds the session manager (the Starlette app itself is not used: the host routes to
        # us). Host checks are off because every request must carry an API key, which a
        # DNS-rebinding page does not have.
        server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = server.session_manager
        ready = asyncio.Event()

        async def run() -> None:
            async with manager.run():
                ready.set()
                await self._stop.wait()

        self._task = asyncio.create_task(run(), context=contextvars.Context())
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({self._task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.is_set():
            waiter.cancel()
            await self._task  # re-raises why it could not start
        return manager

    async def aclose(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
