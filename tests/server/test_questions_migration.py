"""Migration 0006 on SQLite and PostgreSQL: a downgrade to 0005 drops ``event_types.questions`` and
``bookings.answers`` and keeps the rows; upgrading again gives every existing event type and booking
an empty list, after which the API serves them as before (no questions, no answers) and the schema
matches the models (tests/server/test_migrations.py checks the fresh one)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import sqlalchemy as sa
from astrocal_server.storage.db import Database
from astrocal_server.storage.migrate import downgrade, migrate

from tests.support.bookings import TUESDAY_9, Book, MakeEventType

H = dict[str, str]


async def _columns(db_url: str, table: str) -> set[str]:
    db = Database(db_url)
    try:
        async with db.engine.connect() as conn:

            def names(sync_conn: Any) -> set[str]:
                return {c["name"] for c in sa.inspect(sync_conn).get_columns(table)}

            return await conn.run_sync(names)
    finally:
        await db.dispose()


async def _values(db_url: str, sql: str) -> list[Any]:
    db = Database(db_url)
    try:
        async with db.engine.connect() as conn:
            return list((await conn.execute(sa.text(sql))).scalars().all())
    finally:
        await db.dispose()


async def test_down_and_up_again_keeps_the_rows(
    db_url: str,
    client: httpx.AsyncClient,
    auth_headers: H,
    make_event_type: MakeEventType,
    book: Book,
) -> None:
    asked = [{"key": "company", "label": "Company", "type": "short_text", "required": True}]
    evt = await make_event_type(questions=asked)
    booking = (await book(evt["id"], TUESDAY_9, answers={"company": "Acme"})).json()
    assert booking["answers"][0]["value"] == "Acme"

    await downgrade(db_url, "0005")
    assert "questions" not in await _columns(db_url, "event_types")
    assert "answers" not in await _columns(db_url, "bookings")
    assert await _values(db_url, "SELECT id FROM bookings") == [booking["id"]]

    await migrate(db_url)
    assert "questions" in await _columns(db_url, "event_types")
    found = await _values(db_url, f"SELECT questions FROM event_types WHERE id = '{evt['id']}'")
    # PostgreSQL's JSONB comes back decoded, SQLite's JSON as its text.
    assert [v if isinstance(v, list) else json.loads(v) for v in found] == [[]]
    got = await client.get(f"/v1/bookings/{booking['id']}", headers=auth_headers)
    assert got.status_code == 200, got.text
    assert "answers" not in got.json()
    shown = await client.get(f"/v1/event_types/{evt['id']}", headers=auth_headers)
    assert shown.json()["questions"] == []
