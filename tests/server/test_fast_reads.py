"""``Database.fetch_all`` (``storage/db.py``): one read statement on the cheapest path — SQLite
on this process's own read connection, on the loop's thread; PostgreSQL through asyncpg's statement
cache — with the same rows as the ordinary path, the last commit always seen, a fall-back to the
ordinary path whenever the cheap one cannot answer, and statement listeners honoured. On
PostgreSQL, a pooled connection the server has closed (a restart, ``pg_terminate_backend``) is
noticed at checkout without a ping, and the pool is replaced."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from astrocal_server.storage.db import Database
from astrocal_server.storage.migrate import migrate
from astrocal_server.storage.models import Account
from astrocal_server.storage.rows import labelled
from sqlalchemy import bindparam, event, select, text, update
from sqlalchemy import exc as sa_exc

from tests.support.round_trips import checkouts

NOW = datetime(2026, 4, 13, 8, 0, tzinfo=UTC)
ACCOUNT = select(*labelled(Account, "a")).where(Account.id == bindparam("account_id"))


async def _database(db_url: str, account_id: str) -> Database:
    """The database with the account ``account_id`` (tests share the database)."""
    await migrate(db_url)
    db = Database(db_url)
    async with db.write() as session:
        session.add(
            Account(
                id=account_id, name="Before", email=None, time_zone="UTC", plan="free",
                created_at=NOW,
            )
        )  # fmt: skip
    return db


async def test_fetch_all_answers_as_the_ordinary_path_and_sees_every_commit(db_url: str) -> None:
    db = await _database(db_url, "acct_fast1")
    try:
        with checkouts(db) as seen:
            fast = await db.fetch_all(ACCOUNT, {"account_id": "acct_fast1"})
            # SQLite reads on its own connection (no pooled one); PostgreSQL made its reader
            # through the pool once, and keeps it.
            assert len(seen) == (0 if db.dialect == "sqlite" else 1)
            assert await db.fetch_all(ACCOUNT, {"account_id": "acct_fast1"}) == fast
            assert len(seen) == (0 if db.dialect == "sqlite" else 1)
        async with db.connect_read() as conn:
            slow = [
                dict(r)
                for r in (await conn.execute(ACCOUNT, {"account_id": "acct_fast1"})).mappings()
            ]
        assert fast == slow and len(fast) == 1
        assert fast[0]["a_created_at"] == NOW and fast[0]["a_created_at"].tzinfo is not None
        assert await db.fetch_all(ACCOUNT, {"account_id": "acct_none"}) == []
        for name in ("After", "Again"):  # nothing read before is kept: each commit shows at once
            async with db.write() as session:
                await session.execute(
                    update(Account).where(Account.id == "acct_fast1").values(name=name)
                )
            rows = await db.fetch_all(ACCOUNT, {"account_id": "acct_fast1"})
            assert rows[0]["a_name"] == name
    finally:
        await db.dispose()


async def test_statement_listeners_see_fetch_all(db_url: str) -> None:
    """Fault injection (tests/support/outage.py) and tracing hook the engine's statements: while a
    listener is registered, fetch_all takes the ordinary path, so they see it. (On SQLite that
    path, ``storage.rows.fetch_all``, has always run its statement on the driver directly.)"""
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's ordinary path runs through the engine")
    db = await _database(db_url, "acct_fast2")
    try:

        def refuse(*_: Any) -> None:
            raise sa_exc.OperationalError(
                "<any>", {}, sqlite3.OperationalError("database is locked")
            )

        event.listen(db.engine.sync_engine, "before_cursor_execute", refuse)
        try:
            with pytest.raises(sa_exc.OperationalError):
                await db.fetch_all(ACCOUNT, {"account_id": "acct_fast2"})
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", refuse)
        assert len(await db.fetch_all(ACCOUNT, {"account_id": "acct_fast2"})) == 1
    finally:
        await db.dispose()


async def test_a_listener_after_statements_alone_leaves_reads_on_the_cheap_path(
    db_url: str,
) -> None:
    """The relay's commit watcher listens after every statement (for the tables written) in every
    process that relays; a read tells it nothing, so it must not send reads the slow way."""
    db = await _database(db_url, "acct_fast_watch")

    def watch(*_: Any) -> None:
        return None

    try:
        # PostgreSQL: its reader is made now, through the pool.
        await db.fetch_all(ACCOUNT, {"account_id": "acct_fast_watch"})
        event.listen(db.engine.sync_engine, "after_cursor_execute", watch)
        try:
            with checkouts(db) as seen:
                assert len(await db.fetch_all(ACCOUNT, {"account_id": "acct_fast_watch"})) == 1
            assert seen == []
        finally:
            event.remove(db.engine.sync_engine, "after_cursor_execute", watch)
    finally:
        await db.dispose()


async def test_a_failing_sqlite_read_connection_falls_back_and_is_replaced(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's own read connection")
    db = await _database(db_url, "acct_fast3")
    try:
        assert len(await db.fetch_all(ACCOUNT, {"account_id": "acct_fast3"})) == 1
        broken = db._reader
        assert broken is not None
        broken.close()  # every statement on it now fails
        with checkouts(db) as seen:
            assert len(await db.fetch_all(ACCOUNT, {"account_id": "acct_fast3"})) == 1
        assert len(seen) == 1  # answered by the ordinary path
        with checkouts(db) as seen:
            assert len(await db.fetch_all(ACCOUNT, {"account_id": "acct_fast3"})) == 1
        assert seen == [] and db._reader is not None and db._reader is not broken
    finally:
        await db.dispose()


async def test_connections_the_server_closed_are_noticed_without_a_ping(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's pool")
    db = await _database(db_url, "acct_fast4")
    admin = await asyncpg.connect(db_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        # Three pooled connections, each used by a read that held it.
        drivers: list[Any] = []
        pids: list[int] = []

        async def hold() -> None:
            async with db.connect_read() as conn:
                pids.append(int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()))
                raw = await conn.get_raw_connection()
                drivers.append(raw.driver_connection)
                await asyncio.sleep(0)

        await asyncio.gather(hold(), hold(), hold())
        assert len(set(pids)) == 3
        assert len(await db.fetch_all(ACCOUNT, {"account_id": "acct_fast4"})) == 1
        readers = list(db._pg_idle)  # fetch_all's own connection
        assert len(readers) == 1
        # Every other backend of the database goes, as in a restart.
        everyone = "datname = current_database() AND pid <> pg_backend_pid()"
        await admin.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {everyone}"
        )
        # The backends are gone once the server lists them no more; their sockets then end,
        # which asyncpg reads as soon as the loop runs again.
        while await admin.fetchval(f"SELECT count(*) FROM pg_stat_activity WHERE {everyone}"):
            pass
        while not all(d.is_closed() for d in [*drivers, *readers]):  # noqa: ASYNC110 - a yield
            await asyncio.sleep(0)
        # Every read after the restart answers: fetch_all's reader was replaced, and the pool
        # at checkout.
        with checkouts(db) as seen:
            assert len(await db.fetch_all(ACCOUNT, {"account_id": "acct_fast4"})) == 1
        assert len(seen) == 1 and len(db._pg_idle) == 1 and db._pg_idle[0] not in readers
        for _ in range(4):
            async with db.connect_read() as conn:
                assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
        async with db.write() as session:
            await session.execute(
                update(Account).where(Account.id == "acct_fast4").values(name="W")
            )
        assert (await db.fetch_all(ACCOUNT, {"account_id": "acct_fast4"}))[0]["a_name"] == "W"
    finally:
        await admin.close()
        await db.dispose()


async def test_more_concurrent_reads_than_kept_connections_use_the_pool(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's kept connections")
    db = await _database(db_url, "acct_fast5")
    try:
        found = await asyncio.gather(
            *(db.fetch_all(ACCOUNT, {"account_id": "acct_fast5"}) for _ in range(10))
        )
        assert all(len(rows) == 1 for rows in found)
        assert 1 <= len(db._pg_idle) == db._pg_readers <= 4
    finally:
        await db.dispose()
    assert db._pg_idle == [] and db._pg_readers == 0
