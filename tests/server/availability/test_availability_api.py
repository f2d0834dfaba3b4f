"""``GET|POST /v1/availability`` and ``GET /v1/availability/check`` on SQLite and PostgreSQL.

The account's default schedule is Mon–Fri 09:00–17:00 Europe/Berlin (UTC+2 in April), and the
clock stands at Monday 2026-04-13 08:00 UTC, so Wednesday 2026-04-15 has 16 half-hour slots from
07:00 to 14:30 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.accounts.keycache import changing_cached
from astrocal_server.availability.engine import BusyInterval
from astrocal_server.availability.external import BusyFailure, BusyScope, ExternalBusyResult
from astrocal_server.availability.service import (
    check_start_in_session,
    load_event_type_and_schedule,
)
from astrocal_server.storage.models import EventType
from fastapi import FastAPI
from sqlalchemy import update

H = dict[str, str]
WEDNESDAY = [f"2026-04-15T{h:02d}:{m:02d}:00Z" for h in range(7, 15) for m in (0, 30)]


def at(hour: int, minute: int = 0, day: int = 15) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=UTC)


async def make_event_type(client: httpx.AsyncClient, headers: H, **body: Any) -> str:
    payload = {"title": "Intro call", "slug": f"intro-{len(body)}", "duration_minutes": 30, **body}
    r = await client.post("/v1/event_types", headers=headers, json=payload)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.fixture
async def evt(client: httpx.AsyncClient, auth_headers: H) -> str:
    return await make_event_type(client, auth_headers)


def starts(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [slot["start"] for slot in response.json()["data"]]


async def test_the_seed_request_with_a_form_body(
    client: httpx.AsyncClient, auth_headers: H, evt: str
) -> None:
    """The README's curl: ``-d "event_type_id=…&date=2026-04-15"`` (a form body)."""
    r = await client.post(
        "/v1/availability",
        headers={**auth_headers, "Content-Type": "application/x-www-form-urlencoded"},
        content=f"event_type_id={evt}&date=2026-04-15",
    )
    assert starts(r) == WEDNESDAY
    body = r.json()
    assert body["data"][0] == {"start": "2026-04-15T07:00:00Z", "end": "2026-04-15T07:30:00Z"}
    assert (body["event_type_id"], body["time_zone"]) == (evt, "Europe/Berlin")
    assert (body["start_date"], body["end_date"]) == ("2026-04-15", "2026-04-15")
    assert "warnings" not in body


async def test_get_query_and_json_body_agree(
    client: httpx.AsyncClient, auth_headers: H, evt: str
) -> None:
    query = {"event_type_id": evt, "date": "2026-04-15"}
    by_get = await client.get("/v1/availability", headers=auth_headers, params=query)
    by_json = await client.post("/v1/availability", headers=auth_headers, json=query)
    assert starts(by_get) == starts(by_json) == WEDNESDAY


async def test_time_zone_says_how_dates_are_read(
    client: httpx.AsyncClient, auth_headers: H, evt: str
) -> None:
    # 2026-04-15 in Auckland (UTC+12) is 2026-04-14 12:00 → 2026-04-15 12:00 UTC.
    r = await client.get(
        "/v1/availability",
        headers=auth_headers,
        params={"event_type_id": evt, "date": "2026-04-15", "time_zone": "Pacific/Auckland"},
    )
    found = starts(r)
    assert r.json()["time_zone"] == "Pacific/Auckland"
    assert found[0] == "2026-04-14T12:00:00Z" and found[-1] == "2026-04-15T11:30:00Z"
    assert len(found) == 6 + 10


