"""Migration 0004 on a database the release before hosts wrote (revision 0003): every account gets
one default host per mode (its owner), schedules, calendar connections and bookings move onto it,
each booking occupies it through one ``booking_hosts`` row, event types stay single-host; the API
then answers for the old event type as before, and the per-host no-overlap constraint holds on
PostgreSQL. A downgrade to 0003 and a second upgrade end in the same shape.

The rows are written with the columns revision 0003 has, through bare table constructs (no model
defaults of later revisions), as that release's server wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from astrocal_server.accounts.service import hash_secret
from astrocal_server.clock import FixedClock
from astrocal_server.storage.db import Database
from astrocal_server.storage.migrate import downgrade, migrate
from astrocal_server.storage.models import (
    Booking,
    BookingHost,
    CalendarConnection,
    EventType,
    Host,
    Schedule,
)
from astrocal_server.storage.types import JSONDocument, UTCDateTime
from sqlalchemy.exc import IntegrityError

from tests.support.app import asgi_client, bearer, running_app, server_settings
from tests.support.bookings import TUESDAY_9, booking_body, iso
from tests.support.clocks import NOW

ACCOUNT = "acct_migrated"
SECRET = "sk_test_" + "m" * 43
WEEKDAYS = [
    {"day": d, "start": "09:00", "end": "17:00"}
    for d in ("monday", "tuesday", "wednesday", "thursday", "friday")
]
TEN = TUESDAY_9 + timedelta(hours=1)


def _table(table_name: str, /, **columns: Any) -> sa.TableClause:
    return sa.table(table_name, *(sa.column(column, kind) for column, kind in columns.items()))


S, B, N, T, J = sa.String, sa.Boolean, sa.Integer, UTCDateTime, JSONDocument
ACCOUNTS = _table("accounts", id=S, name=S, email=S, time_zone=S, plan=S, created_at=T)
API_KEYS = _table(
    "api_keys", id=S, account_id=S, name=S, mode=S, prefix=S, secret_hash=S, created_at=T
)
SCHEDULES = _table(
    "schedules", id=S, account_id=S, livemode=B, name=S, time_zone=S, weekly_hours=J,
    date_overrides=J, is_default=B, created_at=T, updated_at=T, deleted_at=T,
)  # fmt: skip
EVENT_TYPES = _table(
    "event_types", id=S, account_id=S, livemode=B, title=S, slug=S, duration_minutes=N,
    buffer_before_minutes=N, buffer_after_minutes=N, minimum_notice_minutes=N,
    booking_window_days=N, seats_per_slot=N, schedule_id=S, conflict_calendars=J,
    on_calendar_error=S, active=B, metadata=J, created_at=T, updated_at=T,
)  # fmt: skip
BOOKINGS = _table(
    "bookings", id=S, account_id=S, livemode=B, event_type_id=S, host_id=S, status=S,
    start_at=T, end_at=T, block_start=T, block_end=T, seat_key=S, duration_minutes=N,
    invitee_name=S, invitee_email=S, guests=J, metadata=J, ics_sequence=N, external_events=J,
    cancelled_at=T, created_at=T, updated_at=T,
)  # fmt: skip
CONNECTIONS = _table(
    "calendar_connections", id=S, account_id=S, livemode=B, provider=S, status=S,
    account_email=S, server_url=S, username=S, calendars=J, created_at=T, updated_at=T,
)  # fmt: skip


def _schedule(schedule_id: str, livemode: bool, *, default: bool) -> dict[str, Any]:
    return {
        "id": schedule_id, "account_id": ACCOUNT, "livemode": livemode, "name": schedule_id,
        "time_zone": "UTC", "weekly_hours": WEEKDAYS, "date_overrides": [], "is_default": default,
        "created_at": NOW, "updated_at": NOW, "deleted_at": None,
    }  # fmt: skip


def _booking(booking_id: str, start: datetime, status: str) -> dict[str, Any]:
    end = start + timedelta(minutes=30)
    return {
        "id": booking_id, "account_id": ACCOUNT, "livemode": False, "event_type_id": "evt_old",
        "host_id": ACCOUNT,  # what the release before hosts stored: the account is the host
        "status": status, "start_at": start, "end_at": end, "block_start": start,
        "block_end": end, "seat_key": f"evt_old:{iso(start)}", "duration_minutes": 30,
        "invitee_name": "Jo Smith", "invitee_email": "jo@example.com", "guests": [],
        "metadata": {}, "ics_sequence": 0, "external_events": [],
        "cancelled_at": NOW if status == "cancelled" else None,
        "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip


async def _write_release_0003(db_url: str, plan: str) -> None:
    await migrate(db_url, "0003")
    rows: Iterable[tuple[sa.TableClause, list[dict[str, Any]]]] = (
        (ACCOUNTS, [{"id": ACCOUNT, "name": "Clinic", "email": "owner@clinic.example",
                     "time_zone": "Europe/Madrid", "plan": plan, "created_at": NOW}]),
        (API_KEYS, [{"id": "key_old", "account_id": ACCOUNT, "name": "Default", "mode": "test",
                     "prefix": SECRET[:12], "secret_hash": hash_secret(SECRET),
                     "created_at": NOW}]),
        (SCHEDULES, [_schedule("sch_live", True, default=True),
                     _schedule("sch_test", False, default=True),
                     _schedule("sch_test_extra", False, default=False)]),
        (EVENT_TYPES, [{"id": "evt_old", "account_id": ACCOUNT, "livemode": False,
                        "title": "Intro", "slug": "intro", "duration_minutes": 30,
                        "buffer_before_minutes": 0, "buffer_after_minutes": 0,
                        "minimum_notice_minutes": 0, "booking_window_days": 60,
                        "seats_per_slot": 1, "schedule_id": "sch_test", "conflict_calendars": [],
                        "on_calendar_error": "fail", "active": True, "metadata": {},
                        "created_at": NOW, "updated_at": NOW}]),
        (BOOKINGS, [_booking("bk_confirmed", TUESDAY_9, "confirmed"),
                    _booking("bk_cancelled", TEN, "cancelled")]),
        (CONNECTIONS, [{"id": "cal_old", "account_id": ACCOUNT, "livemode": False,
                        "provider": "caldav", "status": "active", "account_email": "owner",
                        "server_url": "https://caldav.example.com/", "username": "owner",
                        "calendars": [], "created_at": NOW, "updated_at": NOW}]),
    )  # fmt: skip
    db = Database(db_url)
    try:
        async with db.write() as session:
            for table, values in rows:
                await session.execute(sa.insert(table), values)
    finally:
        await db.dispose()


async def _assert_moved_onto_default_hosts(db: Database) -> dict[bool, Host]:
    async with db.read() as session:
        hosts = list((await session.scalars(sa.select(Host))).all())
        schedules = list((await session.scalars(sa.select(Schedule))).all())
        connections = list((await session.scalars(sa.select(CalendarConnection))).all())
        bookings = {b.id: b for b in (await session.scalars(sa.select(Booking))).all()}
        occupied = list((await session.scalars(sa.select(BookingHost))).all())
        event_type = (await session.scalars(sa.select(EventType))).one()
    assert len(hosts) == 2 and all(h.is_default and h.active for h in hosts)
    by_mode = {h.livemode: h for h in hosts}
    assert set(by_mode) == {True, False}
    for host in hosts:
        assert (host.account_id, host.name, host.email, host.time_zone) == (
            ACCOUNT, "Clinic", "owner@clinic.example", "Europe/Madrid",
        )  # fmt: skip
        assert host.external_id is None and host.conflict_calendars == []
    assert by_mode[True].default_schedule_id == "sch_live"
    assert by_mode[False].default_schedule_id == "sch_test"
    assert {s.id: s.host_id for s in schedules} == {
        "sch_live": by_mode[True].id,
        "sch_test": by_mode[False].id,
        "sch_test_extra": by_mode[False].id,
    }
    assert [c.host_id for c in connections] == [by_mode[False].id]
    assert {b.host_id for b in bookings.values()} == {by_mode[False].id}
    assert sorted(
        (r.booking_id, r.host_id, r.position, r.status, r.block_start, r.block_end, r.seat_key)
        for r in occupied
    ) == sorted(
        (b.id, by_mode[False].id, 0, b.status, b.block_start, b.block_end, b.seat_key)
        for b in bookings.values()
    )
    assert (event_type.hosts, event_type.assignment) == ([], "single")
    assert event_type.schedule_id == "sch_test"
    return by_mode


async def _assert_overlap_refused(db: Database, host: Host) -> None:
    """PostgreSQL's exclusion constraint now lives on booking_hosts, per host."""
    clash = _booking("bk_clash", TUESDAY_9 + timedelta(minutes=15), "confirmed")
    with pytest.raises(IntegrityError, match="ex_booking_hosts_no_overlap"):
        async with db.write() as session:
            await session.execute(sa.insert(BOOKINGS), [{**clash, "host_id": host.id}])
            session.add(
                BookingHost(
                    booking_id="bk_clash", host_id=host.id, position=0, status="confirmed",
                    event_type_id=clash["event_type_id"], start_at=clash["start_at"],
                    end_at=clash["end_at"],
                    block_start=clash["block_start"], block_end=clash["block_end"],
                    seat_key=clash["seat_key"],
                )
            )  # fmt: skip


