"""No double booking for teams, proven under races: a 3-host round robin slot raced by 100
creates gives exactly three bookings on three distinct hosts; a collective event of hosts A+B
raced against one-host event types of A and of B never leaves a host with two overlapping
confirmed bookings — in one process (SQLite, PostgreSQL) and with two server processes on
PostgreSQL. Never a 5xx."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest
from astrocal_server.storage.models import BookingHost
from fastapi import FastAPI
from sqlalchemy import select

from tests.support.bookings import TUESDAY_9, iso
from tests.support.races import confirmed_at, race, racer_body
from tests.support.teams import MakeTeam, booking_host_ids

pytestmark = pytest.mark.exclusive

H = dict[str, str]
RACERS = 100
ROUNDS = 2


async def _assert_no_host_overlaps(app: FastAPI) -> int:
    """No host holds two confirmed bookings whose blocked times overlap; returns the rows seen."""
    async with app.state.astrocal.db.read() as session:
        rows = (
            await session.execute(
                select(BookingHost.host_id, BookingHost.block_start, BookingHost.block_end)
                .where(BookingHost.status == "confirmed")
                .order_by(BookingHost.host_id, BookingHost.block_start)
            )
        ).all()
    for before, after in pairwise(rows):
        if before.host_id == after.host_id:
            assert after.block_start >= before.block_end, (before, after)
    return len(rows)


async def _round_robin_rounds(
    app: FastAPI, clients: Sequence[httpx.AsyncClient], headers: H, team: dict[str, Any],
    rounds: int,
) -> None:  # fmt: skip
    for round_ in range(rounds):
        start = TUESDAY_9 + timedelta(hours=round_)
        bodies = [racer_body(team["id"], start, i) for i in range(RACERS)]
        outcome = await race(list(clients), headers, bodies)
        assert outcome == Counter({201: 3, 409: RACERS - 3}), (round_, outcome)
        winners = await confirmed_at(clients[0], headers, start)
        hosts = [(await booking_host_ids(app, b))[0] for b in winners]
        assert sorted(hosts) == sorted(team["host_ids"]), (round_, hosts)


async def _collective_against_solos(
    app: FastAPI, clients: Sequence[httpx.AsyncClient], headers: H,
    event_types: Sequence[tuple[dict[str, Any], timedelta]], rounds: int,
) -> None:  # fmt: skip
    for round_ in range(rounds):
        day = TUESDAY_9 + timedelta(days=round_)
        bodies = []
        for i in range(RACERS):
            event_type, offset = event_types[i % len(event_types)]
            bodies.append(racer_body(event_type["id"], day + offset, i))
        outcome = await race(list(clients), headers, bodies)
        assert set(outcome) <= {201, 409}, (round_, outcome)
        assert 1 <= outcome[201] <= 2, (round_, outcome)
    assert await _assert_no_host_overlaps(app) > 0


@pytest.fixture
async def round_robin_team(make_hosts: Any, make_team: MakeTeam) -> dict[str, Any]:
    host_ids = await make_hosts(3)
    return {**await make_team(host_ids, "round_robin"), "host_ids": host_ids}


@pytest.fixture
async def collective_and_solos(
    make_hosts: Any, make_team: MakeTeam
) -> list[tuple[dict[str, Any], timedelta]]:
    """A 60-minute collective event of A+B at 09:00, and 30-minute one-host event types of A (a
    round robin of one) at 09:00 and of B (its round robin pinned by nothing else) at 09:30."""
    a, b = await make_hosts(2)
    collective = await make_team([a, b], "collective", duration_minutes=60)
    solo_a = await make_team([a], "round_robin")
    solo_b = await make_team([b], "single")
    return [
        (collective, timedelta()),
        (solo_a, timedelta()),
        (solo_b, timedelta(minutes=30)),
    ]


async def test_round_robin_slot_goes_to_each_host_once(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, round_robin_team: dict[str, Any]
) -> None:
    await _round_robin_rounds(app, [client], auth_headers, round_robin_team, ROUNDS)


async def test_collective_races_one_host_event_types(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: H,
    collective_and_solos: list[tuple[dict[str, Any], timedelta]],
) -> None:
    await _collective_against_solos(app, [client], auth_headers, collective_and_solos, ROUNDS)


@pytest.mark.slow
async def test_team_races_across_two_server_processes(
    app: FastAPI,
    two_servers: list[str],
    auth_headers: H,
    round_robin_team: dict[str, Any],
    collective_and_solos: list[tuple[dict[str, Any], timedelta]],
) -> None:
    limits = httpx.Limits(max_connections=RACERS, max_keepalive_connections=RACERS)
    clients = [httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for url in two_servers]
    try:
        await _round_robin_rounds(app, clients, auth_headers, round_robin_team, ROUNDS)
        await _collective_against_solos(app, clients, auth_headers, collective_and_solos, ROUNDS)
    finally:
        for c in clients:
            await c.aclose()


async def test_reschedules_and_creates_race_for_one_round_robin_slot(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, round_robin_team: dict[str, Any]
) -> None:
    """Reschedules (with ``reassign``) and creates racing for one slot of a 3-host round robin:
    at most three end up there, no host overlaps, never a 5xx."""
    noon = TUESDAY_9 + timedelta(hours=3)
    moving = []
    for n, host_id in enumerate(round_robin_team["host_ids"]):
        body = racer_body(round_robin_team["id"], TUESDAY_9 + timedelta(hours=n), n)
        r = await client.post(
            "/v1/bookings", headers=auth_headers, json={**body, "host_id": host_id}
        )
        assert r.status_code == 201, r.text
        moving.append(r.json()["id"])
    requests = [
        client.post(
            f"/v1/bookings/{booking_id}/reschedule",
            headers=auth_headers,
            json={"start": iso(noon), "reassign": True},
        )
        for booking_id in moving
    ] + [
        client.post(
            "/v1/bookings",
            headers=auth_headers,
            json=racer_body(round_robin_team["id"], noon, 100 + i),
        )
        for i in range(30)
    ]
    statuses = Counter(r.status_code for r in await asyncio.gather(*requests))
    assert set(statuses) <= {200, 201, 409}, statuses
    assert statuses[200] + statuses[201] == 3, statuses
    assert len(await confirmed_at(client, auth_headers, noon)) == 3
    await _assert_no_host_overlaps(app)
