"""The Database helper: writes commit or roll back as a whole, and concurrent writers on SQLite
never see "database is locked"."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from astrocal_server.storage.db import Database
from astrocal_server.storage.migrate import migrate
from astrocal_server.storage.models import Account
from sqlalchemy import func, select

NOW = datetime(2026, 4, 13, 8, 0, tzinfo=UTC)


def _account(i: int) -> Account:
    return Account(
        id=f"acct_db{i}", name=f"A{i}", email=None, time_zone="UTC", plan="free", created_at=NOW
    )


async def _count(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Account)) or 0)


async def test_write_commits_or_rolls_back(db_url: str) -> None:
    await migrate(db_url)
    db = Database(db_url)
    try:
        before = await _count(db)
        async with db.write() as session:
            session.add(_account(1000 + before))
        assert await _count(db) == before + 1
        with pytest.raises(RuntimeError):
            async with db.write() as session:
                session.add(_account(2000 + before))
                await session.flush()
                raise RuntimeError("half-done")
        assert await _count(db) == before + 1
        await db.ping()
    finally:
        await db.dispose()


async def test_many_concurrent_writers(db_url: str) -> None:
    await migrate(db_url)
    dbs = [Database(db_url), Database(db_url)]  # two engines, like two processes sharing the file
    try:
        before = await _count(dbs[0])

        async def write(i: int) -> None:
            async with dbs[i % 2].write() as session:
                existing = await session.scalar(select(func.count()).select_from(Account))
                session.add(_account(3000 + i + int(existing or 0) * 0))

        await asyncio.gather(*(write(i) for i in range(40)))
        assert await _count(dbs[0]) == before + 40
    finally:
        for db in dbs:
            await db.dispose()


async def test_fast_reads_match_the_orm(db_url: str) -> None:
    from astrocal_server.storage.models import ApiKey
    from astrocal_server.storage.rows import fetch_all, instance, labelled
    from sqlalchemy import bindparam

    await migrate(db_url)
    db = Database(db_url)
    try:
        async with db.write() as session:
            session.add(_account(9000))
            session.add(
                ApiKey(
                    id="key_fast1",
                    account_id="acct_db9000",
                    name="k",
                    mode="test",
                    prefix="sk_test_abcd",
                    secret_hash="f" * 64,
                    created_at=NOW,
                    last_used_at=None,
                    revoked_at=None,
                )
            )
        stmt = (
            select(*labelled(ApiKey, "k"), *labelled(Account, "a"))
            .join_from(ApiKey, Account, Account.id == ApiKey.account_id)
            .where(ApiKey.id == bindparam("key_id"), ApiKey.mode != "live")
        )
        async with db.connect_read() as conn:
            fast = await fetch_all(conn, stmt, {"key_id": "key_fast1"})
            slow = [dict(r) for r in (await conn.execute(stmt, {"key_id": "key_fast1"})).mappings()]
            none = await fetch_all(conn, stmt, {"key_id": "key_missing"})
        assert fast == slow and len(fast) == 1 and none == []
        key = instance(ApiKey, fast[0], "k")
        assert (
            key.created_at == NOW and key.created_at.tzinfo is not None and key.revoked_at is None
        )
        assert instance(Account, fast[0], "a").id == "acct_db9000"
    finally:
        await db.dispose()


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(db_url: str) -> None:
    """Reads go back to the pool without a rollback (``storage/db.py``); a connection let go in
    the middle of a transaction is still rolled back, so its row is gone and, on SQLite, the
    write lock is free for the next writer."""
    await migrate(db_url)
    db = Database(db_url)
    try:
        before = await _count(db)
        conn = await db.engine.connect()
        await conn.exec_driver_sql(
            "INSERT INTO accounts (id, name, time_zone, plan, created_at) "
            "VALUES ('acct_dbleft', 'Left', 'UTC', 'free', '2026-04-13 08:00:00')"
        )
        await conn.close()  # no commit, no rollback
        async with db.write() as session:  # would wait on a held write lock
            session.add(_account(3000 + before))
        assert await _count(db) == before + 1
    finally:
        await db.dispose()
