"""Migration 0002 numbers the rows an older database already holds: each booking's outbox rows by
``(created_at, id)`` (the relay's order before), and deliveries take their outbox row's numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from astrocal_server.storage.db import Database
from astrocal_server.storage.migrate import migrate
from astrocal_server.storage.models import Account, OutboxMessage, WebhookDelivery, WebhookEndpoint
from sqlalchemy import insert, select

T0 = datetime(2026, 4, 13, 8, 0, tzinfo=UTC)


def outbox_row(row_id: str, booking_id: str | None, created_at: datetime) -> dict[str, Any]:
    return {
        "id": row_id,
        "account_id": "acct_1",
        "livemode": False,
        "kind": "webhook",
        "topic": "booking.updated",
        "booking_id": booking_id,
        "payload": {},
        "created_at": created_at,
        "available_at": created_at,
        "attempts": 0,
    }


async def test_existing_rows_are_numbered_in_the_order_the_relay_used(db_url: str) -> None:
    """``db_url`` is a new database for this module (nothing else here migrates it)."""
    await migrate(db_url, "0001")
    # Only the columns 0001 has: the new ones are not named, so not written.
    rows = [
        outbox_row("ob_c", "bk_a", T0 + timedelta(seconds=2)),
        outbox_row("ob_b", "bk_a", T0),
        outbox_row("ob_a", "bk_a", T0 + timedelta(seconds=1)),
        outbox_row("ob_z", "bk_a", T0),  # same time as ob_b: the id decides
        outbox_row("ob_y", "bk_b", T0),
        outbox_row("ob_x", None, T0),
    ]
    db = Database(db_url)
    try:
        async with db.write() as session:
            await session.execute(
                insert(Account),
                [{"id": "acct_1", "name": "A", "time_zone": "UTC", "plan": "p", "created_at": T0}],
            )
            await session.execute(
                insert(WebhookEndpoint),
                [
                    {
                        "id": "wh_1",
                        "account_id": "acct_1",
                        "livemode": False,
                        "url": "https://example.com/hook",
                        "events": [],
                        "enabled": True,
                        "secret_enc": "x",
                        "created_at": T0,
                        "updated_at": T0,
                    }
                ],
            )
            await session.execute(insert(OutboxMessage), rows)
            await session.execute(
                insert(WebhookDelivery),
                [
                    {
                        "id": f"whd_{event}",
                        "endpoint_id": "wh_1",
                        "account_id": "acct_1",
                        "event_id": f"whe_{event}",
                        "event_type": "booking.updated",
                        "payload": {},
                        "status": "pending",
                        "attempt_count": 0,
                        "created_at": T0,
                        "updated_at": T0,
                    }
                    for event in ("a", "x", "gone")
                ],
            )
    finally:
        await db.dispose()

    await migrate(db_url)
    db = Database(db_url)
    try:
        async with db.read() as session:
            numbered = dict(
                (await session.execute(select(OutboxMessage.id, OutboxMessage.booking_seq))).all()
            )
            deliveries = {
                d.id: (d.booking_id, d.booking_seq)
                for d in (await session.scalars(select(WebhookDelivery))).all()
            }
    finally:
        await db.dispose()
    assert numbered == {"ob_b": 1, "ob_z": 2, "ob_a": 3, "ob_c": 4, "ob_y": 1, "ob_x": None}
    assert deliveries == {
        "whd_a": ("bk_a", 3),
        "whd_x": (None, None),  # an event without a booking
        "whd_gone": (None, None),  # its outbox row is gone: not ordered, as before
    }
