"""The relay in ``astrocal serve`` is woken by the commits of writers that run their statements
on the driver itself (the booking write, ``bookings/write.py``) without those statements being
replayed to SQLAlchemy's listeners, as long as the relay's are the only ones
(``storage.db.watch_commits``); any other listener (tracing, a test's counter) still sees every
statement, and the relay is woken all the same."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from astrocal_server.outbox import relay as relay_module
from astrocal_server.outbox.relay import RelayLoop
from fastapi import FastAPI
from sqlalchemy import event

from tests.support.bookings import TUESDAY_9, Book


class Source:
    """A source that never claims anything (the test only watches what wakes it)."""

    def __init__(self, wakes_on: frozenset[str]) -> None:
        self.wakes_on = wakes_on

    async def claim(self, limit: int) -> list[Any]:
        return []

    async def process(self, item: Any) -> None:
        return None


@pytest.mark.parametrize("listened", [False, True], ids=["relay-only", "also-listened"])
async def test_a_booking_write_wakes_the_relay_with_or_without_replaying_its_statements(
    app: FastAPI,
    book: Book,
    event_type: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    listened: bool,
) -> None:
    state = app.state.astrocal
    assert (await book(event_type["id"], TUESDAY_9)).status_code == 201  # warm the caches
    outbox, deliveries = Source(frozenset({"outbox"})), Source(frozenset({"webhook_deliveries"}))
    loop = RelayLoop(state, owner="wake", sources=[outbox, deliveries])
    replayed: list[str] = []
    real = relay_module._table_written

    def counted(sql: str, context: Any) -> Any:
        replayed.append(sql)
        return real(sql, context)

    monkeypatch.setattr(relay_module, "_table_written", counted)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    engine = state.db.engine.sync_engine
    unhook = loop.wake_on_commits(state.db)
    handed: list[Any] = []  # wake-ups handed to the loop through its self-pipe (a system call)
    running = asyncio.get_running_loop()
    threadsafe = running.call_soon_threadsafe

    def counted(*args: Any, **kwargs: Any) -> Any:
        handed.append(args)
        return threadsafe(*args, **kwargs)

    monkeypatch.setattr(running, "call_soon_threadsafe", counted)
    if listened:
        event.listen(engine, "after_cursor_execute", record)
    try:
        created = await book(event_type["id"], TUESDAY_9.replace(hour=11))
    finally:
        if listened:
            event.remove(engine, "after_cursor_execute", record)
        unhook()
    assert created.status_code == 201, created.text
    for _ in range(3):  # the sources woken run
        await asyncio.sleep(0)
    woken = [wake.is_set() for wake in loop._wakes]
    assert woken == [True, False]  # the outbox's relay, not the delivery retries
    assert [a for a in handed if a and getattr(a[0], "__name__", "") == "_set_all"] == []
    inserts = [sql for sql in replayed if sql.lstrip().upper().startswith(("INSERT", "WITH"))]
    if listened:
        assert any("outbox" in sql for sql in seen)  # the other listener sees every statement
        assert inserts  # and the relay's listeners see them too
    else:
        assert inserts == []  # nothing replayed to the relay's listeners: its hook was told
