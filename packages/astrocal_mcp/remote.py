"""The reference server's ``/mcp`` endpoint: the same tools over streamable HTTP for hosted agents.

Callers authenticate with the API's own bearer keys (``Authorization: Bearer sk_…``), checked
exactly as every API route checks them; a missing or bad key gets the API's 401 error envelope.
The tools then call the API through the SDK *in process* (an ``httpx.ASGITransport`` onto the
same app) with the caller's key, so the MCP endpoint sees exactly what that key sees.

Only this module's names are imported by the server (``ROUTERS`` / ``LIFESPAN_HOOKS``); ``mcp``
itself is imported lazily so a server installed without the ``[mcp]`` extra still starts (the
endpoint then answers 501).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

if TYPE_CHECKING:
    from astrocal_sdk import AsyncAstrocal
    from astrocal_server.state import AppState

__all__ = ["MCP_PATH", "McpEndpoint", "mcp_lifespan", "router"]

logger = logging.getLogger("astrocal.mcp")

MCP_PATH = "/mcp"
_SERVICE = "mcp_session_manager"
# The caller's key and app for the tools of the current request. Stateless streamable HTTP runs
# each request's handlers in tasks spawned from the request, so they see these values.
_CALLER_KEY: contextvars.ContextVar[str] = contextvars.ContextVar("astrocal_mcp_key")
_CALLER_APP: contextvars.ContextVar[Any] = contextvars.ContextVar("astrocal_mcp_app")


@asynccontextmanager
async def _request_client() -> AsyncIterator[AsyncAstrocal]:
    import httpx
    from astrocal_sdk import AsyncAstrocal

    app = _CALLER_APP.get()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://astrocal.internal") as http:
        client = AsyncAstrocal(
            api_key=_CALLER_KEY.get(),
            base_url="http://astrocal.internal",
            http_client=http,
            max_retries=0,
        )
        yield client


class _Runtime:
    """The MCP server and its session manager, started on the first ``/mcp`` request.

    The session manager runs in a task of its own: its task group must be entered and left by the
    same task, which an app's lifespan (entered and left by different tasks in some hosts and
    tests) does not guarantee. Starting lazily keeps app start-up free of MCP work.
    """

    def __init__(self, state: AppState) -> None:
        self._state = state
        self._lock = asyncio.Lock()
        self._manager: Any = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def manager(self) -> Any:
        async with self._lock:
            if self._manager is None:
                self._manager = await self._start()
        return self._manager

    async def _start(self) -> Any:
        from mcp.server.transport_security import TransportSecuritySettings

        from astrocal_mcp.server import build_server

        server = build_server(
            clients=_request_client,
            api_url=self._state.settings.public_base_url,
            clock=self._state.clock.now,
        )
        # Builds the session manager (the Starlette app itself is not used: the route is ours).
        # Host checks are off because every request must carry an API key, which a DNS-rebinding
        # page does not have.
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


@asynccontextmanager
async def mcp_lifespan(state: AppState) -> AsyncIterator[None]:
    """Register the ``/mcp`` runtime (if the ``mcp`` package is installed) and stop it on shutdown."""
    try:
        import mcp  # noqa: F401
    except ImportError:
        logger.info("MCP endpoint disabled: install astrocal[mcp] to enable %s", MCP_PATH)
        yield
        return
    runtime = _Runtime(state)
    state.services[_SERVICE] = runtime
    try:
        yield
    finally:
        state.services.pop(_SERVICE, None)
        await runtime.aclose()


def _error(
    scope: Scope, status: int, type_: str, code: str, message: str, **kw: Any
) -> JSONResponse:
    from astrocal_server.api.errors import error_body, request_id_of

    headers = kw.pop("headers", None)
    return JSONResponse(
        error_body(request_id_of(scope), type_, code, message, **kw),
        status_code=status,
        headers=headers,
    )


class McpEndpoint:
    """ASGI app for ``/mcp``: authenticate the API key, then hand the request to MCP."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from astrocal_server.api.deps import get_caller, get_state
        from astrocal_server.api.errors import domain_error_response
        from astrocal_server.errors import AstrocalError

        request = Request(scope, receive)
        try:
            await get_caller(request)
        except AstrocalError as exc:
            response = domain_error_response(request, exc)
            await response(scope, receive, send)
            return
        runtime = get_state(request).services.get(_SERVICE)
        if runtime is None:
            response = _error(
                scope,
                501,
                "api_error",
                "mcp_unavailable",
                "This server was installed without MCP support; install astrocal[mcp].",
            )
            await response(scope, receive, send)
            return
        manager = await runtime.manager()
        header = request.headers.get("authorization", "")
        key_token = _CALLER_KEY.set(header.split()[-1])
        app_token = _CALLER_APP.set(scope["app"])
        try:
            await manager.handle_request(scope, receive, send)
        finally:
            _CALLER_KEY.reset(key_token)
            _CALLER_APP.reset(app_token)


router = APIRouter()
router.routes.append(
    Route(MCP_PATH, endpoint=McpEndpoint(), methods=["GET", "POST", "DELETE"], name="mcp")
)
