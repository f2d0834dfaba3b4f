"""Availability of team event types: collective (every host free) and round robin (at least
one), slots and checks naming the free hosts, ``host_id`` narrowing to one host, hosts working
their own schedules, and a deactivated host never free."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.bookings import TUESDAY_9, Book, iso, make_schedule
from tests.support.teams import MakeTeam, Teams

H = dict[str, str]
TUESDAY = TUESDAY_9.date().isoformat()


async def _slots(client: httpx.AsyncClient, headers: H, event_type_id: str, **extra: str) -> Any:
    r = await client.get(
        "/v1/availability",
        headers=headers,
        params={"event_type_id": event_type_id, "date": TUESDAY, "time_zone": "UTC", **extra},
    )
    assert r.status_code == 200, r.text
    return r.json()["data"]


async def _check(client: httpx.AsyncClient, headers: H, event_type_id: str, **extra: str) -> Any:
    r = await client.get(
        "/v1/availability/check",
        headers=headers,
        params={"event_type_id": event_type_id, "start": iso(TUESDAY_9), **extra},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_collective_and_round_robin_see_each_hosts_bookings(
    client: httpx.AsyncClient, auth_headers: H, make_hosts: Any, make_team: MakeTeam, book: Book
) -> None:
    a, b = await make_hosts(2)
    solo_a = await make_team([a], "round_robin")
    assert (await book(solo_a["id"], TUESDAY_9)).status_code == 201  # A is busy 09:00–09:30
    collective = await make_team([a, b], "collective")
    round_robin = await make_team([a, b], "round_robin")

    slots = await _slots(client, auth_headers, collective["id"])
    assert slots[0]["start"] == iso(TUESDAY_9 + timedelta(minutes=30))
    assert all(s["host_ids"] == [a, b] for s in slots)
    slots = await _slots(client, auth_headers, round_robin["id"])
    assert slots[0] == {
        "start": iso(TUESDAY_9),
        "end": iso(TUESDAY_9 + timedelta(minutes=30)),
        "host_ids": [b],
    }
    assert slots[1]["host_ids"] == [a, b]

    check = await _check(client, auth_headers, round_robin["id"])
    assert check["available"] is True and check["host_ids"] == [b]
    check = await _check(client, auth_headers, collective["id"])
    assert check["available"] is False and check["host_ids"] == []
    assert {r["host_id"] for r in check["reasons"]} == {a}
    assert check["reasons"][0]["code"] == "booked"
    assert check["alternatives"][0]["host_ids"] == [a, b]

    # host_id narrows to one host: B is free at 09:00, A is not.
    narrowed = await _slots(client, auth_headers, collective["id"], host_id=b)
    assert narrowed[0]["start"] == iso(TUESDAY_9) and narrowed[0]["host_ids"] == [b]
    check = await _check(client, auth_headers, round_robin["id"], host_id=a)
    assert check["available"] is False and check["reasons"][0]["host_id"] == a
    r = await client.post(
        "/v1/availability",
        headers=auth_headers,
        json={"event_type_id": round_robin["id"], "date": TUESDAY, "host_id": a},
    )
    assert r.status_code == 200 and r.json()["data"][0]["host_ids"] == [a], r.text


async def test_host_id_must_be_one_of_the_event_types_hosts(
    client: httpx.AsyncClient, auth_headers: H, make_hosts: Any, make_team: MakeTeam,
    make_event_type: Any,
) -> None:  # fmt: skip
    a, b, c = await make_hosts(3)
    team = await make_team([a, b], "round_robin")
    plain = await make_event_type()
    # One of the account's hosts the event type does not list: 400; no host of the account: 404.
    cases = [(team["id"], c, 400), (plain["id"], a, 400), (team["id"], "host_nobody", 404)]
    for event_type_id, host_id, status in cases:
        for path, params in [
            ("/v1/availability", {"date": TUESDAY}),
            ("/v1/availability/check", {"start": iso(TUESDAY_9)}),
        ]:
            r = await client.get(
                path,
                headers=auth_headers,
                params={"event_type_id": event_type_id, "host_id": host_id, **params},
            )
            assert r.status_code == status, r.text
            assert r.json()["error"]["param"] == "host_id"
    r = await client.get(
        "/v1/availability/check",
        headers=auth_headers,
        params={"event_type_id": team["id"], "start": iso(TUESDAY_9), "host_id": "Robert'); --"},
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "host_id", r.text


async def test_hosts_work_their_own_schedules(
    client: httpx.AsyncClient, auth_headers: H, make_hosts: Any, make_team: MakeTeam
) -> None:
    mornings = await make_schedule(client, auth_headers, name="Mornings", end="10:00")
    afternoons = await make_schedule(client, auth_headers, name="Later", start="09:30")
    [early] = await make_hosts(1, schedule=mornings)
    [late] = await make_hosts(1, schedule=afternoons)
    team = await make_team([early, late], "round_robin")
    r = await client.patch(
        f"/v1/event_types/{team['id']}", headers=auth_headers, json={"schedule_id": None}
    )
    assert r.status_code == 200, r.text
    slots = await _slots(client, auth_headers, team["id"])
    assert [(s["start"][11:16], s["host_ids"]) for s in slots[:3]] == [
        ("09:00", [early]),
        ("09:30", [early, late]),
        ("10:00", [late]),
    ]
    collective = await make_team([early, late], "collective")
    await client.patch(
        f"/v1/event_types/{collective['id']}", headers=auth_headers, json={"schedule_id": None}
    )
    slots = await _slots(client, auth_headers, collective["id"])
    assert [s["start"][11:16] for s in slots] == ["09:30"]


@pytest.mark.parametrize("gone", ["deactivated", "deleted"])
async def test_a_deactivated_or_deleted_host_is_never_free(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, two_host_teams: Teams, gone: str
) -> None:
    from astrocal_server.storage.models import Host

    async with app.state.astrocal.db.write() as session:
        host = await session.get_one(Host, two_host_teams.a)
        if gone == "deactivated":
            host.active = False
        else:
            host.deleted_at = app.state.astrocal.clock.now()
    assert await _slots(client, auth_headers, two_host_teams.collective["id"]) == []
    slots = await _slots(client, auth_headers, two_host_teams.round_robin["id"])
    assert slots and all(s["host_ids"] == [two_host_teams.b] for s in slots)


class PerCalendarBusy:
    """A busy source: calendar ``busy`` is busy 09:00–10:00 on Tuesday, ``broken`` fails; it
    records each scope asked (calendar ids and zone)."""

    def __init__(self) -> None:
        self.asked: list[tuple[tuple[str, ...], str]] = []

    async def busy(self, scope: Any, start: Any, end: Any) -> Any:
        from astrocal_server.availability import ExternalBusyResult
        from astrocal_server.availability.engine import BusyInterval

        ids = tuple(sorted(str(c["calendar_id"]) for c in scope.conflict_calendars))
        self.asked.append((ids, scope.time_zone))
        result = ExternalBusyResult()
        for ref in scope.conflict_calendars:
            if ref["calendar_id"] == "busy":
                result.busy.append(
                    BusyInterval(TUESDAY_9, TUESDAY_9 + timedelta(hours=1), ref["connection_id"])
                )
            if ref["calendar_id"] == "broken":
                result.failures.append({"connection_id": ref["connection_id"], "reason": "down"})
        return result


async def test_each_host_is_busy_in_its_own_calendars(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, account: Any, utc_schedule: str,
    make_team: MakeTeam,
) -> None:  # fmt: skip
    from tests.support.hosts import add_host_id

    source = PerCalendarBusy()
    app.state.astrocal.busy_source = source
    busy_ref = {"connection_id": "conn_a", "calendar_id": "busy"}
    a = await add_host_id(app, account, schedule=utc_schedule, conflict_calendars=[busy_ref])
    b = await add_host_id(app, account, schedule=utc_schedule)
    c = await add_host_id(app, account, schedule=utc_schedule)
    team = await make_team([a, b, c], "round_robin")
    slots = await _slots(client, auth_headers, team["id"])
    assert slots[0]["start"] == iso(TUESDAY_9) and slots[0]["host_ids"] == [b, c]
    assert slots[2]["host_ids"] == [a, b, c]  # 10:00: a's calendar is free again
    # b and c have no calendars of their own (nor has the event type): a is the only one asked.
    assert source.asked == [(("busy",), "UTC")]
    check = await _check(client, auth_headers, team["id"], host_id=a)
    assert check["available"] is False and check["reasons"][0]["code"] == "calendar_busy"

    # A calendar that cannot be read: on_calendar_error decides, as for one host.
    broken = {"connection_id": "conn_b", "calendar_id": "broken"}
    d = await add_host_id(app, account, schedule=utc_schedule, conflict_calendars=[broken])
    failing = await make_team([b, d], "round_robin")
    r = await client.get(
        "/v1/availability",
        headers=auth_headers,
        params={"event_type_id": failing["id"], "date": TUESDAY},
    )
    assert r.status_code == 503 and r.json()["error"]["code"] == "calendar_unavailable", r.text
    await client.patch(
        f"/v1/event_types/{failing['id']}",
        headers=auth_headers,
        json={"on_calendar_error": "ignore"},
    )
    r = await client.get(
        "/v1/availability",
        headers=auth_headers,
        params={"event_type_id": failing["id"], "date": TUESDAY},
    )
    assert r.status_code == 200, r.text
    assert [w["connection_id"] for w in r.json()["warnings"]] == ["conn_b"]