async def _assert_the_api_answers_for_the_old_event_type(db_url: str, host: Host) -> None:
    headers = bearer(SECRET)
    async with (
        running_app(server_settings(db_url), FixedClock(NOW)) as app,
        asgi_client(app) as client,
    ):
        slots = await client.get(
            "/v1/availability",
            headers=headers,
            params={"event_type_id": "evt_old", "date": "2026-04-14", "time_zone": "UTC"},
        )
        assert slots.status_code == 200, slots.text
        starts = [s["start"] for s in slots.json()["data"]]
        # 09:00 is taken by the confirmed booking; the cancelled one's 10:00 is free again.
        assert iso(TUESDAY_9) not in starts and iso(TEN) in starts and len(starts) == 15
        taken = await client.post(
            "/v1/bookings", headers=headers, json=booking_body("evt_old", TUESDAY_9)
        )
        assert taken.status_code == 409, taken.text
        made = await client.post("/v1/bookings", headers=headers, json=booking_body("evt_old", TEN))
        assert made.status_code == 201, made.text
        listed = (await client.get("/v1/hosts", headers=headers)).json()["data"]
        assert [h["id"] for h in listed] == [host.id] and listed[0]["is_default"]
        schedule = (await client.get("/v1/schedules/sch_test", headers=headers)).json()
        assert schedule["host_id"] == host.id and schedule["is_default"] is True
    db = Database(db_url)
    try:
        async with db.read() as session:
            row = (
                await session.scalars(
                    sa.select(BookingHost).where(BookingHost.booking_id == made.json()["id"])
                )
            ).one()
    finally:
        await db.dispose()
    assert (row.host_id, row.status, row.block_start) == (host.id, "confirmed", TEN)


