"""What the write of a one-host booking costs the database, counted: the statements of its write
transaction, and on SQLite the hand-offs between threads (``bookings/write.py``).

- SQLite: the whole transaction (``BEGIN IMMEDIATE`` … ``COMMIT``) is one call of the writer,
  whatever it runs: the re-check's read and one ``INSERT`` per table; on the event loop's thread,
  or on the writer's own thread while another connection holds the write lock.
- PostgreSQL: the host's lock (sent with ``BEGIN``), the re-check's read, the host row, the
  booking and its outbox rows in one statement, then ``COMMIT``: four round trips, on an asyncpg
  connection the database handle keeps for such writes (no SQLAlchemy execution, no checkout).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event

from tests.support.bookings import TUESDAY_9, Book


@contextmanager
def statements_of(app: FastAPI) -> Iterator[list[str]]:
    """The statements the block runs (the first words of each), but the rate limit's."""
    seen: list[str] = []
    engine = app.state.astrocal.db.engine.sync_engine

    def record(*args: Any) -> None:
        sql = " ".join(str(args[2]).split())
        if "rate_limit_counters" not in sql:
            seen.append(sql)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _head(sql: str) -> str:
    return " ".join(sql.split()[:3])


async def test_a_one_host_booking_is_written_in_one_short_transaction(
    app: FastAPI, book: Book, event_type: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = app.state.astrocal.db
    assert (await book(event_type["id"], TUESDAY_9)).status_code == 201  # warm the caches
    runs = 0
    if db.dialect == "sqlite":
        writer = db.sqlite_writer
        assert writer is not None
        real = writer.run

        async def counted(transaction: Any) -> Any:
            nonlocal runs
            runs += 1
            return await real(transaction)

        monkeypatch.setattr(writer, "run", counted)
    with statements_of(app) as statements:
        created = await book(event_type["id"], TUESDAY_9.replace(hour=11))
    assert created.status_code == 201, created.text
    written = [_head(s) for s in statements if not s.startswith("SELECT event_types")]
    if db.dialect == "sqlite":
        assert runs == 1
        assert written == [
            "BEGIN IMMEDIATE",
            "SELECT booking_hosts.host_id, booking_hosts.booking_id",
            "INSERT INTO booking_hosts",
            "INSERT INTO bookings",
            "INSERT INTO outbox",
        ]
    else:
        assert written == [
            "SELECT pg_advisory_xact_lock($1)",
            "SELECT booking_hosts.host_id, booking_hosts.booking_id",
            "WITH new_0 AS",
        ]
        inserted = " ".join(statements[-1].split())
        assert inserted.startswith("WITH new_0 AS (INSERT INTO booking_hosts ")
        assert "new_1 AS (INSERT INTO bookings " in inserted
        assert " INSERT INTO outbox " in inserted


async def test_the_write_runs_on_the_driver_without_sqlalchemy_execution_or_a_checkout_on_sqlite(
    app: FastAPI, book: Book, event_type: dict[str, Any]
) -> None:
    """The write's statements run on the driver's own connection (compiled once): none goes
    through SQLAlchemy's execution (``before_execute`` fires for each one that does, and cost
    more CPU than a PostgreSQL round trip each). On SQLite the writer thread's transactions are
    reported on one kept connection, so a booking checks nothing out of the pool; on PostgreSQL
    its write runs on a pooled connection the database handle keeps checked out between writes
    (``Database.pooled_driver``), so it checks nothing out either, and no SQLAlchemy
    ``Connection`` is made around it."""
    db = app.state.astrocal.db
    assert (await book(event_type["id"], TUESDAY_9)).status_code == 201  # warm the caches
    executed: list[str] = []
    checkouts: list[object] = []
    engine = db.engine.sync_engine

    def on_execute(_conn: Any, clauseelement: Any, *_args: Any) -> None:
        executed.append(str(clauseelement))

    def on_checkout(*_args: Any) -> None:
        checkouts.append(_args)

    def on_connect(*_args: Any) -> None:
        connections.append(_args)

    connections: list[object] = []
    event.listen(engine, "before_execute", on_execute)
    event.listen(engine, "engine_connect", on_connect)
    event.listen(engine.pool, "checkout", on_checkout)
    try:
        created = await book(event_type["id"], TUESDAY_9.replace(hour=11))
    finally:
        event.remove(engine, "before_execute", on_execute)
        event.remove(engine, "engine_connect", on_connect)
        event.remove(engine.pool, "checkout", on_checkout)
    assert created.status_code == 201, created.text
    assert [s for s in executed if "rate_limit_counters" not in s] == []
    assert checkouts == []
    # No SQLAlchemy Connection is made for it either (nothing here listens for statements).
    assert connections == []


async def test_on_sqlite_the_write_waits_on_the_writer_thread_only_while_another_holds_the_lock(
    app: FastAPI, book: Book, event_type: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A free database: the transaction runs on the event loop's thread (no hand-off). Another
    connection holding the write lock: ``BEGIN IMMEDIATE`` is refused at once, and the whole
    transaction runs on the writer's thread, which waits for the lock."""
    db = app.state.astrocal.db
    if db.dialect != "sqlite":
        pytest.skip("SQLite's writer")
    writer = db.sqlite_writer
    assert writer is not None
    assert (await book(event_type["id"], TUESDAY_9)).status_code == 201  # warm the caches
    waited: list[str] = []
    holder = sqlite3.connect(writer._path, isolation_level=None, check_same_thread=False)
    real = writer._begun

    def on_thread(transaction: Any) -> Any:
        waited.append(threading.current_thread().name)
        holder.rollback()  # the other writer lets go: the thread's BEGIN gets the lock
        return real(transaction)

    monkeypatch.setattr(writer, "_begun", on_thread)
    created = await book(event_type["id"], TUESDAY_9.replace(hour=11))
    assert created.status_code == 201, created.text
    assert waited == []
    holder.execute("BEGIN IMMEDIATE")
    try:
        created = await book(event_type["id"], TUESDAY_9.replace(hour=12))
    finally:
        holder.close()
    assert created.status_code == 201, created.text
    assert len(waited) == 1 and waited[0].startswith("astrocal-sqlite-writer")


async def test_the_created_booking_is_serialised_once_and_answered_as_retrieved(
    app: FastAPI,
    client: Any,
    auth_headers: dict[str, str],
    book: Book,
    event_type: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A one-host booking's API object is built once, for its outbox rows; the response is that
    object with the real links (the same keys, in the same order, as retrieving it answers)."""
    from astrocal_server.api import bookings as api_bookings
    from astrocal_server.bookings import write

    assert (await book(event_type["id"], TUESDAY_9)).status_code == 201  # warm the caches
    built: list[str] = []
    for module in (write, api_bookings):
        real = module.booking_to_api

        def counted(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            built.append("booking_to_api")
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, "booking_to_api", counted)
    created = await book(event_type["id"], TUESDAY_9.replace(hour=11))
    assert created.status_code == 201, created.text
    assert built == ["booking_to_api"]
    retrieved = await client.get(f"/v1/bookings/{created.json()['id']}", headers=auth_headers)
    assert list(created.json().items()) == list(retrieved.json().items())


async def test_on_postgresql_the_write_is_four_round_trips(
    app: FastAPI, book: Book, event_type: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``BEGIN`` goes with the host's advisory lock (one simple-protocol message), then the read,
    the host row with the booking and its outbox rows, ``COMMIT``."""
    if app.state.astrocal.db.dialect != "postgresql":
        pytest.skip("PostgreSQL's round trips")
    import asyncpg

    assert (await book(event_type["id"], TUESDAY_9)).status_code == 201  # warm the caches
    trips: list[str] = []
    for name in ("execute", "fetch", "executemany"):
        real = getattr(asyncpg.Connection, name)

        async def counted(self: Any, query: str, *args: Any, _real: Any = real, **kw: Any) -> Any:
            trips.append(" ".join(query.split()[:4]))
            return await _real(self, query, *args, **kw)

        monkeypatch.setattr(asyncpg.Connection, name, counted)
    created = await book(event_type["id"], TUESDAY_9.replace(hour=11))
    assert created.status_code == 201, created.text
    written = [t for t in trips if "rate_limit_counters" not in t and "event_types" not in t]
    assert len(written) == 4, written
    assert written[0].startswith("BEGIN; SELECT pg_advisory_xact_lock(")
    assert written[2].startswith("WITH new_0 AS (INSERT")
    assert written[-1] == "COMMIT"


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_the_write_stores_the_same_json_documents_compactly(database: str) -> None:
    """The write's JSON parameters (payloads, the booking's answers, guests…) are written by the
    API's encoder, compact: the same documents as SQLAlchemy's serialiser writes (PostgreSQL's
    ``jsonb`` keeps the value, not the text); None is still JSON ``null``, and what the encoder
    refuses (a lone surrogate) is written by SQLAlchemy's serialiser."""
    import json

    from astrocal_server.bookings import write
    from astrocal_server.storage.models import OutboxMessage
    from astrocal_server.storage.rows import plan_of
    from sqlalchemy import insert
    from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg
    from sqlalchemy.dialects.sqlite import aiosqlite

    dialect = pg_asyncpg.dialect() if database == "postgresql" else aiosqlite.dialect()
    outbox = OutboxMessage.__table__
    row = {column.key: None for column in outbox.columns}
    plan = plan_of(insert(outbox), dialect, tuple(row))
    (process,) = [proc for name, _literal, proc in write._binds(plan, dialect) if name == "payload"]
    assert process is not None
    sqlalchemy_json = outbox.c.payload.type.dialect_impl(dialect).bind_processor(dialect)
    payload = {"booking": {"name": "Zoë", "guests": ["a@b.c"], "n": 2.5, "none": None}}
    assert process(payload) == '{"booking":{"name":"Zoë","guests":["a@b.c"],"n":2.5,"none":null}}'
    assert json.loads(process(payload)) == json.loads(sqlalchemy_json(payload))
    assert process(None) == sqlalchemy_json(None) == "null"
    assert process({"bad": "\ud800"}) == sqlalchemy_json({"bad": "\ud800"})
    if database == "postgresql":  # the one INSERT's arguments take the same processors
        inserted, args = write._one_insert(
            write.Inserts([(outbox, [{**row, "payload": payload}, {**row, "id": "ob_y"}])]),
            dialect,
        )
        names = [name for name, _literal, _proc in inserted.binds]
        assert args[names.index("outbox_0_payload")] == process(payload)
        assert args[names.index("outbox_1_payload")] == "null"
