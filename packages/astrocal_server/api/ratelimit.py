"""Rate limits at the HTTP edge: count the request, remember the outcome on the request scope, and
the ``RateLimit-*`` headers :class:`~astrocal_server.api.middleware.EdgeMiddleware`
puts on whatever response the request ends with (success, error or idempotent replay).

A request with an API key counts against its account's budget in the key's mode; an
unauthenticated request that does work (signup, the OAuth callback) against its client address.
The headers describe whichever budget the request was counted in. Counting and the limit's error
live in :mod:`astrocal_server.ratelimit`.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.types import Scope

from astrocal_server import ratelimit
from astrocal_server.ratelimit import RateLimitStatus
from astrocal_server.state import AppState

__all__ = [
    "client_address",
    "enforce",
    "enforce_address",
    "enforce_invitee",
    "rate_limit_headers",
    "status_of",
]

_SCOPE_KEY = "rate_limit"


def _settle(scope: Scope, status: RateLimitStatus) -> None:
    scope.setdefault("state", {})[_SCOPE_KEY] = status
    if not status.allowed:
        raise ratelimit.exceeded(status)


async def enforce(
    scope: Scope, state: AppState, account_id: str, *, livemode: bool, limit: int
) -> None:
    """Count the request against the account's budget in its mode; over it raise 429
    ``rate_limit_exceeded`` with ``Retry-After``."""
    _settle(scope, await ratelimit.check_account(state, account_id, livemode=livemode, limit=limit))


def client_address(request: Request) -> str:
    """The connecting peer's address. ``astrocal serve`` does not trust ``X-Forwarded-For`` (a
    client could forge it), so behind a reverse proxy every client shares the proxy's budget."""
    return request.client.host if request.client else "unknown"


async def enforce_address(
    request: Request, state: AppState, action: str, *, limit: int, window_seconds: int
) -> None:
    """Count an unauthenticated ``action`` against the client address's budget; 429 over it."""
    status = await ratelimit.check_address(
        state, action, client_address(request), limit=limit, window_seconds=window_seconds
    )
    _settle(request.scope, status)


async def enforce_invitee(request: Request, state: AppState, token: str) -> None:
    """Count a request made with an invitee link: per client address, and per token (by its hash,
    so the counters never hold a token); 429 when either is over."""
    limit = state.settings.invitee_limit_per_minute
    await enforce_address(request, state, "invitee", limit=limit, window_seconds=60)
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]
    per_token = state.settings.invitee_token_limit_per_minute
    status = await ratelimit.check_link(state, digest, limit=per_token)
    _settle(request.scope, status)


def status_of(scope: Scope) -> RateLimitStatus | None:
    """The outcome of counting this request, if it was counted."""
    status: RateLimitStatus | None = scope.get("state", {}).get(_SCOPE_KEY)
    return status


def rate_limit_headers(status: RateLimitStatus) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(status.limit),
        "RateLimit-Remaining": str(status.remaining),
        "RateLimit-Reset": str(status.reset_seconds),
    }
