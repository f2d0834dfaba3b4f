"""On PostgreSQL a large request budget is counted in batches while far from its limit (one
upsert per :func:`~astrocal_server.ratelimit.batch_for` the limit hits per process); small budgets, which the other rate-limit tests drive, are written on every request. Near the limit a
process learns the shared count again within one batch of its own hits."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.ratelimit import (
    BATCH,
    BATCH_FROM_LIMIT,
    MAX_BATCH,
    DatabaseCounterStore,
    batch_for,
)
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import RateLimitCounter
from fastapi import FastAPI
from sqlalchemy import select


@pytest.fixture
def db(app: FastAPI) -> Database:
    """The app's database; the shared counters live only on PostgreSQL (SQLite counts in memory)."""
    if app.state.astrocal.db.dialect != "postgresql":
        pytest.skip("the shared counters are PostgreSQL's; SQLite counts in memory")
    database: Database = app.state.astrocal.db
    return database


async def _stored(app: FastAPI, bucket: str) -> int:
    async with app.state.astrocal.db.read() as session:
        return int(
            await session.scalar(
                select(RateLimitCounter.count).where(RateLimitCounter.bucket == bucket)
            )
            or 0
        )


async def test_a_large_budget_is_written_in_batches_and_soon_exact_near_the_limit(
    db: Database, app: FastAPI, clock: FixedClock
) -> None:
    now = clock.now()
    end = now + timedelta(minutes=1)
    limit = BATCH_FROM_LIMIT
    first, second = DatabaseCounterStore(db), DatabaseCounterStore(db)  # two server processes
    counts = [await first.hit("b", end, now=now, limit=limit) for _ in range(BATCH)]
    assert counts == list(range(1, BATCH + 1))
    assert await _stored(app, "b") == 1  # the first hit; the next ones are held back …
    assert await first.hit("b", end, now=now, limit=limit) == BATCH + 1
    assert await _stored(app, "b") == BATCH + 1  # … and written together
    assert await second.hit("b", end, now=now, limit=limit) == BATCH + 2  # sees the first's
    # Past half the limit every hit is written; a process that held hits back learns the true
    # count with its next write, at most BATCH hits later.
    for _ in range(limit // 2):
        await first.hit("b", end, now=now, limit=limit)
    seen = [await second.hit("b", end, now=now, limit=limit) for _ in range(BATCH)]
    assert seen[-1] == await _stored(app, "b") > limit // 2
    before = seen[-1]
    assert await second.hit("b", end, now=now, limit=limit) == before + 1
    assert await first.hit("b", end, now=now, limit=limit) == before + 2
    assert await _stored(app, "b") == before + 2


async def test_a_larger_budget_holds_back_a_batch_in_proportion(
    db: Database, app: FastAPI, clock: FixedClock
) -> None:
    """The batch grows with the budget (the same share of it), up to MAX_BATCH."""
    assert batch_for(BATCH_FROM_LIMIT) == BATCH
    assert batch_for(4 * BATCH_FROM_LIMIT) == 4 * BATCH
    assert batch_for(10_000_000) == MAX_BATCH
    now = clock.now()
    end = now + timedelta(minutes=1)
    limit = 4 * BATCH_FROM_LIMIT
    store = DatabaseCounterStore(db)
    counts = [await store.hit("l", end, now=now, limit=limit) for _ in range(4 * BATCH)]
    assert counts == list(range(1, 4 * BATCH + 1))
    assert await _stored(app, "l") == 1
    assert await store.hit("l", end, now=now, limit=limit) == 4 * BATCH + 1
    assert await _stored(app, "l") == 4 * BATCH + 1


async def test_a_small_budget_is_written_on_every_hit(
    db: Database, app: FastAPI, clock: FixedClock
) -> None:
    now = clock.now()
    store = DatabaseCounterStore(db)
    for n in range(1, 4):
        assert await store.hit("s", now + timedelta(minutes=1), now=now, limit=6) == n
        assert await _stored(app, "s") == n


async def test_concurrent_requests_never_count_a_held_hit_twice(
    db: Database, app: FastAPI, clock: FixedClock
) -> None:
    now = clock.now()
    end = now + timedelta(minutes=1)
    store = DatabaseCounterStore(db)
    hits = 5 * BATCH
    counts = await asyncio.gather(
        *(store.hit("c", end, now=now, limit=BATCH_FROM_LIMIT) for _ in range(hits))
    )
    assert max(counts) <= hits
    assert await _stored(app, "c") <= hits