async def test_ranges_and_their_maximum(
    client: httpx.AsyncClient, auth_headers: H, evt: str
) -> None:
    week = {"event_type_id": evt, "start_date": "2026-04-13", "end_date": "2026-04-19"}
    found = starts(await client.get("/v1/availability", headers=auth_headers, params=week))
    # Monday from now (08:00 UTC) on, Tuesday–Friday whole, nothing at the weekend.
    assert found[0] == "2026-04-13T08:00:00Z"
    assert len(found) == 14 + 4 * 16
    assert found == sorted(found)
    longest = {"event_type_id": evt, "start_date": "2026-04-13", "end_date": "2026-06-13"}
    assert (
        await client.get("/v1/availability", headers=auth_headers, params=longest)
    ).status_code == 200
    too_long = {**longest, "end_date": "2026-06-14"}
    r = await client.get("/v1/availability", headers=auth_headers, params=too_long)
    assert r.status_code == 400 and r.json()["error"]["param"] == "end_date"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"date": "2026-04-15"}, "event_type_id"),
        ({"event_type_id": "nope", "date": "2026-04-15"}, "event_type_id"),
        ({"event_type_id": "EVT"}, "date"),
        ({"event_type_id": "EVT", "date": "2026-4-15"}, "date"),
        ({"event_type_id": "EVT", "date": "2026-02-30"}, "date"),
        ({"event_type_id": "EVT", "date": "2026-04-15", "start_date": "2026-04-15"}, "date"),
        ({"event_type_id": "EVT", "start_date": "2026-04-15"}, "end_date"),
        ({"event_type_id": "EVT", "end_date": "2026-04-15"}, "start_date"),
        (
            {"event_type_id": "EVT", "start_date": "2026-04-15", "end_date": "2026-04-14"},
            "end_date",
        ),
        ({"event_type_id": "EVT", "date": "2026-04-15", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"event_type_id": "EVT", "date": "2026-04-15", "duration": "abc"}, "duration"),
        ({"event_type_id": "EVT", "date": "2026-04-15", "duration": "45"}, "duration"),
    ],
)
async def test_bad_input_is_a_400_naming_the_param(
    client: httpx.AsyncClient, auth_headers: H, evt: str, params: dict[str, str], param: str
) -> None:
    params = {k: (evt if v == "EVT" else v) for k, v in params.items()}
    r = await client.get("/v1/availability", headers=auth_headers, params=params)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    assert r.headers["x-request-id"] == error["request_id"]


async def test_json_body_is_typed_and_strict(
    client: httpx.AsyncClient, auth_headers: H, evt: str
) -> None:
    for body, param in (
        ({"event_type_id": evt, "date": "2026-04-15", "colour": "red"}, "colour"),
        ({"event_type_id": evt, "date": "2026-04-15", "duration": "30"}, "duration"),
        ({"event_type_id": evt, "date": 20260415}, "date"),
    ):
        r = await client.post("/v1/availability", headers=auth_headers, json=body)
        assert r.status_code == 400 and r.json()["error"]["param"] == param, r.text


async def test_duration_options(client: httpx.AsyncClient, auth_headers: H) -> None:
    evt = await make_event_type(client, auth_headers, duration_options=[30, 60])
    query = {"event_type_id": evt, "date": "2026-04-15", "duration": "60"}
    found = starts(await client.get("/v1/availability", headers=auth_headers, params=query))
    assert found == [f"2026-04-15T{h:02d}:00:00Z" for h in range(7, 15)]
    r = await client.get(
        "/v1/availability/check",
        headers=auth_headers,
        params={"event_type_id": evt, "start": "2026-04-15T14:30:00Z", "duration": "60"},
    )
    assert [x["code"] for x in r.json()["reasons"]] == ["outside_working_hours"]


async def test_another_accounts_event_type_is_404(
    client: httpx.AsyncClient, auth_headers: H, other_headers: H, evt: str
) -> None:
    for r in (
        await client.get(
            "/v1/availability",
            headers=other_headers,
            params={"event_type_id": evt, "date": "2026-04-15"},
        ),
        await client.get(
            "/v1/availability/check",
            headers=other_headers,
            params={"event_type_id": evt, "start": "2026-04-15T09:00:00Z"},
        ),
    ):
        assert r.status_code == 404, r.text
        assert r.json()["error"]["param"] == "event_type_id"
    unknown = {"event_type_id": "evt_doesnotexist", "date": "2026-04-15"}
    assert (
        await client.get("/v1/availability", headers=auth_headers, params=unknown)
    ).status_code == 404


async def test_test_mode_is_isolated(
    client: httpx.AsyncClient,
    auth_headers: H,
    live_headers: H,
    account: NewAccount,
    evt: str,
    add_booking: Any,
) -> None:
    live_evt = await make_event_type(client, live_headers)
    query = {"date": "2026-04-15"}
    # A test key cannot see the live event type, nor the live key the test one.
    for headers, other in ((auth_headers, live_evt), (live_headers, evt)):
        r = await client.get(
            "/v1/availability", headers=headers, params={**query, "event_type_id": other}
        )
        assert r.status_code == 404
    # A test-mode booking takes test time only.
    await add_booking(account, evt, at(7), livemode=False)
    test_slots = starts(
        await client.get(
            "/v1/availability", headers=auth_headers, params={**query, "event_type_id": evt}
        )
    )
    live_slots = starts(
        await client.get(
            "/v1/availability", headers=live_headers, params={**query, "event_type_id": live_evt}
        )
    )
    assert test_slots == WEDNESDAY[1:] and live_slots == WEDNESDAY


