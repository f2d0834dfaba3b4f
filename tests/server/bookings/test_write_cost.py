"""What the write of a one-host booking costs the database, counted: the statements of its write
transaction, and on SQLite the hand-offs between threads (``bookings/write.py``).

- SQLite: the whole transaction (``BEGIN IMMEDIATE`` … ``COMMIT``) is one call on the writer's
  thread, whatever it runs: the re-check's read and one ``INSERT`` per table.
- PostgreSQL: the host's lock, the re-check's read, the host row, then the booking and its outbox
  rows in one statement — four round trips between ``BEGIN`` and ``COMMIT``.
"""

from __future__ import annotations

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
            "INSERT INTO booking_hosts",
            "WITH new_0 AS",
        ]
