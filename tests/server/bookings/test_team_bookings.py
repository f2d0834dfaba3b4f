"""Bookings of team event types: collective bookings occupy every host, round robin ones go to
the host the rule picks (or the one named), reschedules keep their hosts or, with ``reassign``,
move to a free one; bad input is a 4xx naming the parameter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.clock import FixedClock
from fastapi import FastAPI

from tests.support.bookings import TUESDAY_9, Book, iso
from tests.support.teams import MakeTeam, Teams, booking_host_ids

H = dict[str, str]


async def _booked(book: Book, event_type_id: str, start: Any, **extra: Any) -> dict[str, Any]:
    r = await book(event_type_id, start, **extra)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_collective_occupies_every_host(
    app: FastAPI, make_hosts: Any, make_team: MakeTeam, book: Book
) -> None:
    a, b, c = await make_hosts(3)
    team = await make_team([c, a, b], "collective")
    booking = await _booked(book, team["id"], TUESDAY_9)
    assert await booking_host_ids(app, booking["id"]) == [c, a, b]
    # Every host is now busy at 09:00, whichever event type asks.
    solo_b = await make_team([b], "round_robin")
    r = await book(solo_b["id"], TUESDAY_9)
    assert r.status_code == 409 and r.json()["error"]["code"] == "slot_unavailable", r.text


async def test_round_robin_follows_the_rule(
    app: FastAPI, clock: FixedClock, make_hosts: Any, make_team: MakeTeam, book: Book
) -> None:
    a, b, c = await make_hosts(3)
    team = await make_team(
        [],
        "round_robin",
        hosts=[{"host_id": a}, {"host_id": b, "weight": 2}, {"host_id": c, "priority": 9}],
    )
    picked = []
    for n in range(8):
        clock.advance(timedelta(minutes=1))
        booking = await _booked(book, team["id"], TUESDAY_9 + timedelta(hours=n % 8))
        picked.append((await booking_host_ids(app, booking["id"]))[0])
    # c first (all at 0 bookings: priority 9); then a and b tie at 0 (a listed first); then b
    # (0/2); b again (1/2 beats 1/1); c (ties at 1, priority); a (ties at 1, booked before b);
    # then b twice (2/2 < 2/1, then 3/2 < 2/1): weight 2 takes twice the bookings.
    assert picked == [c, a, b, b, c, a, b, b]
    assert picked.count(b) == 4 and picked.count(a) == 2 and picked.count(c) == 2


async def test_host_id_books_that_host(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, make_hosts: Any,
    make_team: MakeTeam, book: Book, make_event_type: Any,
) -> None:  # fmt: skip
    a, b, outsider = await make_hosts(3)
    team = await make_team([a, b], "round_robin")
    booking = await _booked(book, team["id"], TUESDAY_9, host_id=b)
    assert await booking_host_ids(app, booking["id"]) == [b]
    r = await book(team["id"], TUESDAY_9, host_id=b)  # b is taken at 09:00
    assert r.status_code == 409 and r.json()["error"]["code"] == "slot_unavailable", r.text
    assert {x["host_id"] for x in r.json()["error"]["details"]["reasons"]} == {b}
    # Not a host of it, or not a round robin event type: 400 on host_id.
    collective = await make_team([a, b], "collective")
    plain = await make_event_type()
    for event_type_id, host_id in [(team["id"], outsider), (collective["id"], a), (plain["id"], a)]:
        r = await book(event_type_id, TUESDAY_9 + timedelta(hours=2), host_id=host_id)
        assert r.status_code == 400 and r.json()["error"]["param"] == "host_id", r.text
    for event_type_id in (team["id"], plain["id"]):  # no host of this account at all: 404
        r = await book(event_type_id, TUESDAY_9 + timedelta(hours=2), host_id="host_nobody")
        assert r.status_code == 404 and r.json()["error"]["param"] == "host_id", r.text


async def test_reschedule_keeps_hosts_or_reassigns(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, make_team: MakeTeam, book: Book,
    two_host_teams: Teams,
) -> None:  # fmt: skip
    a, b, collective, team = two_host_teams  # team: the round-robin one
    booking = await _booked(book, team["id"], TUESDAY_9, host_id=a)
    later = TUESDAY_9 + timedelta(hours=3)
    solo_a = await make_team([a], "round_robin")
    await _booked(book, solo_a["id"], later)  # a is busy at 12:00
    url = f"/v1/bookings/{booking['id']}/reschedule"

    moved = await client.post(
        url, headers=auth_headers, json={"start": iso(TUESDAY_9 + timedelta(hours=1))}
    )
    assert moved.status_code == 200, moved.text
    assert await booking_host_ids(app, booking["id"]) == [a]  # free at 10:00: a keeps it

    r = await client.post(url, headers=auth_headers, json={"start": iso(later)})
    assert r.status_code == 409 and r.json()["error"]["code"] == "slot_unavailable", r.text
    assert {x["host_id"] for x in r.json()["error"]["details"]["reasons"]} == {a}
    assert all(alt["host_ids"] == [a] for alt in r.json()["error"]["details"]["alternatives"])

    r = await client.post(url, headers=auth_headers, json={"start": iso(later), "reassign": True})
    assert r.status_code == 200, r.text
    assert await booking_host_ids(app, booking["id"]) == [b]

    # A collective booking keeps both hosts; reassign is for round robin only.
    both = await _booked(book, collective["id"], TUESDAY_9 + timedelta(hours=5))
    url = f"/v1/bookings/{both['id']}/reschedule"
    r = await client.post(
        url, headers=auth_headers, json={"start": iso(TUESDAY_9 + timedelta(hours=6))}
    )
    assert r.status_code == 200, r.text
    assert await booking_host_ids(app, both["id"]) == [a, b]
    r = await client.post(url, headers=auth_headers, json={"start": iso(later), "reassign": True})
    assert r.status_code == 400 and r.json()["error"]["param"] == "reassign", r.text


@pytest.mark.parametrize("assignment", ["collective", "round_robin"])
async def test_a_deactivated_host_is_not_booked(
    app: FastAPI, make_hosts: Any, make_team: MakeTeam, book: Book, assignment: str
) -> None:
    from astrocal_server.storage.models import Host

    a, b = await make_hosts(2)
    team = await make_team([a, b], assignment)
    async with app.state.astrocal.db.write() as session:
        (await session.get_one(Host, a)).active = False
    r = await book(team["id"], TUESDAY_9)
    if assignment == "collective":
        assert r.status_code == 409 and r.json()["error"]["code"] == "slot_unavailable", r.text
    else:
        assert r.status_code == 201, r.text
        assert await booking_host_ids(app, r.json()["id"]) == [b]
        r = await book(team["id"], TUESDAY_9 + timedelta(hours=1), host_id=a)
        assert r.status_code == 409, r.text