async def test_inactive_event_type_has_no_slots_and_check_says_why(
    client: httpx.AsyncClient, auth_headers: H, evt: str
) -> None:
    r = await client.patch(f"/v1/event_types/{evt}", headers=auth_headers, json={"active": False})
    assert r.status_code == 200, r.text
    query = {"event_type_id": evt, "date": "2026-04-15"}
    assert starts(await client.get("/v1/availability", headers=auth_headers, params=query)) == []
    r = await client.get(
        "/v1/availability/check",
        headers=auth_headers,
        params={"event_type_id": evt, "start": "2026-04-15T09:00:00Z"},
    )
    body = r.json()
    assert body["available"] is False and body["alternatives"] == []
    assert [x["code"] for x in body["reasons"]] == ["event_type_inactive"]


async def test_bookings_of_any_event_type_block_and_cancelled_ones_do_not(
    client: httpx.AsyncClient, auth_headers: H, account: NewAccount, evt: str, add_booking: Any
) -> None:
    other = await make_event_type(client, auth_headers, buffer_after_minutes=15, slug="other")
    await add_booking(account, other, at(9))  # blocks 09:00 and, with its buffer, 09:30
    await add_booking(account, evt, at(12), status="cancelled")
    query = {"event_type_id": evt, "date": "2026-04-15"}
    found = starts(await client.get("/v1/availability", headers=auth_headers, params=query))
    assert found == [
        s for s in WEDNESDAY if s not in ("2026-04-15T09:00:00Z", "2026-04-15T09:30:00Z")
    ]


