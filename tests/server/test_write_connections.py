"""``Database.pooled_driver`` (``storage/db.py``): the PostgreSQL connections the direct booking
write runs its transactions on. Up to ``_PG_WRITERS`` stay checked out between writes (no checkout
per write); more concurrent writes check out and back in. A failed write's connection is rolled
back before it is used again — also when a statement was cancelled before the server said a
transaction began — and one that cannot be (closed) is invalidated; a kept connection the server
closed is replaced before use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from astrocal_server.storage import db as storage_db
from astrocal_server.storage.db import Database
from sqlalchemy import text
from sqlalchemy.pool import PoolProxiedConnection

from tests.support.round_trips import checkouts

LOCK = 4242


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's write connections")
    database = Database(db_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def admin(db_url: str) -> AsyncIterator[Any]:
    conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        yield conn
    finally:
        await conn.close()


async def _write(db: Database, sql: str = "SELECT 1") -> PoolProxiedConnection:
    async with db.pooled_driver() as fairy:
        driver: Any = fairy.driver_connection
        await driver.execute("BEGIN")
        await driver.execute(sql)
        await driver.execute("COMMIT")
    return fairy


def _pid(fairy: PoolProxiedConnection) -> int:
    driver: Any = fairy.driver_connection
    return int(driver.get_server_pid())


async def test_a_write_connection_is_kept_between_writes(db: Database) -> None:
    first = await _write(db)
    with checkouts(db) as seen:
        again = await _write(db)
    assert again is first and seen == []
    assert db._pg_writers_idle == [first] and db._pg_writers == 1
    await db.dispose()
    assert db._pg_writers_idle == [] and db._pg_writers == 0


async def test_kept_write_connections_leave_most_of_a_small_pool_free(db_url: str) -> None:
    """A handle keeps at most half its pool's base size of write connections: with a pool of 1
    (2 connections with the overflow) none, so the pool's other users are never starved; with 4,
    two however many writes ran at once."""
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's write connections")
    tiny = Database(db_url, pool_size=1)
    small = Database(db_url, pool_size=4)
    try:
        await _write(tiny)
        assert tiny._pg_writers_idle == [] and tiny.engine.sync_engine.pool.checkedout() == 0
        async with tiny.write() as first, tiny.write() as second:  # the pool's two connections
            await first.execute(text("SELECT 1"))
            await second.execute(text("SELECT 1"))
        await asyncio.gather(*(_write(small) for _ in range(3)))
        assert len(small._pg_writers_idle) == 2
        assert small.engine.sync_engine.pool.checkedout() == 2
    finally:
        await tiny.dispose()
        await small.dispose()


async def test_a_failed_write_is_rolled_back_and_its_connection_kept(db: Database) -> None:
    kept = await _write(db)
    with pytest.raises(asyncpg.DivisionByZeroError):
        await _write(db, "SELECT 1 / 0")
    driver: Any = kept.driver_connection
    assert db._pg_writers_idle == [kept] and not driver.is_in_transaction()
    assert await _write(db) is kept


async def test_a_write_cancelled_while_it_waits_for_a_lock_leaves_no_transaction(
    db: Database, admin: Any
) -> None:
    """``BEGIN`` and the lock go in one message: cancelled while it waits, the connection has not
    yet heard that a transaction began (the server says so only when the message is done), and
    yet one did. It is rolled back (once the cancel is settled) before anyone uses it again."""
    kept = await _write(db)
    await admin.execute("SELECT pg_advisory_lock($1)", LOCK)

    async def locking() -> None:
        async with db.pooled_driver() as fairy:
            driver: Any = fairy.driver_connection
            await driver.execute(f"BEGIN; SELECT pg_advisory_xact_lock({LOCK})")

    task = asyncio.create_task(locking())
    waiting = "SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT granted"
    while not await admin.fetchval(waiting, _pid(kept)):  # noqa: ASYNC110 - the server's word
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await admin.execute("SELECT pg_advisory_unlock($1)", LOCK)
    driver: Any = kept.driver_connection
    assert db._pg_writers_idle == [kept] and not driver.is_in_transaction()
    assert await _write(db, f"SELECT pg_advisory_xact_lock({LOCK})") is kept
    held = "SELECT count(*) FROM pg_locks WHERE pid = $1 AND locktype = 'advisory'"
    assert not await admin.fetchval(held, _pid(kept))


async def test_a_kept_connection_the_server_closed_is_replaced_before_use(
    db: Database, admin: Any
) -> None:
    kept = await _write(db)
    driver: Any = kept.driver_connection
    await admin.execute("SELECT pg_terminate_backend($1)", _pid(kept))
    while not driver.is_closed():  # noqa: ASYNC110 - asyncpg reads the end of the stream
        await asyncio.sleep(0)
    replaced = await _write(db)
    assert replaced is not kept and not kept.is_valid
    assert db._pg_writers_idle == [replaced] and db._pg_writers == 1


async def test_a_connection_lost_mid_transaction_is_invalidated(db: Database, admin: Any) -> None:
    kept = await _write(db)
    with pytest.raises(asyncpg.InterfaceError):
        async with db.pooled_driver() as fairy:
            driver: Any = fairy.driver_connection
            await driver.execute("BEGIN")
            await admin.execute("SELECT pg_terminate_backend($1)", _pid(fairy))
            while not driver.is_closed():  # noqa: ASYNC110 - asyncpg reads the end of the stream
                await asyncio.sleep(0)
            await driver.execute("SELECT 1")
    assert fairy is kept and not kept.is_valid
    assert db._pg_writers_idle == [] and db._pg_writers == 0
    assert await _write(db) is not kept


async def test_more_concurrent_writes_than_kept_connections_use_the_pool(db: Database) -> None:
    many = storage_db._PG_WRITERS + 4
    started = 0
    everyone_in = asyncio.Event()

    async def write() -> None:
        nonlocal started
        async with db.pooled_driver() as fairy:
            started += 1
            if started == many:
                everyone_in.set()
            await everyone_in.wait()  # every write holds its connection at once
            driver: Any = fairy.driver_connection
            await driver.execute("SELECT 1")

    with checkouts(db) as seen:
        await asyncio.gather(*(write() for _ in range(many)))
    assert len(seen) == many  # the kept ones were checked out once, the rest for their write
    assert len(db._pg_writers_idle) == db._pg_writers == storage_db._PG_WRITERS
    with checkouts(db) as seen:
        await asyncio.gather(*(write() for _ in range(2)))
    assert seen == []
