"""Hosts: CRUD, their own schedule, the external_id filter and its uniqueness, deletion rules
(upcoming bookings, event types listing the host, force, the default host), schedules and calendar
connections of a host, tenancy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.storage.models import EventType
from fastapi import FastAPI
from sqlalchemy import update

from tests.support.app import AddBooking
from tests.support.bookings import TUESDAY_9, MakeEventType
from tests.support.calendars import add_oauth_connection
from tests.support.clocks import NOW
from tests.support.resources import H, assert_deleted, assert_hidden, created, poster

_create = poster("/v1/hosts", name="Ana Ruiz")


async def _host(client: httpx.AsyncClient, headers: H, **body: Any) -> dict[str, Any]:
    return created(await _create(client, headers, **body))


async def _default_host(client: httpx.AsyncClient, headers: H) -> dict[str, Any]:
    listed = (await client.get("/v1/hosts", headers=headers)).json()["data"]
    return next(h for h in listed if h["is_default"])


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


async def test_create_defaults_and_own_schedule(client: httpx.AsyncClient, auth_headers: H) -> None:
    host = await _host(client, auth_headers)
    assert host["id"].startswith("host_")
    assert host["time_zone"] == "Europe/Berlin"  # the account's zone
    assert host["email"] is None and host["external_id"] is None
    assert host["conflict_calendars"] == [] and host["destination_calendar"] is None
    assert host["metadata"] == {} and host["active"] is True and host["is_default"] is False
    assert host["livemode"] is False
    schedule = (
        await client.get(f"/v1/schedules/{host['default_schedule_id']}", headers=auth_headers)
    ).json()
    assert schedule["host_id"] == host["id"] and schedule["is_default"] is False
    assert schedule["time_zone"] == "Europe/Berlin" and len(schedule["weekly_hours"]) == 5
    got = await client.get(f"/v1/hosts/{host['id']}", headers=auth_headers)
    assert got.json() == host


async def test_full_round_trip_and_patch(client: httpx.AsyncClient, auth_headers: H) -> None:
    host = await _host(
        client,
        auth_headers,
        email="Ana.Ruiz@Example.com",
        time_zone="Europe/Madrid",
        external_id="user_1",
        metadata={"clinic": "centro"},
    )
    assert host["email"] == "Ana.Ruiz@example.com"  # the normal form
    own = await client.get(f"/v1/schedules/{host['default_schedule_id']}", headers=auth_headers)
    assert own.json()["time_zone"] == "Europe/Madrid"
    other = await client.post(
        "/v1/schedules", headers=auth_headers, json={"name": "Late", "host_id": host["id"]}
    )
    assert other.status_code == 201 and other.json()["host_id"] == host["id"]
    r = await client.patch(
        f"/v1/hosts/{host['id']}",
        headers=auth_headers,
        json={
            "name": "Dr. Ana Ruiz",
            "email": None,
            "time_zone": "Europe/Lisbon",
            "default_schedule_id": other.json()["id"],
            "external_id": "user_2",
            "metadata": {"clinic": "", "floor": "2"},
        },
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["name"] == "Dr. Ana Ruiz" and changed["email"] is None
    assert changed["time_zone"] == "Europe/Lisbon"
    assert changed["default_schedule_id"] == other.json()["id"]
    assert changed["external_id"] == "user_2" and changed["metadata"] == {"floor": "2"}
    assert (await client.get(f"/v1/hosts/{host['id']}", headers=auth_headers)).json() == changed
    cleared = await client.patch(
        f"/v1/hosts/{host['id']}", headers=auth_headers, json={"external_id": None}
    )
    assert cleared.json()["external_id"] is None


async def test_every_account_has_its_default_host(
    client: httpx.AsyncClient, auth_headers: H, account: NewAccount
) -> None:
    default = await _default_host(client, auth_headers)
    assert default["name"] == account.account.name and default["email"] == account.account.email
    schedules = (await client.get("/v1/schedules", headers=auth_headers)).json()["data"]
    account_default = next(s for s in schedules if s["is_default"])
    assert default["default_schedule_id"] == account_default["id"]
    assert account_default["host_id"] == default["id"]


async def test_list_pages_and_filters_by_external_id(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    made = [await _host(client, auth_headers, name=f"H{n}", external_id=f"u{n}") for n in range(3)]
    first = (await client.get("/v1/hosts?limit=2", headers=auth_headers)).json()
    assert first["has_more"] is True and len(first["data"]) == 2
    rest = (
        await client.get(f"/v1/hosts?limit=2&cursor={first['next_cursor']}", headers=auth_headers)
    ).json()
    paged = [h["id"] for h in first["data"] + rest["data"]]
    assert rest["has_more"] is False and len(paged) == len(set(paged)) == 4
    default = await _default_host(client, auth_headers)
    assert set(paged) == {default["id"], *(h["id"] for h in made)}
    found = (await client.get("/v1/hosts?external_id=u1", headers=auth_headers)).json()
    assert [h["id"] for h in found["data"]] == [made[1]["id"]] and found["has_more"] is False
    none = (await client.get("/v1/hosts?external_id=nobody", headers=auth_headers)).json()
    assert none["data"] == []


async def test_external_id_is_unique_per_account_and_mode(
    client: httpx.AsyncClient, auth_headers: H, live_headers: H, other_headers: H
) -> None:
    first = await _host(client, auth_headers, external_id="user_7")
    error = _error(await _create(client, auth_headers, external_id="user_7"), 409)
    assert error["code"] == "host_external_id_taken" and error["param"] == "external_id"
    second = await _host(client, auth_headers, name="Bo")
    patched = await client.patch(
        f"/v1/hosts/{second['id']}", headers=auth_headers, json={"external_id": "user_7"}
    )
    assert _error(patched, 409)["code"] == "host_external_id_taken"
    # the same host may keep its own, the other mode and other accounts have their own ids
    same = await client.patch(
        f"/v1/hosts/{first['id']}", headers=auth_headers, json={"external_id": "user_7"}
    )
    assert same.status_code == 200
    await _host(client, live_headers, external_id="user_7")
    await _host(client, other_headers, external_id="user_7")
    # deleting the host frees its external_id
    await assert_deleted(client, f"/v1/hosts/{first['id']}", auth_headers)
    again = await _host(client, auth_headers, external_id="user_7")
    listed = (await client.get("/v1/hosts?external_id=user_7", headers=auth_headers)).json()
    assert [h["id"] for h in listed["data"]] == [again["id"]]


async def test_a_concurrent_duplicate_external_id_is_a_409_not_a_500(
    client: httpx.AsyncClient, auth_headers: H, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request whose check ran before another request wrote the same external_id (the check
    is skipped here to stand for that) still ends as 409 on the unique index, on create and on
    update."""
    from astrocal_server.hosts import service

    await _host(client, auth_headers, external_id="race")
    second = await _host(client, auth_headers, name="Bo")

    async def missed(*_args: Any, **_kwargs: Any) -> None:
        return None

    monkeypatch.setattr(service, "_check_external_id", missed)
    error = _error(await _create(client, auth_headers, external_id="race"), 409)
    assert error["code"] == "host_external_id_taken" and error["param"] == "external_id"
    r = await client.patch(
        f"/v1/hosts/{second['id']}", headers=auth_headers, json={"external_id": "race"}
    )
    assert _error(r, 409)["param"] == "external_id"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"email": "not-an-email"}, "email"),
        ({"name": ""}, "name"),
        ({"external_id": ""}, "external_id"),
        ({"metadata": {"k": 5}}, "metadata"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_create_bodies_name_the_param(
    client: httpx.AsyncClient, auth_headers: H, body: dict[str, Any], param: str
) -> None:
    assert _error(await _create(client, auth_headers, **body), 400)["param"] == param


async def test_calendars_are_validated_like_event_types(
    client: httpx.AsyncClient, auth_headers: H, app: FastAPI, account: NewAccount
) -> None:
    missing = {"connection_id": "cal_nope", "calendar_id": "x"}
    error = _error(await _create(client, auth_headers, conflict_calendars=[missing]), 404)
    assert error["param"] == "conflict_calendars.0.connection_id"
    connection = await add_oauth_connection(
        app,
        account,
        livemode=False,
        calendars=[
            {"id": "main", "name": "Main", "primary": True, "read_only": False},
            {"id": "holidays", "name": "Holidays", "primary": False, "read_only": True},
        ],
    )
    unknown = {"connection_id": connection, "calendar_id": "other"}
    error = _error(await _create(client, auth_headers, conflict_calendars=[unknown]), 400)
    assert error["param"] == "conflict_calendars.0.calendar_id"
    read_only = {"connection_id": connection, "calendar_id": "holidays"}
    error = _error(await _create(client, auth_headers, destination_calendar=read_only), 400)
    assert error["param"] == "destination_calendar.calendar_id"
    host = await _host(
        client,
        auth_headers,
        conflict_calendars=[read_only],
        destination_calendar={"connection_id": connection, "calendar_id": "main"},
    )
    assert host["conflict_calendars"] == [read_only]
    r = await client.patch(
        f"/v1/hosts/{host['id']}", headers=auth_headers, json={"destination_calendar": None}
    )
    assert r.json()["destination_calendar"] is None


async def test_default_schedule_must_be_one_of_the_hosts_own(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    host = await _host(client, auth_headers)
    default = await _default_host(client, auth_headers)
    url = f"/v1/hosts/{host['id']}"
    error = _error(
        await client.patch(url, headers=auth_headers, json={"default_schedule_id": "sch_nope"}),
        404,
    )
    assert error["param"] == "default_schedule_id"
    theirs = default["default_schedule_id"]
    error = _error(
        await client.patch(url, headers=auth_headers, json={"default_schedule_id": theirs}), 400
    )
    assert error["param"] == "default_schedule_id" and host["id"] in error["message"]


async def test_default_host_and_account_default_schedule_move_together(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    default = await _default_host(client, auth_headers)
    made = await client.post(
        "/v1/schedules", headers=auth_headers, json={"name": "New", "is_default": True}
    )
    assert (await _default_host(client, auth_headers))["default_schedule_id"] == made.json()["id"]
    back = await client.patch(
        f"/v1/hosts/{default['id']}",
        headers=auth_headers,
        json={"default_schedule_id": default["default_schedule_id"]},
    )
    assert back.status_code == 200, back.text
    old = await client.get(f"/v1/schedules/{default['default_schedule_id']}", headers=auth_headers)
    assert old.json()["is_default"] is True
    # a schedule of another host cannot become the account's default
    host = await _host(client, auth_headers)
    r = await client.patch(
        f"/v1/schedules/{host['default_schedule_id']}",
        headers=auth_headers,
        json={"is_default": True},
    )
    assert _error(r, 400)["param"] == "is_default"


async def test_a_hosts_default_schedule_cannot_be_deleted(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    host = await _host(client, auth_headers)
    r = await client.delete(f"/v1/schedules/{host['default_schedule_id']}", headers=auth_headers)
    error = _error(r, 409)
    assert error["code"] == "schedule_in_use" and error["details"] == {"host_ids": [host["id"]]}


async def test_the_default_host_cannot_be_deleted_or_deactivated(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    default = await _default_host(client, auth_headers)
    url = f"/v1/hosts/{default['id']}"
    for forced in ("", "?force=true"):
        error = _error(await client.delete(url + forced, headers=auth_headers), 409)
        assert error["code"] == "default_host" and "cannot be deleted" in error["message"]
    error = _error(await client.patch(url, headers=auth_headers, json={"active": False}), 400)
    assert error["param"] == "active"


BookHost = Callable[..., Awaitable[None]]


@pytest.fixture
async def book_host(
    account: NewAccount, add_booking: AddBooking, make_event_type: MakeEventType
) -> BookHost:
    """``book(host, start, **fields)``: a booking of ``host`` at ``start`` (of one event type)."""
    event_type = await make_event_type()

    async def book(host: dict[str, Any], start: datetime, **fields: Any) -> None:
        await add_booking(account, event_type["id"], start, host_id=host["id"], **fields)

    return book


async def test_upcoming_bookings_block_delete_unless_forced(
    client: httpx.AsyncClient, auth_headers: H, book_host: BookHost
) -> None:
    host = await _host(client, auth_headers, external_id="busy")
    await book_host(host, TUESDAY_9)
    url = f"/v1/hosts/{host['id']}"
    error = _error(await client.delete(url, headers=auth_headers), 409)
    assert error["code"] == "host_has_upcoming_bookings" and "force=true" in error["message"]
    assert (await client.delete(url + "?force=true", headers=auth_headers)).status_code == 204
    kept = (await client.get(url, headers=auth_headers)).json()
    assert kept["active"] is False and kept["external_id"] == "busy"
    # a deactivated host can be brought back
    back = await client.patch(url, headers=auth_headers, json={"active": True})
    assert back.json()["active"] is True


async def test_past_and_cancelled_bookings_do_not_block_delete(
    client: httpx.AsyncClient, auth_headers: H, book_host: BookHost
) -> None:
    host = await _host(client, auth_headers)
    await book_host(host, NOW - timedelta(days=1))
    await book_host(host, TUESDAY_9, status="cancelled")
    await assert_deleted(client, f"/v1/hosts/{host['id']}", auth_headers)


async def test_a_host_listed_by_an_event_type_is_in_use(
    client: httpx.AsyncClient, auth_headers: H, app: FastAPI, make_event_type: MakeEventType
) -> None:
    host = await _host(client, auth_headers)
    event_type = await make_event_type()
    async with app.state.astrocal.db.write() as session:
        await session.execute(
            update(EventType)
            .where(EventType.id == event_type["id"])
            .values(hosts=[{"host_id": host["id"], "priority": 0, "weight": 1}])
        )
    url = f"/v1/hosts/{host['id']}"
    error = _error(await client.delete(url, headers=auth_headers), 409)
    assert error["code"] == "host_in_use"
    assert error["details"] == {"event_type_ids": [event_type["id"]]}
    assert (await client.delete(url + "?force=true", headers=auth_headers)).status_code == 204
    assert (await client.get(url, headers=auth_headers)).json()["active"] is False


async def test_schedules_and_connections_name_their_host(
    client: httpx.AsyncClient, auth_headers: H, other_headers: H, live_headers: H
) -> None:
    default = await _default_host(client, auth_headers)
    plain = await client.post("/v1/schedules", headers=auth_headers, json={"name": "Plain"})
    assert plain.json()["host_id"] == default["id"]
    host = await _host(client, auth_headers)
    for headers in (other_headers, live_headers):  # another account's or mode's host
        r = await client.post(
            "/v1/schedules", headers=headers, json={"name": "X", "host_id": host["id"]}
        )
        error = _error(r, 404)
        assert error["param"] == "host_id" and host["id"] in error["message"]
    # a deactivated host still takes schedules (so it can be prepared before it is back)
    await client.patch(f"/v1/hosts/{host['id']}", headers=auth_headers, json={"active": False})
    ok = await client.post(
        "/v1/schedules", headers=auth_headers, json={"name": "Prep", "host_id": host["id"]}
    )
    assert ok.status_code == 201 and ok.json()["host_id"] == host["id"]
    # a deleted one is gone
    gone = await _host(client, auth_headers, name="Gone")
    await assert_deleted(client, f"/v1/hosts/{gone['id']}", auth_headers)
    r = await client.post(
        "/v1/schedules", headers=auth_headers, json={"name": "X", "host_id": gone["id"]}
    )
    assert _error(r, 404)["param"] == "host_id"


async def test_tenancy(
    client: httpx.AsyncClient, auth_headers: H, other_headers: H, live_headers: H
) -> None:
    host = await _host(client, auth_headers)
    url = f"/v1/hosts/{host['id']}"
    await assert_hidden(client, url, other_headers, live_headers)
    r = await client.patch(url, headers=other_headers, json={"name": "Mine"})
    assert r.status_code == 404
    listed = (await client.get("/v1/hosts", headers=other_headers)).json()["data"]
    assert host["id"] not in [h["id"] for h in listed]
    assert (await client.get(url, headers=auth_headers)).json()["name"] == "Ana Ruiz"
