"""Rate limits at the HTTP edge: count the request, remember the outcome on the request scope, and
the ``RateLimit-*`` headers :class:`~astrocal_server.api.middleware.RateLimitHeadersMiddleware`
puts on whatever response the request ends with (success, error or idempotent replay).

Counting and the limit's error live in :mod:`astrocal_server.ratelimit`.
"""

from __future__ import annotations

from starlette.types import Scope

from astrocal_server import ratelimit
from astrocal_server.ratelimit import RateLimitStatus
from astrocal_server.state import AppState

__all__ = ["enforce", "rate_limit_headers", "status_of"]

_SCOPE_KEY = "rate_limit"


async def enforce(scope: Scope, state: AppState, key_id: str, limit: int) -> None:
    """Count the request; over the limit raise 429 ``rate_limit_exceeded`` with ``Retry-After``."""
    status = await ratelimit.check(state, key_id, limit)
    scope.setdefault("state", {})[_SCOPE_KEY] = status
    if not status.allowed:
        raise ratelimit.exceeded(status)


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
