"""Schedules: CRUD, interval rules, the default schedule, deletion guards, tenancy."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from astrocal_server.clock import FixedClock

from tests.support.resources import H, assert_deleted, assert_hidden, created, poster

_create = poster("/v1/schedules", name="Office")


async def test_create_defaults_to_account_zone_and_weekday_hours(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    body = created(await _create(client, auth_headers))
    assert body["id"].startswith("sch_")
    assert body["time_zone"] == "Europe/Berlin"
    assert len(body["weekly_hours"]) == 5
    assert body["is_default"] is False and body["livemode"] is False


async def test_full_round_trip(client: httpx.AsyncClient, auth_headers: H) -> None:
    r = await _create(
        client,
        auth_headers,
        time_zone="America/New_York",
        weekly_hours=[
            {"day": "monday", "start": "13:00", "end": "17:00"},
            {"day": "monday", "start": "09:00", "end": "12:00"},
            {"day": "saturday", "start": "20:00", "end": "24:00"},
        ],
        date_overrides=[
            {"date": "2026-12-27", "intervals": [{"start": "10:00", "end": "14:00"}]},
            {"date": "2026-12-24", "intervals": []},
        ],
    )
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    got = (await client.get(f"/v1/schedules/{sid}", headers=auth_headers)).json()
    assert got["weekly_hours"] == [
        {"day": "monday", "start": "09:00", "end": "12:00"},
        {"day": "monday", "start": "13:00", "end": "17:00"},
        {"day": "saturday", "start": "20:00", "end": "24:00"},
    ]
    assert [o["date"] for o in got["date_overrides"]] == ["2026-12-24", "2026-12-27"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"time_zone": "Europe/Nowhere"}, "time_zone"),
        (
            {"weekly_hours": [{"day": "monday", "start": "24:00", "end": "24:00"}]},
            "weekly_hours.0.start",
        ),
        (
            {"weekly_hours": [{"day": "monday", "start": "9:00", "end": "12:00"}]},
            "weekly_hours.0.start",
        ),
        ({"weekly_hours": [{"day": "monday", "start": "12:00", "end": "09:00"}]}, "weekly_hours.0"),
        (
            {"weekly_hours": [{"day": "funday", "start": "09:00", "end": "12:00"}]},
            "weekly_hours.0.day",
        ),
        (
            {
                "weekly_hours": [
                    {"day": "monday", "start": "09:00", "end": "12:00"},
                    {"day": "tuesday", "start": "09:00", "end": "12:00"},
                    {"day": "monday", "start": "11:30", "end": "13:00"},
                ]
            },
            "weekly_hours.2",
        ),
        (
            {
                "date_overrides": [
                    {"date": "2026-12-24", "intervals": []},
                    {"date": "2026-12-24", "intervals": []},
                ]
            },
            "date_overrides.1.date",
        ),
        (
            {
                "date_overrides": [
                    {
                        "date": "2026-12-24",
                        "intervals": [
                            {"start": "10:00", "end": "12:00"},
                            {"start": "11:00", "end": "13:00"},
                        ],
                    }
                ]
            },
            "date_overrides.0.intervals.1",
        ),
        ({"date_overrides": [{"date": "2026-02-30", "intervals": []}]}, "date_overrides.0.date"),
        ({"name": ""}, "name"),
        ({"name": 5}, "name"),
    ],
)
async def test_invalid_schedules_are_400_with_param(
    client: httpx.AsyncClient, auth_headers: H, body: dict[str, Any], param: str
) -> None:
    r = await _create(client, auth_headers, **body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["message"]


async def test_touching_intervals_are_fine(client: httpx.AsyncClient, auth_headers: H) -> None:
    r = await _create(
        client,
        auth_headers,
        weekly_hours=[
            {"day": "monday", "start": "09:00", "end": "12:00"},
            {"day": "monday", "start": "12:00", "end": "13:00"},
        ],
    )
    assert r.status_code == 201


async def test_patch_replaces_given_fields_only(
    client: httpx.AsyncClient, auth_headers: H, clock: FixedClock
) -> None:
    sid = (await _create(client, auth_headers)).json()["id"]
    clock.advance(minutes=5)
    r = await client.patch(
        f"/v1/schedules/{sid}",
        headers=auth_headers,
        json={"date_overrides": [{"date": "2026-12-31", "intervals": []}]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "Office" and len(body["weekly_hours"]) == 5
    assert body["date_overrides"] == [{"date": "2026-12-31", "intervals": []}]
    assert body["updated_at"] > body["created_at"]
    r = await client.patch(
        f"/v1/schedules/{sid}", headers=auth_headers, json={"time_zone": "Nope/Nope"}
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "time_zone"


async def test_default_moves_and_cannot_be_deleted(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    default = next(
        s
        for s in (await client.get("/v1/schedules", headers=auth_headers)).json()["data"]
        if s["is_default"]
    )
    r = await client.delete(f"/v1/schedules/{default['id']}", headers=auth_headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "default_schedule"
    new = (await _create(client, auth_headers, is_default=True)).json()
    assert new["is_default"] is True
    old = (await client.get(f"/v1/schedules/{default['id']}", headers=auth_headers)).json()
    assert old["is_default"] is False
    r = await client.patch(
        f"/v1/schedules/{new['id']}", headers=auth_headers, json={"is_default": False}
    )
    assert r.status_code == 400
    await assert_deleted(client, f"/v1/schedules/{default['id']}", auth_headers)


async def test_schedule_in_use_cannot_be_deleted(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    sid = (await _create(client, auth_headers)).json()["id"]
    r = await client.post(
        "/v1/event_types",
        headers=auth_headers,
        json={"title": "Call", "slug": "call", "duration_minutes": 30, "schedule_id": sid},
    )
    assert r.status_code == 201, r.text
    r = await client.delete(f"/v1/schedules/{sid}", headers=auth_headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "schedule_in_use"


async def test_pagination_is_stable(
    client: httpx.AsyncClient, auth_headers: H, clock: FixedClock
) -> None:
    for i in range(5):
        clock.advance(seconds=1)
        await _create(client, auth_headers, name=f"S{i}")
    seen: list[str] = []
    r = (await client.get("/v1/schedules?limit=2", headers=auth_headers)).json()
    seen += [s["id"] for s in r["data"]]
    clock.advance(seconds=1)
    await _create(client, auth_headers, name="late")  # an insert between pages
    while r["has_more"]:
        r = (
            await client.get(
                f"/v1/schedules?limit=2&cursor={r['next_cursor']}", headers=auth_headers
            )
        ).json()
        seen += [s["id"] for s in r["data"]]
    assert len(seen) == len(set(seen)) == 7  # default + 5 + late, nothing twice
    assert r["next_cursor"] is None


async def test_tenancy(
    client: httpx.AsyncClient, auth_headers: H, live_headers: H, other_headers: H
) -> None:
    sid = (await _create(client, auth_headers)).json()["id"]
    for headers in (other_headers, live_headers):  # another account; the same account's live mode
        await assert_hidden(client, f"/v1/schedules/{sid}", headers)
        assert (
            await client.patch(f"/v1/schedules/{sid}", headers=headers, json={"name": "x"})
        ).status_code == 404
        listed = (await client.get("/v1/schedules", headers=headers)).json()["data"]
        assert sid not in {s["id"] for s in listed}


async def test_many_concurrent_creates(client: httpx.AsyncClient, auth_headers: H) -> None:
    import asyncio

    # More concurrent writers than pooled connections: none may wait on another's connection.
    results = await asyncio.gather(
        *(_create(client, auth_headers, name=f"C{i}") for i in range(60))
    )
    assert [r.status_code for r in results] == [201] * 60
