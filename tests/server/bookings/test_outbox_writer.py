"""The outbox writer: rows follow the payload contract and live or die with the caller's transaction."""

from __future__ import annotations

from typing import Any

import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.ids import new_id
from astrocal_server.outbox.writer import enqueue_booking_change
from astrocal_server.storage.models import EventType, Host, OutboxMessage
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.clocks import NOW
from tests.support.hosts import default_host


def _event_type(account: NewAccount, *, destination: bool) -> EventType:
    return EventType(
        id=new_id("evt"),
        account_id=account.account.id,
        livemode=True,
        title="Intro",
        slug="intro",
        description=None,
        duration_minutes=30,
        location={"type": "video", "value": "https://meet.example.com/x"},
        destination_calendar={"connection_id": "cal_x", "calendar_id": "primary"}
        if destination
        else None,
    )


def _booking(livemode: bool) -> dict[str, Any]:
    return {"id": new_id("bk"), "livemode": livemode, "status": "confirmed"}


def _enqueue(
    session: AsyncSession,
    account: NewAccount,
    booking: dict[str, Any],
    *,
    change: str,
    hosts: list[Host],
    sequence: int = 0,
    destination: bool = True,
) -> list[str]:
    """Enqueue ``change`` of ``booking`` for an event type with or without a destination calendar."""
    return enqueue_booking_change(
        session,
        change=change,
        booking=booking,
        sequence=sequence,
        event_type=_event_type(account, destination=destination),
        account=account.account,
        hosts=hosts,
        now=NOW,
    )


async def _rows(app: FastAPI, booking_id: str) -> list[OutboxMessage]:
    async with app.state.astrocal.db.read() as session:
        return list(
            (
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.booking_id == booking_id)
                    .order_by(OutboxMessage.kind)
                )
            ).all()
        )


async def test_live_change_writes_webhook_email_and_calendar(
    app: FastAPI, account: NewAccount
) -> None:
    booking = _booking(True)
    hosts = [await default_host(app, account, livemode=True)]
    async with app.state.astrocal.db.write() as session:
        ids = _enqueue(session, account, booking, hosts=hosts, change="created")
    rows = {r.kind: r for r in await _rows(app, booking["id"])}
    assert set(rows) == {"webhook", "email", "calendar"}
    assert {r.id for r in rows.values()} == set(ids)
    assert rows["webhook"].payload == {
        "type": "booking.created",
        "timestamp": "2026-04-13T08:00:00Z",
        "livemode": True,
        "data": booking,
    }
    assert rows["email"].payload["notice"] == "created"
    assert rows["email"].payload["sequence"] == 0
    assert rows["email"].payload["host"]["name"] == account.account.name
    assert rows["email"].payload["event_type"]["title"] == "Intro"
    assert rows["calendar"].payload["action"] == "create"
    assert rows["calendar"].payload["destination"] == {
        "connection_id": "cal_x",
        "calendar_id": "primary",
    }
    assert all(r.topic == "booking.created" and r.completed_at is None for r in rows.values())


async def test_test_mode_writes_only_the_webhook(app: FastAPI, account: NewAccount) -> None:
    booking = _booking(False)
    hosts = [await default_host(app, account, livemode=False)]
    async with app.state.astrocal.db.write() as session:
        _enqueue(session, account, booking, hosts=hosts, change="cancelled", sequence=1)
    rows = await _rows(app, booking["id"])
    assert [(r.kind, r.topic, r.livemode) for r in rows] == [
        ("webhook", "booking.cancelled", False)
    ]


async def test_update_sends_no_email(app: FastAPI, account: NewAccount) -> None:
    booking = _booking(True)
    hosts = [await default_host(app, account, livemode=True)]
    async with app.state.astrocal.db.write() as session:
        _enqueue(session, account, booking, hosts=hosts, change="updated", destination=False)
    assert [r.kind for r in await _rows(app, booking["id"])] == ["webhook"]


async def test_rolled_back_change_leaves_no_rows(app: FastAPI, account: NewAccount) -> None:
    booking = _booking(True)
    hosts = [await default_host(app, account, livemode=True)]
    with pytest.raises(RuntimeError):
        async with app.state.astrocal.db.write() as session:
            _enqueue(session, account, booking, hosts=hosts, change="created")
            await session.flush()
            raise RuntimeError("the booking write failed")
    assert await _rows(app, booking["id"]) == []
