"""Per-API-key rate limits: fixed one-minute windows, ``RateLimit-*`` headers, 429 + ``Retry-After``.

The limit is the plan's ``requests_per_minute``. Counters live in process memory when the database
is SQLite (one server process owns the file) and in the ``rate_limit_counters`` table on PostgreSQL,
where one atomic upsert per request makes the limit global across every process sharing the
database.

The check runs where the caller is authenticated (``api.deps``); it records the outcome on the
request scope and :class:`RateLimitHeadersMiddleware` puts the headers on whatever response the
request ends with (success, error or idempotent replay).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from astrocal_server.errors import ApiError
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import RateLimitCounter

__all__ = [
    "WINDOW_SECONDS",
    "CounterStore",
    "DatabaseCounterStore",
    "MemoryCounterStore",
    "RateLimitHeadersMiddleware",
    "RateLimitStatus",
    "enforce",
    "rate_limit_headers",
]

WINDOW_SECONDS = 60
SCOPE_KEY = "rate_limit"


@dataclass(frozen=True)
class RateLimitStatus:
    limit: int
    remaining: int
    reset_seconds: int
    allowed: bool


class CounterStore(Protocol):
    async def hit(self, bucket: str, expires_at: datetime) -> int:
        """Count one request in ``bucket``; return the bucket's count including it."""
        ...


class MemoryCounterStore:
    """Counters in this process (single-process deployments: SQLite)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, datetime]] = {}
        self._hits = 0

    async def hit(self, bucket: str, expires_at: datetime) -> int:
        count = self._counts.get(bucket, (0, expires_at))[0] + 1
        self._counts[bucket] = (count, expires_at)
        self._hits += 1
        if self._hits % 1024 == 0:
            self._prune(expires_at - timedelta(seconds=WINDOW_SECONDS))
        return count

    def _prune(self, now: datetime) -> None:
        for bucket in [b for b, (_, exp) in self._counts.items() if exp <= now]:
            del self._counts[bucket]


class DatabaseCounterStore:
    """Counters in the shared database: one atomic ``INSERT … ON CONFLICT DO UPDATE`` per request."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._hits = 0

    async def hit(self, bucket: str, expires_at: datetime) -> int:
        stmt = pg_insert(RateLimitCounter).values(bucket=bucket, count=1, expires_at=expires_at)
        stmt = stmt.on_conflict_do_update(
            index_elements=[RateLimitCounter.bucket],
            set_={"count": RateLimitCounter.count + 1},
        ).returning(RateLimitCounter.count)
        self._hits += 1
        prune = self._hits % 1024 == 0
        async with self._db.engine.begin() as conn:
            count = int((await conn.execute(stmt)).scalar_one())
            if prune:
                cutoff = expires_at - timedelta(seconds=WINDOW_SECONDS)
                await conn.execute(
                    delete(RateLimitCounter).where(RateLimitCounter.expires_at <= cutoff)
                )
        return count


async def check(state: AppState, key_id: str, limit: int) -> RateLimitStatus:
    """Count one request for ``key_id`` in the current window."""
    now = state.clock.now().astimezone(UTC)
    epoch = now.timestamp()
    window_start = math.floor(epoch / WINDOW_SECONDS) * WINDOW_SECONDS
    window_end = datetime.fromtimestamp(window_start + WINDOW_SECONDS, UTC)
    count = await state.rate_limits.hit(f"{key_id}:{window_start}", window_end)
    reset = max(1, math.ceil(window_start + WINDOW_SECONDS - epoch))
    return RateLimitStatus(
        limit=limit, remaining=max(0, limit - count), reset_seconds=reset, allowed=count <= limit
    )


def rate_limit_headers(status: RateLimitStatus) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(status.limit),
        "RateLimit-Remaining": str(status.remaining),
        "RateLimit-Reset": str(status.reset_seconds),
    }


async def enforce(scope: Scope, state: AppState, key_id: str, limit: int) -> None:
    """Count the request; over the limit raise 429 ``rate_limit_exceeded`` with ``Retry-After``."""
    status = await check(state, key_id, limit)
    scope.setdefault("state", {})[SCOPE_KEY] = status
    if not status.allowed:
        headers = rate_limit_headers(status)
        headers["Retry-After"] = str(status.reset_seconds)
        raise ApiError(
            429,
            "rate_limit_error",
            "rate_limit_exceeded",
            f"This API key made more than {limit} requests in the current minute, its plan's "
            f"limit; retry in {status.reset_seconds} seconds.",
            headers=headers,
        )


class RateLimitHeadersMiddleware:
    """Adds ``RateLimit-*`` to every response of a request that was counted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status: Any = scope.get("state", {}).get(SCOPE_KEY)
                if status is not None:
                    names = {b"ratelimit-limit", b"ratelimit-remaining", b"ratelimit-reset"}
                    headers = [
                        (k, v) for k, v in message.get("headers", []) if k.lower() not in names
                    ]
                    headers.extend(
                        (k.lower().encode("latin-1"), v.encode("latin-1"))
                        for k, v in rate_limit_headers(status).items()
                    )
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
