"""One day of availability for one host, its inputs cached, is one statement and takes no pooled
connection (``Database.fetch_all``: SQLite's own read connection, PostgreSQL's kept ones), and
every booking committed before the request shows in it.

The account's default schedule is Mon–Fri 09:00–17:00 Europe/Berlin and the clock stands at
Monday 2026-04-13 08:00 UTC: Wednesday 2026-04-15 has 16 half-hour slots from 07:00 UTC.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from tests.support.availability import starts_on
from tests.support.bookings import Book

H = dict[str, str]


async def test_one_day_is_one_statement_and_sees_every_booking(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, book: Book
) -> None:
    body = {"title": "Intro call", "slug": "intro", "duration_minutes": 30}
    r = await client.post("/v1/event_types", headers=auth_headers, json=body)
    assert r.status_code == 201, r.text
    evt = r.json()["id"]
    assert len(await starts_on(client, auth_headers, evt)) == 16  # the inputs are now cached
    db = app.state.astrocal.db
    checkouts: list[Any] = []

    def checkout(*_: Any) -> None:
        checkouts.append(1)

    event.listen(db.engine.sync_engine.pool, "checkout", checkout)
    try:
        starts = await starts_on(client, auth_headers, evt)
    finally:
        event.remove(db.engine.sync_engine.pool, "checkout", checkout)
    assert len(starts) == 16
    # The key is known (no lookup): what is left is the occupants' one statement, on the
    # process's own read connection (SQLite) or one kept for fetch_all (PostgreSQL).
    assert checkouts == []
    for start in ("2026-04-15T07:00:00Z", "2026-04-15T12:30:00Z"):
        r = await book(evt, start)
        assert r.status_code == 201, r.text
        starts, before = await starts_on(client, auth_headers, evt), starts
        assert starts == [s for s in before if s != start]
