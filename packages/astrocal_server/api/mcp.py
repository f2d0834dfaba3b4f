"""The ``/mcp`` mount: the MCP tools over streamable HTTP, for hosted agents.

This is the only server module that imports ``astrocal_mcp``, and it does so lazily: a server
installed without the ``[mcp]`` extra still starts, and ``/mcp`` then answers 501
``mcp_unavailable``. Callers authenticate with the API's own bearer keys, checked exactly as every
API route checks them; a missing or bad key gets the API's 401 error envelope. ``/mcp`` is not an
idempotent REST operation: an ``Idempotency-Key`` header there is ignored. The tools then call
the API in process with the caller's key (see ``astrocal_mcp.hosted``).

Clients that discover authentication the standard way find it here: ``/mcp`` publishes OAuth 2.0
Protected Resource Metadata (RFC 9728) at ``/.well-known/oauth-protected-resource/mcp`` (and at the
root well-known path), and its 401 names that document in ``WWW-Authenticate``. The metadata says
what the API says: send an API key as a bearer token in the ``Authorization`` header; there is no
authorization server to obtain one from (keys are made with ``POST /v1/api_keys`` or in the CLI).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import APIRouter
from starlette.datastructures import State
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from astrocal_server.api.deps import get_caller_without_idempotency
from astrocal_server.api.encoding import JSONResponse
from astrocal_server.api.errors import domain_error_response, error_response
from astrocal_server.errors import AstrocalError
from astrocal_server.state import AppState

if TYPE_CHECKING:
    from astrocal_mcp.hosted import HostedMcp

__all__ = ["MCP_PATH", "METADATA_PATH", "McpEndpoint", "mcp_lifespan", "router"]

logger = logging.getLogger("astrocal.mcp")

MCP_PATH = "/mcp"
METADATA_PATH = "/.well-known/oauth-protected-resource"
# Where the running app keeps its HostedMcp (absent or None without the [mcp] extra).
_APP_ATTR = "astrocal_mcp"


@asynccontextmanager
async def mcp_lifespan(app_state: State, state: AppState) -> AsyncIterator[None]:
    """Make ``/mcp`` ready (if the ``mcp`` package is installed) and stop it on shutdown.

    ``app_state`` is the app's ``app.state``; the hosted server is kept there, next to
    ``app.state.astrocal``, since only this module uses it.
    """
    try:
        from astrocal_mcp.hosted import HostedMcp
    except ImportError:
        logger.info("MCP endpoint disabled: install astrocal[mcp] to enable %s", MCP_PATH)
        setattr(app_state, _APP_ATTR, None)
        yield
        return
    hosted = HostedMcp(api_url=state.settings.public_base_url, clock=state.clock.now)
    setattr(app_state, _APP_ATTR, hosted)
    try:
        yield
    finally:
        setattr(app_state, _APP_ATTR, None)
        await hosted.aclose()


class McpEndpoint:
    """ASGI app for ``/mcp``: authenticate the API key, then hand the request to MCP."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            # Not get_caller: an Idempotency-Key would make it read the body MCP must stream.
            await get_caller_without_idempotency(request)
        except AstrocalError as exc:
            response = domain_error_response(request, exc)
            if response.status_code == 401:
                response.headers["WWW-Authenticate"] = (
                    f'Bearer resource_metadata="{_base_url(request)}{METADATA_PATH}{MCP_PATH}"'
                )
            await response(scope, receive, send)
            return
        hosted: HostedMcp | None = getattr(request.app.state, _APP_ATTR, None)
        if hosted is None:
            response = error_response(
                scope,
                501,
                "api_error",
                "mcp_unavailable",
                "This server was installed without MCP support; install astrocal[mcp].",
            )
            await response(scope, receive, send)
            return
        api_key = request.headers.get("authorization", "").split()[-1]
        await hosted.handle(scope, receive, send, app=scope["app"], api_key=api_key)


def _base_url(request: Request) -> str:
    state: AppState = request.app.state.astrocal
    return state.settings.public_base_url.rstrip("/")


async def protected_resource_metadata(request: Request) -> JSONResponse:
    """RFC 9728 metadata of the ``/mcp`` resource: bearer API keys in the header."""
    base = _base_url(request)
    return JSONResponse(
        {
            "resource": f"{base}{MCP_PATH}",
            "resource_name": "Astrocal MCP",
            "bearer_methods_supported": ["header"],
            "resource_documentation": f"{base}/docs",
        },
        headers={"Cache-Control": "public, max-age=3600"},
    )


router = APIRouter()
router.routes.extend(
    [
        Route(MCP_PATH, endpoint=McpEndpoint(), methods=["GET", "POST", "DELETE"], name="mcp"),
        # RFC 9728 §3.1: the resource's path goes after the well-known prefix; the bare prefix is
        # where clients look that strip the path.
        Route(f"{METADATA_PATH}{MCP_PATH}", protected_resource_metadata, methods=["GET"]),
        Route(METADATA_PATH, protected_resource_metadata, methods=["GET"]),
    ]
)
