"""Availability keeps an event type's inputs (the event type, its schedule as working hours, its
hosts) per process (``availability/inputs.py``), and forgets them when anything they hold changes:
a schedule, event type or host change is seen by the very next availability request, in the same
process and in another server process sharing the database (SQLite file and PostgreSQL).

The account's default schedule is Mon–Fri 09:00–17:00 Europe/Berlin, and the clock stands at
Monday 2026-04-13 08:00 UTC, so Wednesday 2026-04-15 has 16 half-hour slots from 07:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.availability import service
from astrocal_server.clock import FixedClock

from tests.support.app import bearer
from tests.support.availability import starts_on
from tests.support.races import clients_of
from tests.support.teams import Teams

H = dict[str, str]
NINE_TO_TEN = [{"day": "wednesday", "start": "09:00", "end": "10:00"}]


async def _event_type(client: httpx.AsyncClient, headers: H) -> dict[str, Any]:
    body = {"title": "Intro call", "slug": "intro", "duration_minutes": 30}
    r = await client.post("/v1/event_types", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _patch(client: httpx.AsyncClient, headers: H, path: str, body: dict[str, Any]) -> None:
    r = await client.patch(path, headers=headers, json=body)
    assert r.status_code == 200, r.text


async def test_a_known_event_type_is_read_once(
    client: httpx.AsyncClient, auth_headers: H, monkeypatch: pytest.MonkeyPatch
) -> None:
    evt = (await _event_type(client, auth_headers))["id"]
    loads: list[str] = []
    load = service.owned_event_type_and_host

    async def counted(conn: Any, caller: Any, event_type_id: str) -> Any:
        loads.append(event_type_id)
        return await load(conn, caller, event_type_id)

    monkeypatch.setattr(service, "owned_event_type_and_host", counted)
    for _ in range(3):
        assert len(await starts_on(client, auth_headers, evt)) == 16
    # A booking reads its event type from the same inputs (bookings/service.py: prepare_slot).
    body = {
        "event_type_id": evt,
        "start": "2026-04-15T07:00:00Z",
        "invitee": {"name": "Jo Smith", "email": "jo@acme.com"},
    }
    r = await client.post("/v1/bookings", headers=auth_headers, json=body)
    assert r.status_code == 201, r.text
    assert len(await starts_on(client, auth_headers, evt)) == 15
    assert loads == [evt]


async def test_schedule_and_event_type_changes_show_at_once(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    made = await _event_type(client, auth_headers)
    evt, schedule = made["id"], made["schedule_id"]
    assert len(await starts_on(client, auth_headers, evt)) == 16
    await _patch(client, auth_headers, f"/v1/schedules/{schedule}", {"weekly_hours": NINE_TO_TEN})
    assert await starts_on(client, auth_headers, evt) == [
        "2026-04-15T07:00:00Z",
        "2026-04-15T07:30:00Z",
    ]
    await _patch(client, auth_headers, f"/v1/event_types/{evt}", {"duration_minutes": 60})
    assert await starts_on(client, auth_headers, evt) == ["2026-04-15T07:00:00Z"]


async def test_a_host_change_shows_at_once(
    client: httpx.AsyncClient, auth_headers: H, two_host_teams: Teams
) -> None:
    collective = two_host_teams.collective["id"]
    r = await client.get(
        "/v1/availability",
        headers=auth_headers,
        params={"event_type_id": collective, "date": "2026-04-14", "time_zone": "UTC"},
    )
    assert r.status_code == 200 and r.json()["data"], r.text
    await _patch(client, auth_headers, f"/v1/hosts/{two_host_teams.a}", {"active": False})
    r = await client.get(
        "/v1/availability",
        headers=auth_headers,
        params={"event_type_id": collective, "date": "2026-04-14", "time_zone": "UTC"},
    )
    assert r.status_code == 200 and r.json()["data"] == [], r.text


async def test_a_change_made_by_another_process_shows_on_the_next_request(
    account: NewAccount, two_processes: list[str]
) -> None:
    owner = bearer(account.live_key.secret)
    async with clients_of(two_processes, 1) as (first, second):
        made = await _event_type(second, owner)
        evt, schedule = made["id"], made["schedule_id"]
        for _ in range(2):  # the first process now holds the event type's inputs
            assert len(await starts_on(first, owner, evt)) == 16
        await _patch(second, owner, f"/v1/schedules/{schedule}", {"weekly_hours": NINE_TO_TEN})
        assert len(await starts_on(first, owner, evt)) == 2
        await _patch(second, owner, f"/v1/event_types/{evt}", {"active": False})
        assert await starts_on(first, owner, evt) == []


async def test_rules_and_time_show_at_once_through_the_kept_answers(
    client: httpx.AsyncClient, auth_headers: H, clock: FixedClock
) -> None:
    """The engine's answers and the rules are kept per process (``availability/service.py``
    ``_kept_slots``, ``Inputs.rules``): a rule change of the same duration, a booking and the
    clock moving past a start each show on the next request."""
    evt = (await _event_type(client, auth_headers))["id"]
    assert len(await starts_on(client, auth_headers, evt)) == 16
    await _patch(client, auth_headers, f"/v1/event_types/{evt}", {"slot_interval_minutes": 60})
    assert len(await starts_on(client, auth_headers, evt)) == 8
    await _patch(client, auth_headers, f"/v1/event_types/{evt}", {"slot_interval_minutes": None})
    assert len(await starts_on(client, auth_headers, evt)) == 16
    clock.set(datetime(2026, 4, 15, 7, 0, 1, tzinfo=UTC))  # just past the first start
    starts = await starts_on(client, auth_headers, evt)
    assert len(starts) == 15 and starts[0] == "2026-04-15T07:30:00Z"
    clock.set(datetime(2026, 4, 15, 7, 0, 2, tzinfo=UTC))  # clipped alike: the same answer
    assert await starts_on(client, auth_headers, evt) == starts
    clock.set(datetime(2026, 4, 15, 14, 0, tzinfo=UTC))  # the last two left
    assert await starts_on(client, auth_headers, evt) == [
        "2026-04-15T14:00:00Z",
        "2026-04-15T14:30:00Z",
    ]
