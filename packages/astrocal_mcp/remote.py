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


@asynccontextmanager
async def mcp_lifespan(state: AppState) -> AsyncIterator[None]:
    """Build the MCP server and run its session manager for the app's lifetime."""
    try:
        from mcp.server.transport_security import TransportSecuritySettings

        from astrocal_mcp.server import build_server
    except ImportError:
        logger.info("MCP endpoint disabled: install astrocal[mcp] to enable %s", MCP_PATH)
        yield
        return
    server = build_server(
        clients=_request_client,
        api_url=state.settings.public_base_url,
        clock=state.clock.now,
    )
    # Builds the session manager (the Starlette app itself is not used: the route is ours). Host
    # checks are off because every request must carry an API key, which a rebinding page lacks.
    server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    manager = server.session_manager
    async with manager.run():
        state.services[_SERVICE] = manager
        try:
            yield
        finally:
            state.services.pop(_SERVICE, None)


def _error(
    scope: Scope, status: int, type_: str, code: str, message: str, **kw: Any
) -> JSONResponse:
    from astrocal_server.errors import error_body, request_id_of

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
        from astrocal_server.errors import ApiError

        request = Request(scope, receive)
        try:
            await get_caller(request)
        except ApiError as exc:
            response = _error(
                scope, exc.status_code, exc.type, exc.code, exc.message, headers=exc.headers
            )
            await response(scope, receive, send)
            return
        manager = get_state(request).services.get(_SERVICE)
        if manager is None:
            response = _error(
                scope,
                501,
                "api_error",
                "mcp_unavailable",
                "This server was installed without MCP support; install astrocal[mcp].",
            )
            await response(scope, receive, send)
            return
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
