"""The outbox writer: rows follow the payload contract and live or die with the caller's transaction."""

from __future__ import annotations

from typing import Any

import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.ids import new_id
from astrocal_server.outbox.writer import destinations, enqueue_booking_change
from astrocal_server.storage.models import EventType, Host, OutboxMessage
from fastapi import FastAPI
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.clocks import NOW
from tests.support.hosts import add_host, default_host


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


def _dest(connection_id: str, calendar_id: str = "primary") -> dict[str, str]:
    return {"connection_id": connection_id, "calendar_id": calendar_id}


def test_destinations_event_type_wins_for_the_default_host_and_adds_to_a_team() -> None:
    ann = Host(id="host_ann", destination_calendar=_dest("cal_ann"))
    bo = Host(id="host_bo", destination_calendar=_dest("cal_bo"))
    plain = EventType(hosts=[], destination_calendar=_dest("cal_evt"))
    assert destinations(plain, [ann]) == [_dest("cal_evt")]
    assert destinations(EventType(hosts=[], destination_calendar=None), [ann]) == [_dest("cal_ann")]
    team = EventType(hosts=[{"host_id": "host_ann"}, {"host_id": "host_bo"}])
    team.destination_calendar = None
    assert destinations(team, [ann, bo]) == [_dest("cal_ann"), _dest("cal_bo")]
    team.destination_calendar = _dest("cal_evt")
    assert destinations(team, [ann, bo]) == [_dest("cal_evt"), _dest("cal_ann"), _dest("cal_bo")]
    # One event per connection (external_events is keyed by it): the first calendar named wins.
    shared = Host(id="host_cy", destination_calendar=_dest("cal_ann", "other"))
    assert destinations(team, [ann, shared, Host(id="host_dee")]) == [
        _dest("cal_evt"),
        _dest("cal_ann"),
    ]


async def test_email_row_names_every_host_and_calendar_rows_follow_each_destination(
    app: FastAPI, account: NewAccount
) -> None:
    booking = _booking(True)
    ann = await default_host(app, account, livemode=True)
    bo = await add_host(
        app, account, livemode=True, email=None, destination_calendar=_dest("cal_bo")
    )
    event_type = _event_type(account, destination=False)
    event_type.hosts = [{"host_id": ann.id}, {"host_id": bo.id}]
    async with app.state.astrocal.db.write() as session:
        enqueue_booking_change(
            session,
            change="created",
            booking=booking,
            sequence=0,
            event_type=event_type,
            account=account.account,
            hosts=[ann, bo],
            now=NOW,
        )
    rows = await _rows(app, booking["id"])
    (email,) = [r for r in rows if r.kind == "email"]
    assert email.payload["host"] == email.payload["hosts"][0]
    assert email.payload["hosts"] == [
        {"id": ann.id, "name": ann.name, "email": ann.email, "time_zone": ann.time_zone},
        {"id": bo.id, "name": "Bo Chen", "email": None, "time_zone": "UTC"},
    ]
    assert [r.payload["destination"] for r in rows if r.kind == "calendar"] == [_dest("cal_bo")]


async def test_collected_rows_are_the_rows_a_session_flush_writes(
    app: FastAPI, account: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``CollectedRows`` (the direct booking write's, ``bookings/write.py``) keeps plain column
    values rather than ORM instances: every column of ``outbox`` in the table's order, the same
    values and ``booking_seq`` numbering as a session's flush writes for the same calls (a
    booking's rows 1, 2, …; an unordered row none)."""
    from astrocal_server.outbox import writer

    booking = _booking(True)
    hosts = [await default_host(app, account, livemode=True)]

    event_type = _event_type(account, destination=True)

    def enqueue_all(target: Any, prefix: str) -> None:
        counter = iter(range(100))
        monkeypatch.setattr(writer, "new_id", lambda kind: f"{kind}_{prefix}{next(counter):04}")
        enqueue_booking_change(
            target,
            change="created",
            booking=booking,
            sequence=0,
            event_type=event_type,
            account=account.account,
            hosts=hosts,
            now=NOW,
        )
        writer.enqueue(
            target,
            account_id=account.account.id,
            livemode=True,
            kind="reminder",
            topic="booking.reminder",
            payload={"due": "soon"},
            now=NOW,
            booking_id=booking["id"],
            available_at=NOW.replace(hour=9),
            ordered=False,
        )

    built: list[object] = []

    def on_init(target: object, *_args: Any) -> None:
        built.append(target)

    collected = writer.CollectedRows()
    event.listen(OutboxMessage, "init", on_init)
    try:
        enqueue_all(collected, "c")
    finally:
        event.remove(OutboxMessage, "init", on_init)
    assert built == []  # no ORM instance: its constructor costs more than the row's values
    values = collected.values()
    assert [list(row) for row in values] == [
        [column.key for column in OutboxMessage.__table__.columns]
    ] * len(values)
    async with app.state.astrocal.db.write() as session:
        enqueue_all(session, "s")
    async with app.state.astrocal.db.read() as session:
        flushed = (
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.booking_id == booking["id"])
                .order_by(OutboxMessage.id)
            )
        ).all()
    assert [r.booking_seq for r in flushed] == [1, 2, 3, None]
    assert [{**row, "id": row["id"].replace("_c", "_s")} for row in values] == [
        {column: getattr(row, column) for column in values[0]} for row in flushed
    ]
