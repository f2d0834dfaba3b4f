"""Who may use ``astrocal-mcp --transport http``: a bearer token of its own, on loopback by default.

The standalone server calls the API with the configured key, so whoever reaches its port acts with
that key. Hence:

- every HTTP request must carry ``Authorization: Bearer <token>``, the token given in
  ``ASTROCAL_MCP_TOKEN`` or generated at start (256 bits) and printed once to stderr; it is compared
  in constant time, and a request without it gets 401 with ``WWW-Authenticate: Bearer``;
- the server binds to a loopback interface unless started with ``--allow-remote``, which warns.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["TOKEN_ENV", "BearerGuard", "is_loopback", "new_token"]

TOKEN_ENV = "ASTROCAL_MCP_TOKEN"  # noqa: S105 (the variable's name, not a secret)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


class BearerGuard:
    """ASGI middleware: HTTP requests without the expected bearer token get 401; the lifespan and
    authorised requests go to ``app`` unchanged."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("the MCP HTTP token must not be empty")
        self._app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._authorised(scope):
            await self._app(scope, receive, send)
            return
        body = json.dumps(
            {
                "error": "invalid_token",
                "error_description": (
                    "Send 'Authorization: Bearer <token>' with the token astrocal-mcp printed at "
                    f"start (or the one set in {TOKEN_ENV})."
                ),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Bearer realm="astrocal-mcp", error="invalid_token"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _authorised(self, scope: Scope) -> bool:
        given = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        return hmac.compare_digest(given, self._expected)