async def test_a_database_written_before_hosts_upgrades_onto_default_hosts(db_url: str) -> None:
    """``db_url`` is a new database for this module (this is its only test)."""
    await _write_release_0003(db_url, server_settings(db_url).default_plan)
    await migrate(db_url)
    db = Database(db_url)
    try:
        by_mode = await _assert_moved_onto_default_hosts(db)
        if db.dialect == "postgresql":
            await _assert_overlap_refused(db, by_mode[False])
    finally:
        await db.dispose()

    await _assert_the_api_answers_for_the_old_event_type(db_url, by_mode[False])

    # Back to the release before hosts and up again: the same shape, with new default hosts.
    await downgrade(db_url, "0003")
    db = Database(db_url)
    try:
        async with db.read() as session:
            kept = dict((await session.execute(sa.select(BOOKINGS.c.id, BOOKINGS.c.host_id))).all())
    finally:
        await db.dispose()
    assert set(kept.values()) == {ACCOUNT} and len(kept) == 3
    await migrate(db_url)
    db = Database(db_url)
    try:
        async with db.read() as session:
            hosts = list((await session.scalars(sa.select(Host))).all())
            occupied = list((await session.scalars(sa.select(BookingHost))).all())
    finally:
        await db.dispose()
    again = {h.livemode: h.id for h in hosts if h.is_default}
    assert len(hosts) == 2 and set(again) == {True, False}
    assert sorted(r.booking_id for r in occupied) == sorted(kept)
    assert {r.host_id for r in occupied} == {again[False]}
