"""Holds take part in the no-double-booking proof: many simultaneous holds, bookings and
conversions of one slot leave exactly one owner (one confirmed booking or one active hold), the
rest get 409 with the code that says why, never a 5xx — in one process on SQLite and PostgreSQL,
and with two real server processes sharing the database (SQLite's ``BEGIN IMMEDIATE`` and
PostgreSQL's advisory locks serialise them). On PostgreSQL the exclusion constraint refuses an
overlapping held row even when a writer skips the checks.

The server processes' clocks are pinned at the ``clock`` fixture's time when they start; a hold
that must be expired "now" is placed in process with the clock set back by its ttl, so everyone
then reads a clock past its expiry — no sleeps.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.storage.models import Booking, BookingHost, Hold
from fastapi import FastAPI
from sqlalchemy import func, or_, select

from tests.support.bookings import TUESDAY_9, MakeEventType, iso
from tests.support.races import Outcome, clients_of, fire, racer_body
from tests.support.teams import MakeTeam

# As the no-double-booking modules: 100 racers on the shared PostgreSQL run alone.
pytestmark = pytest.mark.exclusive

H = dict[str, str]
Request = tuple[str, H, dict[str, Any]]
RACERS = 100
TTL = 60
WON = (201, None)
TAKEN = (409, "slot_unavailable")


def _hold(headers: H, event_type_id: str, start: datetime, **extra: Any) -> Request:
    body = {"event_type_id": event_type_id, "start": iso(start), "ttl_seconds": 600, **extra}
    return ("/v1/holds", headers, body)


def _book(headers: H, event_type_id: str, start: datetime, i: int) -> Request:
    return ("/v1/bookings", headers, racer_body(event_type_id, start, i))


def _convert(headers: H, hold_id: str, i: int) -> Request:
    body = {"hold_id": hold_id, "invitee": {"name": f"Holder {i}", "email": f"h{i}@example.com"}}
    return ("/v1/bookings", {**headers, "Idempotency-Key": f"convert-{hold_id}-{i}"}, body)


async def _live_rows(app: FastAPI, now: datetime, event_type_ids: Sequence[str]) -> list[Any]:
    """The ``booking_hosts`` rows of ``event_type_ids`` that occupy their host at ``now``
    (confirmed, or held and not expired), by host and block. (The module's tests share one
    database, each with its own clock: another test's holds may be live at this one's ``now``.)"""
    async with app.state.astrocal.db.read() as session:
        return list(
            (
                await session.execute(
                    select(
                        BookingHost.booking_id,
                        BookingHost.host_id,
                        BookingHost.status,
                        BookingHost.event_type_id,
                        BookingHost.start_at,
                        BookingHost.block_start,
                        BookingHost.block_end,
                    )
                    .where(
                        BookingHost.event_type_id.in_(event_type_ids),
                        BookingHost.status != "cancelled",
                        or_(BookingHost.expires_at.is_(None), BookingHost.expires_at > now),
                    )
                    .order_by(BookingHost.host_id, BookingHost.block_start)
                )
            ).all()
        )


def _assert_no_host_overlaps(rows: Sequence[Any]) -> None:
    for before, after in pairwise(rows):
        if before.host_id == after.host_id:
            assert after.block_start >= before.block_end, (before, after)


async def _count(app: FastAPI, model: Any, *where: Any) -> int:
    """How many rows of ``model`` match ``where``."""
    async with app.state.astrocal.db.read() as session:
        found = await session.scalar(select(func.count()).select_from(model).where(*where))
    return int(found or 0)


async def _owners(
    app: FastAPI, event_type_id: str, start: datetime, now: datetime
) -> tuple[int, int]:
    """(confirmed bookings, active holds) of the event type starting at ``start``, as their own
    tables say (the module's tests share one database)."""
    booked = await _count(
        app,
        Booking,
        Booking.event_type_id == event_type_id,
        Booking.start_at == start,
        Booking.status == "confirmed",
    )
    held = await _count(
        app,
        Hold,
        Hold.event_type_id == event_type_id,
        Hold.start_at == start,
        Hold.status == "active",
        Hold.expires_at > now,
    )
    return booked, held


def _at(rows: Sequence[Any], event_type_id: str, start: datetime) -> list[Any]:
    return [r for r in rows if (r.event_type_id, r.start_at) == (event_type_id, start)]


async def _assert_one_owner(
    app: FastAPI, event_type_id: str, start: datetime, now: datetime
) -> tuple[int, int]:
    """Exactly one occupant of ``start`` in ``bookings``/``holds`` and in ``booking_hosts``."""
    owners = await _owners(app, event_type_id, start, now)
    assert sum(owners) == 1, owners
    rows = await _live_rows(app, now, [event_type_id])
    at_start = _at(rows, event_type_id, start)
    assert len(at_start) == 1, at_start
    _assert_no_host_overlaps(rows)
    return owners


async def _place_expired_hold(
    client: httpx.AsyncClient, headers: H, clock: FixedClock, event_type_id: str, start: datetime
) -> dict[str, Any]:
    """A hold placed ``TTL`` seconds before the clock's time, so it has just expired."""
    now = clock.now()
    clock.set(now - timedelta(seconds=TTL))
    try:
        r = await client.post(
            "/v1/holds",
            headers=headers,
            json={"event_type_id": event_type_id, "start": iso(start), "ttl_seconds": TTL},
        )
    finally:
        clock.set(now)
    assert r.status_code == 201, r.text
    assert r.json()["expires_at"] == iso(now)
    return dict(r.json())


# The scenarios: each takes the app (for its database), the clients the racers are spread over,
# the in-process client (to place holds), headers, the clock and a fresh start.


async def _many_holds_one_slot(
    app: FastAPI, clients: Sequence[httpx.AsyncClient], headers: H, evt: dict[str, Any],
    start: datetime, now: datetime,
) -> None:  # fmt: skip
    outcome = await fire(clients, [_hold(headers, evt["id"], start) for _ in range(RACERS)])
    assert outcome == Counter({WON: 1, TAKEN: RACERS - 1}), outcome
    assert await _assert_one_owner(app, evt["id"], start, now) == (0, 1)
    held = await _count(
        app,
        BookingHost,
        BookingHost.event_type_id == evt["id"],
        BookingHost.start_at == start,
        BookingHost.status == "held",
    )
    assert held == 1


async def _bookings_and_holds_one_slot(
    app: FastAPI, clients: Sequence[httpx.AsyncClient], headers: H, evt: dict[str, Any],
    start: datetime, now: datetime,
) -> None:  # fmt: skip
    requests = [
        _hold(headers, evt["id"], start) if i % 2 else _book(headers, evt["id"], start, i)
        for i in range(RACERS)
    ]
    outcome = await fire(clients, requests)
    assert outcome == Counter({WON: 1, TAKEN: RACERS - 1}), outcome
    await _assert_one_owner(app, evt["id"], start, now)


async def _expired_hold_raced(
    app: FastAPI, clients: Sequence[httpx.AsyncClient], client: httpx.AsyncClient, headers: H,
    clock: FixedClock, evt: dict[str, Any], start: datetime, n: int,
    alongside: Awaitable[Any] | None = None,
) -> None:  # fmt: skip
    """Bookings, conversions of the just-expired hold and new holds for its slot, all at once
    (with ``alongside``, e.g. the relay running the hold's expiry row): one booking or new hold
    wins; every conversion is ``hold_expired``, the rest ``slot_unavailable``."""
    expired = await _place_expired_hold(client, headers, clock, evt["id"], start)
    requests: list[Request] = []
    for i in range(n):
        requests += [
            _book(headers, evt["id"], start, i),
            _convert(headers, expired["id"], i),
            _hold(headers, evt["id"], start),
        ]
    outcome, *_ = await asyncio.gather(fire(clients, requests), *[alongside] if alongside else [])
    assert outcome == Counter({WON: 1, TAKEN: 2 * n - 1, (409, "hold_expired"): n}), outcome
    await _assert_one_owner(app, evt["id"], start, clock.now())
    async with app.state.astrocal.db.read() as session:
        hold = await session.get_one(Hold, expired["id"])
    # Shown expired (marked so once its expiry row ran); never converted.
    assert hold.status in ("active", "expired") and hold.booking_id is None, hold.status


async def _one_hold_converted_many_times(
    app: FastAPI, clients: Sequence[httpx.AsyncClient], client: httpx.AsyncClient, headers: H,
    evt: dict[str, Any], start: datetime, now: datetime, n: int,
) -> None:  # fmt: skip
    placed = await client.post(
        "/v1/holds", headers=headers, json=_hold(headers, evt["id"], start)[2]
    )
    assert placed.status_code == 201, placed.text
    hold_id = placed.json()["id"]
    outcome = await fire(clients, [_convert(headers, hold_id, i) for i in range(n)])
    assert outcome == Counter({WON: 1, (409, "hold_consumed"): n - 1}), outcome
    assert await _assert_one_owner(app, evt["id"], start, now) == (1, 0)
    async with app.state.astrocal.db.read() as session:
        hold = await session.get_one(Hold, hold_id)
        booking_ids = (
            await session.scalars(
                select(Booking.id).where(
                    Booking.event_type_id == evt["id"], Booking.start_at == start
                )
            )
        ).all()
    assert (hold.status, [hold.booking_id]) == ("converted", list(booking_ids))


async def _round_robin_holds(
    app: FastAPI, clients: Sequence[httpx.AsyncClient], headers: H, team: dict[str, Any],
    start: datetime,
) -> None:  # fmt: skip
    """A 2-host round robin: 3 holds at once → two, on different hosts."""
    outcome = await fire(clients, [_hold(headers, team["id"], start) for _ in range(3)])
    assert outcome == Counter({WON: 2, TAKEN: 1}), outcome
    async with app.state.astrocal.db.read() as session:
        hosts = (
            await session.scalars(
                select(BookingHost.host_id).where(
                    BookingHost.event_type_id == team["id"],
                    BookingHost.start_at == start,
                    BookingHost.status == "held",
                )
            )
        ).all()
    assert sorted(hosts) == sorted(team["host_ids"]), hosts


async def _collective_hold_against_solos(
    app: FastAPI, clients: Sequence[httpx.AsyncClient], headers: H,
    teams: dict[str, dict[str, Any]], day: datetime, now: datetime,
) -> None:  # fmt: skip
    """Collective holds of A+B (09:00–10:00) racing one-host bookings and holds of A (09:00) and
    B (09:30): one or two winners, no host ever occupied twice at once; then a collective hold
    alone keeps both hosts from a booking through the one-host event types."""
    offers: list[Callable[[int], Request]] = [
        lambda i: _hold(headers, teams["collective"]["id"], day),
        lambda i: _book(headers, teams["solo_a"]["id"], day, i),
        lambda i: _book(headers, teams["solo_b"]["id"], day + timedelta(minutes=30), i),
        lambda i: _hold(headers, teams["solo_a"]["id"], day),
        lambda i: _hold(headers, teams["solo_b"]["id"], day + timedelta(minutes=30)),
    ]
    outcome = await fire(clients, [offers[i % len(offers)](i) for i in range(50)])
    assert set(outcome) <= {WON, TAKEN}, outcome
    assert 1 <= outcome[WON] <= 2, outcome
    _assert_no_host_overlaps(await _live_rows(app, now, [t["id"] for t in teams.values()]))

    later = day + timedelta(hours=2)
    outcome = await fire(clients[:1], [_hold(headers, teams["collective"]["id"], later)])
    assert outcome == Counter({WON: 1}), outcome
    blocked = [
        _book(headers, teams["solo_a"]["id"], later, 0),
        _book(headers, teams["solo_b"]["id"], later + timedelta(minutes=30), 1),
        _hold(headers, teams["solo_a"]["id"], later + timedelta(minutes=30)),
        _hold(headers, teams["solo_b"]["id"], later),
    ]
    assert await fire(clients, blocked) == Counter({TAKEN: 4})


@pytest.fixture
async def round_robin_pair(make_hosts: Any, make_team: MakeTeam) -> dict[str, Any]:
    host_ids = await make_hosts(2)
    return {**await make_team(host_ids, "round_robin"), "host_ids": host_ids}


@pytest.fixture
async def collective_and_solos(make_hosts: Any, make_team: MakeTeam) -> dict[str, dict[str, Any]]:
    """A 60-minute collective event type of hosts A+B and 30-minute one-host event types of A
    (a round robin of one) and of B."""
    a, b = await make_hosts(2)
    return {
        "collective": await make_team([a, b], "collective", duration_minutes=60),
        "solo_a": await make_team([a], "round_robin"),
        "solo_b": await make_team([b], "single"),
    }


@pytest.mark.parametrize(
    "scenario",
    [_many_holds_one_slot, _bookings_and_holds_one_slot],
    ids=["many_holds", "bookings_and_holds"],
)
async def test_one_slot_raced(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType,
    clock: FixedClock, scenario: Callable[..., Awaitable[None]],
) -> None:  # fmt: skip
    evt = await make_event_type()
    await scenario(app, [client], auth_headers, evt, TUESDAY_9, clock.now())


async def test_a_just_expired_hold_raced_by_bookings_conversions_and_holds(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType,
    clock: FixedClock,
) -> None:  # fmt: skip
    """With the relay running the hold's expiry row in the middle of the race, too."""
    from astrocal_server.outbox.relay import OutboxRelay

    evt = await make_event_type()
    relay = OutboxRelay(app.state.astrocal, owner="test-relay")
    await _expired_hold_raced(
        app, [client], client, auth_headers, clock, evt, TUESDAY_9, 20, relay.run_once()
    )
    async with app.state.astrocal.db.read() as session:
        statuses = (
            await session.scalars(select(Hold.status).where(Hold.event_type_id == evt["id"]))
        ).all()
    assert "expired" in statuses, statuses  # the expiry row did run


async def test_a_hold_expiring_in_the_middle_of_the_race_never_leaves_two_owners(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType,
    clock: FixedClock,
) -> None:  # fmt: skip
    """The clock passes the hold's expiry as soon as the first answer is in: whichever side of
    the expiry each request is checked on, at most one request wins, and the database agrees."""
    evt = await make_event_type()
    placed = await client.post(
        "/v1/holds", headers=auth_headers, json=_hold(auth_headers, evt["id"], TUESDAY_9)[2]
    )
    hold = placed.json()
    clock.advance(seconds=599)  # one second of the 600 left
    flipped = asyncio.Event()

    async def send(request: Request) -> httpx.Response:
        path, headers, body = request
        try:
            return await client.post(path, headers=headers, json=body)
        finally:
            if not flipped.is_set():
                flipped.set()
                clock.advance(seconds=1)

    requests: list[Request] = []
    for i in range(20):
        requests += [
            _convert(auth_headers, hold["id"], i),
            _book(auth_headers, evt["id"], TUESDAY_9, i),
            _hold(auth_headers, evt["id"], TUESDAY_9),
        ]
    responses = await asyncio.gather(*(send(r) for r in requests))
    outcome = Counter(
        (r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else None)
        for r in responses
    )
    codes = {WON, TAKEN, (409, "hold_expired"), (409, "hold_consumed")}
    assert set(outcome) <= codes and outcome[WON] <= 1, outcome
    owners = await _owners(app, evt["id"], TUESDAY_9, clock.now())
    assert sum(owners) == outcome[WON], (owners, outcome)
    rows = _at(await _live_rows(app, clock.now(), [evt["id"]]), evt["id"], TUESDAY_9)
    assert len(rows) == outcome[WON], rows


async def test_one_hold_converted_by_many_requests(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType,
    clock: FixedClock,
) -> None:  # fmt: skip
    evt = await make_event_type()
    await _one_hold_converted_many_times(
        app, [client], client, auth_headers, evt, TUESDAY_9, clock.now(), 20
    )


async def test_team_holds(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, clock: FixedClock,
    round_robin_pair: dict[str, Any], collective_and_solos: dict[str, dict[str, Any]],
) -> None:  # fmt: skip
    await _round_robin_holds(app, [client], auth_headers, round_robin_pair, TUESDAY_9)
    day = TUESDAY_9 + timedelta(days=1)
    await _collective_hold_against_solos(
        app, [client], auth_headers, collective_and_solos, day, clock.now()
    )


@pytest.mark.slow
async def test_holds_race_across_two_server_processes(
    app: FastAPI, two_processes: list[str], client: httpx.AsyncClient, auth_headers: H,
    make_event_type: MakeEventType, clock: FixedClock, round_robin_pair: dict[str, Any],
    collective_and_solos: dict[str, dict[str, Any]],
) -> None:  # fmt: skip
    """Every scenario above with the racers spread over two server processes, one slot each."""
    evt = await make_event_type()
    now = clock.now()
    slots = iter(TUESDAY_9 + timedelta(hours=h) for h in range(8))
    async with clients_of(two_processes, RACERS) as clients:
        await _many_holds_one_slot(app, clients, auth_headers, evt, next(slots), now)
        await _bookings_and_holds_one_slot(app, clients, auth_headers, evt, next(slots), now)
        await _expired_hold_raced(app, clients, client, auth_headers, clock, evt, next(slots), 20)
        await _one_hold_converted_many_times(
            app, clients, client, auth_headers, evt, next(slots), now, 20
        )
        await _round_robin_holds(app, clients, auth_headers, round_robin_pair, next(slots))
        day = TUESDAY_9 + timedelta(days=1)
        await _collective_hold_against_solos(
            app, clients, auth_headers, collective_and_solos, day, now
        )


async def test_the_exclusion_constraint_refuses_an_overlapping_held_row(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: H,
    make_event_type: MakeEventType,
    make_hosts: Any,
) -> None:
    """Behind the service's back, a held row overlapping a hold or a booking on the same host is
    refused by ``ex_booking_hosts_no_overlap``, and so is a confirmed row overlapping a hold; on
    another host, or back to back, they are not."""
    if app.state.astrocal.db.dialect != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's backstop")
    from sqlalchemy.exc import IntegrityError

    evt = await make_event_type()
    held = await client.post(
        "/v1/holds", headers=auth_headers, json=_hold(auth_headers, evt["id"], TUESDAY_9)[2]
    )
    assert held.status_code == 201, held.text
    booked = await client.post(
        "/v1/bookings",
        headers=auth_headers,
        json=racer_body(evt["id"], TUESDAY_9 + timedelta(hours=1), 0),
    )
    assert booked.status_code == 201, booked.text
    async with app.state.astrocal.db.read() as session:
        template = await session.scalar(
            select(BookingHost).where(BookingHost.booking_id == held.json()["id"])
        )
    assert template is not None
    (other_host,) = await make_hosts(1)

    async def insert(
        row_id: str, start: datetime, status: str = "held", host_id: str = template.host_id
    ) -> None:
        async with app.state.astrocal.db.write() as session:
            session.add(
                BookingHost(
                    booking_id=row_id, host_id=host_id, position=0, status=status,
                    event_type_id=evt["id"], start_at=start,
                    end_at=start + timedelta(minutes=30), block_start=start,
                    block_end=start + timedelta(minutes=30), seat_key=row_id,
                    expires_at=template.expires_at if status == "held" else None,
                )
            )  # fmt: skip

    clashes = [
        ("hold_on_hold", TUESDAY_9 + timedelta(minutes=15), "held"),
        ("hold_on_booking", TUESDAY_9 + timedelta(hours=1), "held"),
        ("bk_on_hold", TUESDAY_9, "confirmed"),
    ]
    for row_id, start, status in clashes:
        with pytest.raises(IntegrityError, match="ex_booking_hosts_no_overlap"):
            await insert(row_id, start, status)
    await insert("hold_next", TUESDAY_9 + timedelta(minutes=30))  # back to back
    await insert("hold_elsewhere", TUESDAY_9, host_id=other_host)


@pytest.mark.usefixtures("constraint_alone")
async def test_without_lock_and_recheck_the_constraint_still_allows_one_hold(
    client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType
) -> None:
    """No advisory lock, and a re-check that says yes to everything: on PostgreSQL the exclusion
    constraint alone still lets exactly one hold or booking win, and the rest get 409."""
    evt = await make_event_type()
    requests = [
        _hold(auth_headers, evt["id"], TUESDAY_9)
        if i % 2
        else _book(auth_headers, evt["id"], TUESDAY_9, i)
        for i in range(30)
    ]
    outcome: Outcome = await fire([client], requests)
    assert outcome == Counter({WON: 1, TAKEN: 29}), outcome


async def test_a_server_whose_clock_lags_cannot_convert_a_hold_another_gave_back(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType,
    clock: FixedClock,
) -> None:  # fmt: skip
    """Servers on several machines read clocks a little apart. One whose clock passed a hold's
    expiry books its slot (and deletes the hold's rows, as every writer on PostgreSQL does with
    expired holds of the hosts it locks); a conversion then served by one whose clock is a second
    behind is ``hold_expired`` — not a 500, and not a second owner. On SQLite (one machine, but a
    clock can still step back) the expired rows stay, and the conversion sees them overlapped."""
    evt = await make_event_type()
    expires = clock.now()
    hold = await _place_expired_hold(client, auth_headers, clock, evt["id"], TUESDAY_9)
    booked = await client.post(
        "/v1/bookings", headers=auth_headers, json=racer_body(evt["id"], TUESDAY_9, 0)
    )
    assert booked.status_code == 201, booked.text
    clock.set(expires - timedelta(seconds=1))
    late = await client.post(
        "/v1/bookings", headers=auth_headers, json=_convert(auth_headers, hold["id"], 0)[2]
    )
    assert (late.status_code, late.json()["error"]["code"]) == (409, "hold_expired"), late.text
    assert await _assert_one_owner(app, evt["id"], TUESDAY_9, expires) == (1, 0)