async def test_check_explains_and_offers_alternatives(
    client: httpx.AsyncClient, auth_headers: H, account: NewAccount, evt: str, add_booking: Any
) -> None:
    await add_booking(account, evt, at(10))
    params = {"event_type_id": evt, "start": "2026-04-15T12:00:00+02:00"}  # 10:00 UTC
    r = await client.get("/v1/availability/check", headers=auth_headers, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["available"] is False
    assert body["reasons"] == [
        {
            "code": "booked",
            "message": body["reasons"][0]["message"],
            "conflict": {
                "start": "2026-04-15T10:00:00Z",
                "end": "2026-04-15T10:30:00Z",
                "source": "booking",
            },
        }
    ]
    assert body["alternatives"] == [
        {"start": "2026-04-15T09:00:00Z", "end": "2026-04-15T09:30:00Z"},
        {"start": "2026-04-15T09:30:00Z", "end": "2026-04-15T10:00:00Z"},
        {"start": "2026-04-15T10:30:00Z", "end": "2026-04-15T11:00:00Z"},
    ]
    ok = await client.get(
        "/v1/availability/check",
        headers=auth_headers,
        params={"event_type_id": evt, "start": "2026-04-15T11:00:00Z"},
    )
    assert ok.json() == {"available": True, "reasons": [], "alternatives": []}
    for start in (
        "tomorrow",
        "2026-04-15T11:00:00",
        "",
        "0001-01-01T00:00:00+01:00",  # no UTC instant at all
        "9999-12-31T23:00:00Z",  # the horizon after it does not exist
    ):
        r = await client.get(
            "/v1/availability/check",
            headers=auth_headers,
            params={"event_type_id": evt, "start": start},
        )
        assert r.status_code == 400 and r.json()["error"]["param"] == "start"


async def test_seated_event_types_report_seats_remaining(
    client: httpx.AsyncClient, auth_headers: H, account: NewAccount, add_booking: Any
) -> None:
    evt = await make_event_type(client, auth_headers, seats_per_slot=3)
    await add_booking(account, evt, at(7))
    await add_booking(account, evt, at(7))
    data = (
        await client.get(
            "/v1/availability",
            headers=auth_headers,
            params={"event_type_id": evt, "date": "2026-04-15"},
        )
    ).json()["data"]
    assert data[0] == {
        "start": "2026-04-15T07:00:00Z",
        "end": "2026-04-15T07:30:00Z",
        "seats_remaining": 1,
    }
    assert {slot["seats_remaining"] for slot in data[1:]} == {3}
    await add_booking(account, evt, at(7))
    r = await client.get(
        "/v1/availability/check",
        headers=auth_headers,
        params={"event_type_id": evt, "start": "2026-04-15T07:00:00Z"},
    )
    assert [x["code"] for x in r.json()["reasons"]] == ["seats_full"]


async def test_check_in_session_can_leave_out_the_booking_being_rescheduled(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: H,
    account: NewAccount,
    evt: str,
    add_booking: Any,
) -> None:
    booking_id = await add_booking(account, evt, at(10))
    state = app.state.astrocal
    async with state.db.write() as session:
        found = await load_event_type_and_schedule(
            session, account_id=account.account.id, livemode=False, event_type_id=evt
        )
        assert found is not None
        event_type, schedule, host_id = found
        common = {
            "event_type": event_type,
            "schedule": schedule,
            "host_id": host_id,
            "now": state.clock.now(),
            "busy": [],
            "duration_minutes": 30,
        }
        moved = await check_start_in_session(session, start=at(10, 15), **common)
        assert not moved.available  # off the grid and overlapping the old time
        taken = await check_start_in_session(session, start=at(10), **common)
        assert [r.code for r in taken.reasons] == ["booked"]
        mine = await check_start_in_session(
            session, start=at(10), exclude_booking_id=booking_id, **common
        )
        assert mine.available


@dataclass
class FakeBusySource:
    """An ``ExternalBusySource`` answering what the test says."""

    intervals: list[BusyInterval] = field(default_factory=list)
    failures: list[BusyFailure] = field(default_factory=list)

    async def busy(self, scope: BusyScope, start: datetime, end: datetime) -> ExternalBusyResult:
        return ExternalBusyResult(busy=list(self.intervals), failures=list(self.failures))


async def _with_conflict_calendar(app: FastAPI, evt: str, on_error: str = "fail") -> None:
    # Straight to the table (no calendar connection behind the id), announced as every service
    # write to an event type is, so availability's cached inputs are read again.
    async with changing_cached(app.state.astrocal) as session:
        await session.execute(
            update(EventType)
            .where(EventType.id == evt)
            .values(
                conflict_calendars=[{"connection_id": "cal_abc", "calendar_id": "primary"}],
                on_calendar_error=on_error,
            )
        )


async def test_external_busy_times_block_and_failures_follow_on_calendar_error(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H, evt: str
) -> None:
    source = FakeBusySource(intervals=[BusyInterval(at(8, 10), at(8, 20), "cal_abc")])
    app.state.astrocal.busy_source = source
    await _with_conflict_calendar(app, evt)
    query = {"event_type_id": evt, "date": "2026-04-15"}
    found = starts(await client.get("/v1/availability", headers=auth_headers, params=query))
    assert found == [s for s in WEDNESDAY if s != "2026-04-15T08:00:00Z"]
    r = await client.get(
        "/v1/availability/check",
        headers=auth_headers,
        params={"event_type_id": evt, "start": "2026-04-15T08:00:00Z"},
    )
    reason = r.json()["reasons"][0]
    assert (reason["code"], reason["conflict"]["source"]) == ("calendar_busy", "cal_abc")

    source.failures = [{"connection_id": "cal_abc", "reason": "timed out"}]
    r = await client.get("/v1/availability", headers=auth_headers, params=query)
    assert r.status_code == 503 and r.json()["error"]["code"] == "calendar_unavailable"
    await _with_conflict_calendar(app, evt, on_error="ignore")
    r = await client.get("/v1/availability", headers=auth_headers, params=query)
    assert r.status_code == 200
    assert [w["connection_id"] for w in r.json()["warnings"]] == ["cal_abc"]


def _validator(schema_name: str) -> Any:
    from pathlib import Path

    import yaml
    from jsonschema import Draft202012Validator

    spec = yaml.safe_load(
        (Path(__file__).resolve().parents[3] / "openapi.yaml").read_text(encoding="utf-8")
    )
    return Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


async def test_answers_match_the_spec_schemas(
    client: httpx.AsyncClient, auth_headers: H, account: NewAccount, add_booking: Any
) -> None:
    """The richest shapes (seats, conflicts, alternatives) validate against openapi.yaml."""
    evt = await make_event_type(client, auth_headers, seats_per_slot=2, buffer_after_minutes=10)
    other = await make_event_type(client, auth_headers, slug="other")
    await add_booking(account, evt, at(7))
    await add_booking(account, other, at(9))
    listed = await client.get(
        "/v1/availability",
        headers=auth_headers,
        params={"event_type_id": evt, "date": "2026-04-15"},
    )
    _validator("Availability").validate(listed.json())
    assert listed.json()["data"][0]["seats_remaining"] == 1
    checked = await client.get(
        "/v1/availability/check",
        headers=auth_headers,
        params={"event_type_id": evt, "start": "2026-04-15T08:30:00Z"},
    )
    body = checked.json()
    _validator("AvailabilityCheck").validate(body)
    assert [r["code"] for r in body["reasons"]] == ["buffer"] and len(body["alternatives"]) == 3
