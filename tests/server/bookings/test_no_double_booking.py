"""No double booking, proven: many simultaneous creates for one slot → exactly one 201 (or N for N
seats) and 409 for the rest, never a 5xx — in one process on SQLite and PostgreSQL, and on
PostgreSQL with two real uvicorn processes sharing the database."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from fastapi import FastAPI

from tests.support.bookings import TUESDAY_9, MakeEventType, iso
from tests.support.races import confirmed_at, race, racer_body

# 100 racers on a pool of 20 (+20 overflow) connections each: two such modules at once on the
# PostgreSQL the suite shares would pass its connection limit, so these run alone.
pytestmark = pytest.mark.exclusive

H = dict[str, str]
RACERS = 100
ROUNDS = 2
PROCESS_ROUNDS = 3  # with two server processes on PostgreSQL


async def test_one_slot_many_requests(
    client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType
) -> None:
    evt = await make_event_type()
    for round_ in range(ROUNDS):
        start = TUESDAY_9 + timedelta(hours=round_)
        bodies = [racer_body(evt["id"], start, i) for i in range(RACERS)]
        outcome = await race([client], auth_headers, bodies)
        assert outcome == Counter({201: 1, 409: RACERS - 1}), (round_, outcome)
        assert len(await confirmed_at(client, auth_headers, start)) == 1


async def test_seats_many_requests(
    client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType
) -> None:
    evt = await make_event_type(seats_per_slot=5)
    bodies = [racer_body(evt["id"], TUESDAY_9, i) for i in range(40)]
    assert await race([client], auth_headers, bodies) == Counter({201: 5, 409: 35})


async def test_overlapping_event_types_cannot_both_win(
    client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType
) -> None:
    short = await make_event_type(duration_minutes=30)
    long = await make_event_type(duration_minutes=60)
    bodies = []
    for i in range(40):
        evt, start = (short, TUESDAY_9 + timedelta(minutes=30)) if i % 2 else (long, TUESDAY_9)
        bodies.append(racer_body(evt["id"], start, i))
    assert await race([client], auth_headers, bodies) == Counter({201: 1, 409: 39})


async def test_back_to_back_both_win_and_a_cancelled_slot_is_free_again(
    client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType
) -> None:
    evt = await make_event_type()
    bodies = [
        racer_body(evt["id"], TUESDAY_9 + timedelta(minutes=30 * (i % 2)), i) for i in range(40)
    ]
    assert await race([client], auth_headers, bodies) == Counter({201: 2, 409: 38})
    listed = (await client.get("/v1/bookings", headers=auth_headers)).json()["data"]
    first = next(b for b in listed if b["start"] == iso(TUESDAY_9))
    await client.post(f"/v1/bookings/{first['id']}/cancel", headers=auth_headers)
    bodies = [racer_body(evt["id"], TUESDAY_9, i) for i in range(40)]
    assert await race([client], auth_headers, bodies) == Counter({201: 1, 409: 39})


async def test_exclusion_constraint_is_the_backstop(
    app: FastAPI, account: NewAccount, make_event_type: MakeEventType, add_booking: Any
) -> None:
    """Even a write that skips the checks cannot overlap a confirmed booking on PostgreSQL."""
    if app.state.astrocal.db.dialect != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's backstop")
    from sqlalchemy.exc import IntegrityError

    evt = await make_event_type()
    await add_booking(account, evt["id"], TUESDAY_9)
    with pytest.raises(IntegrityError, match="ex_booking_hosts_no_overlap"):
        await add_booking(account, evt["id"], TUESDAY_9 + timedelta(minutes=15))
    # Cancelled rows and other hosts do not count.
    await add_booking(account, evt["id"], TUESDAY_9 + timedelta(minutes=15), status="cancelled")


@pytest.mark.slow
async def test_two_server_processes_race_on_postgresql(
    two_servers: list[str],
    client: httpx.AsyncClient,
    auth_headers: H,
    make_event_type: MakeEventType,
    make_account: Any,
) -> None:
    evt = await make_event_type()
    limits = httpx.Limits(max_connections=RACERS, max_keepalive_connections=RACERS)
    clients = [httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for url in two_servers]
    try:
        for round_ in range(PROCESS_ROUNDS):
            start = TUESDAY_9 + timedelta(hours=round_)
            bodies = [racer_body(evt["id"], start, i) for i in range(RACERS)]
            outcome = await race(clients, auth_headers, bodies)
            assert outcome == Counter({201: 1, 409: RACERS - 1}), (round_, outcome)
            assert len(await confirmed_at(clients[0], auth_headers, start)) == 1

        # The rate limit is one budget across both processes.
        tight: NewAccount = await make_account(name="Tight", email="t@example.com", plan="tight")
        headers = {"Authorization": f"Bearer {tight.test_key.secret}"}
        statuses = [
            (await clients[i % 2].get("/v1/account", headers=headers)).status_code for i in range(8)
        ]
        assert statuses == [200] * 6 + [429] * 2, statuses
    finally:
        for c in clients:
            await c.aclose()


@pytest.mark.usefixtures("constraint_alone")
async def test_without_lock_and_recheck_the_constraint_still_allows_one_winner(
    client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType
) -> None:
    """Take away the advisory lock and make the re-check say yes to everything: on PostgreSQL the
    exclusion constraint alone still lets exactly one request win, and the rest get 409, not 500."""
    evt = await make_event_type()
    bodies = [racer_body(evt["id"], TUESDAY_9, i) for i in range(30)]
    assert await race([client], auth_headers, bodies) == Counter({201: 1, 409: 29})
