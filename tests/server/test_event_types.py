"""Event types: CRUD, validation, slugs, the schedule link, deletion rules, tenancy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.clock import FixedClock

from tests.support.resources import H, assert_deleted, assert_hidden, created, poster

_create = poster("/v1/event_types", title="Intro call", slug="intro-call", duration_minutes=30)


async def test_create_with_defaults(
    client: httpx.AsyncClient, auth_headers: H, account: NewAccount
) -> None:
    body = created(await _create(client, auth_headers))
    assert body["id"].startswith("evt_")
    assert body["slug"] == "intro-call"
    assert body["schedule_id"] == account.test_schedule.id
    assert body["slot_interval_minutes"] == 30
    assert (
        body["buffer_before_minutes"],
        body["buffer_after_minutes"],
        body["minimum_notice_minutes"],
    ) == (0, 0, 0)
    assert body["booking_window_days"] == 60 and body["seats_per_slot"] == 1
    assert body["on_calendar_error"] == "fail" and body["active"] is True
    assert body["conflict_calendars"] == [] and body["metadata"] == {} and body["livemode"] is False
    for absent in (
        "description",
        "duration_options",
        "max_bookings_per_day",
        "location",
        "destination_calendar",
    ):
        assert absent not in body  # omitted, not null


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"duration_minutes": 4}, "duration_minutes"),
        ({"duration_minutes": 721}, "duration_minutes"),
        ({"duration_minutes": "30"}, "duration_minutes"),
        ({"buffer_before_minutes": -1}, "buffer_before_minutes"),
        ({"buffer_after_minutes": 721}, "buffer_after_minutes"),
        ({"duration_options": [15, 45]}, "duration_options"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"title": ""}, "title"),
        ({"location": {"type": "moon", "value": "x"}}, "location.type"),
        ({"on_calendar_error": "explode"}, "on_calendar_error"),
        ({"metadata": {"k": 1}}, "metadata"),
        ({"metadata": {f"k{i}": "v" for i in range(51)}}, "metadata"),
        ({"metadata": {"k" * 41: "v"}}, "metadata"),
        ({"metadata": {"k": "v" * 501}}, "metadata"),
        ({"surprise": True}, "surprise"),
    ],
)
async def test_invalid_event_types_are_400(
    client: httpx.AsyncClient, auth_headers: H, body: dict[str, Any], param: str
) -> None:
    r = await _create(client, auth_headers, **body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == param


async def test_unknown_schedule_or_connection_is_404_with_param(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    r = await _create(client, auth_headers, slug=None)
    assert r.status_code == 400 and r.json()["error"]["param"] == "slug"
    r = await _create(client, auth_headers, schedule_id="sch_missing")
    assert r.status_code == 404 and r.json()["error"]["param"] == "schedule_id"
    r = await _create(
        client,
        auth_headers,
        conflict_calendars=[{"connection_id": "cal_missing", "calendar_id": "primary"}],
    )
    assert (
        r.status_code == 404 and r.json()["error"]["param"] == "conflict_calendars.0.connection_id"
    )


async def test_slug_is_unique_per_account_and_mode(
    client: httpx.AsyncClient, auth_headers: H, live_headers: H, other_headers: H
) -> None:
    assert (await _create(client, auth_headers, slug="demo")).status_code == 201
    r = await _create(client, auth_headers, slug="demo")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "slug_taken" and r.json()["error"]["param"] == "slug"
    assert (await _create(client, live_headers, slug="demo")).status_code == 201
    assert (await _create(client, other_headers, slug="demo")).status_code == 201


async def test_patch(client: httpx.AsyncClient, auth_headers: H) -> None:
    evt = (
        await _create(
            client,
            auth_headers,
            location={"type": "phone", "value": "+44 20 0000"},
            metadata={"a": "1", "b": "2"},
        )
    ).json()
    other = (await _create(client, auth_headers, slug="other")).json()
    assert other["slug"] == "other"
    url = f"/v1/event_types/{evt['id']}"
    r = await client.patch(
        url,
        headers=auth_headers,
        json={"minimum_notice_minutes": 240, "location": None, "metadata": {"a": "", "c": "3"}},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["minimum_notice_minutes"] == 240 and "location" not in body
    assert body["metadata"] == {"b": "2", "c": "3"}
    r = await client.patch(url, headers=auth_headers, json={"duration_options": [15, 60]})
    assert r.status_code == 400 and r.json()["error"]["param"] == "duration_options"
    r = await client.patch(
        url, headers=auth_headers, json={"duration_minutes": 60, "duration_options": [15, 60]}
    )
    assert r.status_code == 200 and r.json()["duration_options"] == [15, 60]
    r = await client.patch(url, headers=auth_headers, json={"slug": other["slug"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "slug_taken"
    r = await client.patch(url, headers=auth_headers, json={"title": None})
    assert r.status_code == 400 and r.json()["error"]["param"] == "title"


async def test_active_filter(client: httpx.AsyncClient, auth_headers: H) -> None:
    a = (await _create(client, auth_headers, slug="a")).json()
    b = (await _create(client, auth_headers, slug="b", active=False)).json()
    ids = lambda r: {e["id"] for e in r.json()["data"]}  # noqa: E731
    assert ids(await client.get("/v1/event_types?active=true", headers=auth_headers)) == {a["id"]}
    assert ids(await client.get("/v1/event_types?active=false", headers=auth_headers)) == {b["id"]}
    assert ids(await client.get("/v1/event_types", headers=auth_headers)) == {a["id"], b["id"]}


async def test_delete_rules(
    client: httpx.AsyncClient,
    auth_headers: H,
    account: NewAccount,
    clock: FixedClock,
    add_booking: Any,
) -> None:
    evt = (await _create(client, auth_headers)).json()
    url = f"/v1/event_types/{evt['id']}"
    await add_booking(account, evt["id"], clock.now() + timedelta(days=1))
    r = await client.delete(url, headers=auth_headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "event_type_has_bookings"
    assert (await client.delete(url + "?force=true", headers=auth_headers)).status_code == 204
    got = await client.get(url, headers=auth_headers)
    assert got.status_code == 200 and got.json()["active"] is False

    past = (await _create(client, auth_headers, slug="past")).json()
    await add_booking(account, past["id"], clock.now() - timedelta(days=1))
    await add_booking(account, past["id"], clock.now() + timedelta(days=2), status="cancelled")
    await assert_deleted(client, f"/v1/event_types/{past['id']}", auth_headers)
    # the slug of a deleted event type is free again
    assert (await _create(client, auth_headers, slug="past")).status_code == 201


async def test_tenancy(
    client: httpx.AsyncClient, auth_headers: H, live_headers: H, other_headers: H
) -> None:
    evt = (await _create(client, auth_headers)).json()
    url = f"/v1/event_types/{evt['id']}"
    for headers in (other_headers, live_headers):
        await assert_hidden(client, url, headers)
        assert (await client.patch(url, headers=headers, json={"title": "x"})).status_code == 404
        assert evt["id"] not in {
            e["id"] for e in (await client.get("/v1/event_types", headers=headers)).json()["data"]
        }
    # another account's schedule cannot be used either
    theirs = (await client.get("/v1/schedules", headers=other_headers)).json()["data"][0]["id"]
    r = await _create(client, auth_headers, slug="x", schedule_id=theirs)
    assert r.status_code == 404 and r.json()["error"]["param"] == "schedule_id"
