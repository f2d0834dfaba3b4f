"""Rate limits: fixed windows counted per bucket, and the error when one is full.

Two kinds of bucket:

- **An account in one mode** (:func:`check_account`): the plan's ``requests_per_minute`` is shared
  by every API key of the account in that mode, so minting more keys buys no more requests. The
  two modes count apart, so test traffic (a CI run) never starves live traffic, as the monthly
  booking quota is also kept per mode.
- **A client address** (:func:`check_address`): the unauthenticated routes that do work (signup,
  the OAuth callback) have no key to count against; they count per client address and action.

Counters live in process memory when the database is SQLite (one server process owns the file; a
second process on the same file would count its own requests apart), so counting adds no write to
a request there; on PostgreSQL they live in the ``rate_limit_counters`` table, where atomic upserts make the limit
global across every process sharing the database (one per request for small budgets; batched
while far from the limit for large ones: :class:`DatabaseCounterStore`).

The HTTP edge (``api/ratelimit.py``) turns the :class:`RateLimitStatus` into ``RateLimit-*``
headers and a 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert

from astrocal_server.errors import RateLimited
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import RateLimitCounter

__all__ = [
    "BATCH",
    "BATCH_FROM_LIMIT",
    "MAX_BATCH",
    "WINDOW_SECONDS",
    "CounterStore",
    "DatabaseCounterStore",
    "MemoryCounterStore",
    "RateLimitStatus",
    "batch_for",
    "check_account",
    "check_address",
    "check_link",
    "exceeded",
]

WINDOW_SECONDS = 60
PRUNE_EVERY = 1024  # hits between two sweeps of ended windows


@dataclass(frozen=True, slots=True)
class RateLimitStatus:
    limit: int
    remaining: int
    reset_seconds: int
    allowed: bool
    template: (
        str  # what the 429 says (``{limit}``, ``{reset}`` filled in): whose limit, when to retry
    )

    @property
    def message(self) -> str:
        """What the 429 says; formatted only for a request that gets one."""
        return self.template.format(limit=self.limit, reset=self.reset_seconds)


class CounterStore(Protocol):
    async def hit(
        self, bucket: str, expires_at: datetime, *, now: datetime, limit: int | None = None
    ) -> int:
        """Count one request in ``bucket``; return the bucket's count including it. Now and then
        drop buckets whose window ended before ``now`` (windows of any length share the store)."""
        ...


class MemoryCounterStore:
    """Counters in this process (single-process deployments: SQLite)."""

    def __init__(self, *, prune_every: int = PRUNE_EVERY) -> None:
        self._counts: dict[str, tuple[int, datetime]] = {}
        self._hits = 0
        self._prune_every = prune_every

    async def hit(
        self, bucket: str, expires_at: datetime, *, now: datetime, limit: int | None = None
    ) -> int:
        count = self._counts.get(bucket, (0, expires_at))[0] + 1
        self._counts[bucket] = (count, expires_at)
        self._hits += 1
        if self._hits % self._prune_every == 0:
            self._prune(now)
        return count

    def _prune(self, now: datetime) -> None:
        for bucket in [b for b, (_, exp) in self._counts.items() if exp <= now]:
            del self._counts[bucket]


# One hit or a batch, added atomically by one statement (built once: the compiled form is cached).
_ADD = (
    pg_insert(RateLimitCounter)
    .values(bucket=bindparam("bucket"), count=bindparam("add"), expires_at=bindparam("expires_at"))
    .on_conflict_do_update(
        index_elements=[RateLimitCounter.bucket],
        set_={"count": RateLimitCounter.count + bindparam("add")},
    )
    .returning(RateLimitCounter.count)
)
_PRUNE = delete(RateLimitCounter).where(RateLimitCounter.expires_at <= bindparam("now"))

BATCH_FROM_LIMIT = 1000  # budgets below this are counted in the database on every request
BATCH = 16  # hits a process may hold back while far from the limit, at the smallest batched budget
MAX_BATCH = 1024  # … and at most, whatever the budget


def batch_for(limit: int) -> int:
    """Hits a process may hold back of a budget of ``limit``: :data:`BATCH` at
    :data:`BATCH_FROM_LIMIT`, then in proportion (one in 64 of the limit), up to :data:`MAX_BATCH`.
    So what a batch can hide stays the same share of any budget."""
    return max(BATCH, min(MAX_BATCH, limit * BATCH // BATCH_FROM_LIMIT))


class DatabaseCounterStore:
    """Counters in the shared database: ``INSERT … ON CONFLICT DO UPDATE`` adds a process's hits.

    A budget under :data:`BATCH_FROM_LIMIT` is counted exactly: one upsert per request. A larger
    one is counted in batches while far from its limit: a process holds back up to
    :func:`batch_for` the limit (:data:`BATCH` at :data:`BATCH_FROM_LIMIT`, 1.6 % of a larger one)
    hits of a bucket as long as the count it knows plus its own stays within half the limit, and
    adds them with one upsert (which also tells it everyone else's). Past half the limit every hit
    is written again, so a 429 comes at most a batch less one hit per other server process late, and
    a busy plan's requests cost one write per batch instead of one each.
    """

    def __init__(self, db: Database, *, prune_every: int = PRUNE_EVERY) -> None:
        self._db = db
        self._hits = 0
        self._prune_every = prune_every
        # bucket -> (count known from the database, hits held back, end of the window)
        self._held: dict[str, tuple[int, int, datetime]] = {}

    async def hit(
        self, bucket: str, expires_at: datetime, *, now: datetime, limit: int | None = None
    ) -> int:
        held = self._held.get(bucket)
        batched = limit is not None and limit >= BATCH_FROM_LIMIT
        if batched and held is not None:
            known, pending, _ = held
            estimate = known + pending + 1
            if limit is not None and pending + 1 < batch_for(limit) and estimate <= limit // 2:
                self._held[bucket] = (known, pending + 1, expires_at)
                return estimate
        add = 1
        if held is not None:
            # Taken out before the write: a concurrent request must not send them a second time.
            add += held[1]
            self._held[bucket] = (held[0], 0, expires_at)
        count = await self._add(bucket, expires_at, add, now=now)
        if batched:
            # Hits held back by other requests while this one wrote stay held.
            later = self._held.get(bucket)
            known, pending = (max(count, later[0]), later[1]) if later is not None else (count, 0)
            self._held[bucket] = (known, pending, expires_at)
        return count

    async def _add(self, bucket: str, expires_at: datetime, add: int, *, now: datetime) -> int:
        self._hits += 1
        prune = self._hits % self._prune_every == 0
        # Each statement is atomic on its own: autocommit saves a BEGIN and a COMMIT round trip.
        async with self._db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            params = {"bucket": bucket, "add": add, "expires_at": expires_at}
            count = int((await conn.execute(_ADD, params)).scalar_one())
            if prune:
                await conn.execute(_PRUNE, {"now": now})
        if prune:
            for ended in [b for b, (_, _, end) in self._held.items() if end <= now]:
                del self._held[ended]
        return count


async def _count(
    state: AppState, bucket: str, limit: int, window_seconds: int, message: str
) -> RateLimitStatus:
    now = state.clock.now().astimezone(UTC)
    epoch = now.timestamp()
    window_start = math.floor(epoch / window_seconds) * window_seconds
    window_end = datetime.fromtimestamp(window_start + window_seconds, UTC)
    count = await state.rate_limits.hit(
        f"{bucket}:{window_seconds}:{window_start}", window_end, now=now, limit=limit
    )
    reset = max(1, math.ceil(window_start + window_seconds - epoch))
    return RateLimitStatus(
        limit=limit,
        remaining=max(0, limit - count),
        reset_seconds=reset,
        allowed=count <= limit,
        template=message,
    )


async def check_account(
    state: AppState, account_id: str, *, livemode: bool, limit: int
) -> RateLimitStatus:
    """Count one request of the account in its mode in the current minute."""
    mode = "live" if livemode else "test"
    return await _count(
        state,
        f"acct:{account_id}:{mode}",
        limit,
        WINDOW_SECONDS,
        f"This account made more than {{limit}} {mode} mode requests in the current minute, its "
        "plan's limit (shared by all its API keys in that mode); retry in {reset} seconds.",
    )


async def check_address(
    state: AppState, action: str, address: str, *, limit: int, window_seconds: int
) -> RateLimitStatus:
    """Count one unauthenticated ``action`` (``signup``…) from a client address."""
    span = "an hour" if window_seconds == 3600 else f"{window_seconds} seconds"
    return await _count(
        state,
        f"addr:{action}:{address}",
        limit,
        window_seconds,
        f"Too many {action} requests from this address (more than {{limit}} in {span}); "
        "retry in {reset} seconds.",
    )


async def check_link(state: AppState, digest: str, *, limit: int) -> RateLimitStatus:
    """Count one request made with an invitee link (``digest``: its token's hash, never the
    token) in the current minute, whichever address it came from."""
    return await _count(
        state,
        f"link:{digest}",
        limit,
        WINDOW_SECONDS,
        "This booking link was used more than {limit} times in the current minute; "
        "retry in {reset} seconds.",
    )


def exceeded(status: RateLimitStatus) -> RateLimited:
    """The ``rate_limit_exceeded`` error (with ``retry_after``) for a request over its limit."""
    return RateLimited("rate_limit_exceeded", status.message, retry_after=status.reset_seconds)
