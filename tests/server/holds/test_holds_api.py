"""Holds over the API: a hold takes its slot from everyone (availability, check, bookings, other
holds), turns into a booking atomically with ``hold_id``, is released idempotently, and simply
stops counting when it expires; bad input is a 4xx naming the parameter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.support.bookings import TUESDAY_9, Api, Book, MakeEventType, iso
from tests.support.resources import assert_error, created

H = dict[str, str]
START = iso(TUESDAY_9)


async def _hold(
    client: httpx.AsyncClient, headers: H, event_type_id: str, **extra: Any
) -> httpx.Response:
    body = {"event_type_id": event_type_id, "start": START, **extra}
    return await client.post("/v1/holds", headers=headers, json=body)


def _invitee(email: str = "jo@acme.com") -> dict[str, Any]:
    return {"name": "Jo Smith", "email": email}


async def test_a_hold_takes_the_slot_from_everyone_until_it_becomes_a_booking(api: Api) -> None:
    evt = await api.make_event_type()
    r = await _hold(api.client, api.headers, evt["id"], ttl_seconds=300, metadata={"cart": "c1"})
    hold = created(r)
    assert hold["id"].startswith("hold_")
    assert (hold["status"], hold["start"], hold["end"], hold["duration"]) == (
        "active",
        START,
        iso(TUESDAY_9 + timedelta(minutes=30)),
        30,
    )
    assert hold["expires_at"] == iso(api.clock.now() + timedelta(seconds=300))
    assert (hold["booking_id"], hold["waitlist_entry_id"], hold["metadata"]) == (
        None,
        None,
        {"cart": "c1"},
    )
    assert len(hold["hosts"]) == 1
    assert (await api.client.get(f"/v1/holds/{hold['id']}", headers=api.headers)).json() == hold

    # Availability leaves it out; the check says why, with the expiry.
    slots = await api.client.get(
        "/v1/availability",
        headers=api.headers,
        params={"event_type_id": evt["id"], "date": "2026-04-14", "time_zone": "UTC"},
    )
    assert START not in [s["start"] for s in slots.json()["data"]]
    check = await api.client.get(
        "/v1/availability/check",
        headers=api.headers,
        params={"event_type_id": evt["id"], "start": START},
    )
    reasons = check.json()["reasons"]
    assert [r["code"] for r in reasons] == ["held"], reasons
    assert reasons[0]["expires_at"] == hold["expires_at"]
    assert reasons[0]["conflict"]["source"] == "hold"

    # Nobody else gets it: neither a booking nor another hold.
    refused = await api.book(evt["id"], START, email="sam@acme.com")
    error = assert_error(refused, 409, "conflict_error", "slot_unavailable", "start")
    assert [r["code"] for r in error["details"]["reasons"]] == ["held"]
    assert_error(
        await _hold(api.client, api.headers, evt["id"]), 409, "conflict_error", "slot_unavailable"
    )

    # Converting books it, atomically; the hold records the booking.
    made = await api.client.post(
        "/v1/bookings",
        headers=api.headers,
        json={"hold_id": hold["id"], "invitee": _invitee(), "notes": "held first"},
    )
    assert made.status_code == 201, made.text
    booking = made.json()
    assert (booking["start"], booking["event_type_id"], booking["status"]) == (
        START,
        evt["id"],
        "confirmed",
    )
    assert booking["hosts"] == hold["hosts"]
    assert ("webhook", "booking.created") in await api.outbox(booking["id"])
    after = (await api.client.get(f"/v1/holds/{hold['id']}", headers=api.headers)).json()
    assert (after["status"], after["booking_id"]) == ("converted", booking["id"])

    # A second conversion is refused; releasing a converted hold too.
    again = await api.client.post(
        "/v1/bookings", headers=api.headers, json={"hold_id": hold["id"], "invitee": _invitee()}
    )
    error = assert_error(again, 409, "conflict_error", "hold_consumed", "hold_id")
    assert error["details"]["booking_id"] == booking["id"]
    released = await api.client.delete(f"/v1/holds/{hold['id']}", headers=api.headers)
    assert_error(released, 409, "conflict_error", "hold_consumed", "hold_id")
    # The slot stays taken by the booking.
    assert_error(
        await api.book(evt["id"], START, email="kim@acme.com"),
        409,
        "conflict_error",
        "slot_unavailable",
    )


async def test_the_same_idempotency_key_replays_the_conversion(
    client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType
) -> None:
    evt = await make_event_type()
    hold = (await _hold(client, auth_headers, evt["id"])).json()
    body = {"hold_id": hold["id"], "invitee": _invitee()}
    headers = {**auth_headers, "Idempotency-Key": "convert-1"}
    first = await client.post("/v1/bookings", headers=headers, json=body)
    second = await client.post("/v1/bookings", headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"


async def test_conversion_works_after_minimum_notice_has_passed(api: Api) -> None:
    evt = await api.make_event_type(minimum_notice_minutes=60)
    api.clock.set(TUESDAY_9 - timedelta(minutes=70))
    hold = (await _hold(api.client, api.headers, evt["id"], ttl_seconds=1800)).json()
    api.clock.advance(minutes=20)  # 50 minutes before the start: a new booking would be refused
    made = await api.client.post(
        "/v1/bookings", headers=api.headers, json={"hold_id": hold["id"], "invitee": _invitee()}
    )
    assert made.status_code == 201, made.text


async def test_an_expired_hold_stops_counting_and_cannot_be_converted(api: Api) -> None:
    evt = await api.make_event_type()
    hold = (await _hold(api.client, api.headers, evt["id"], ttl_seconds=60)).json()
    api.clock.advance(seconds=60)
    shown = (await api.client.get(f"/v1/holds/{hold['id']}", headers=api.headers)).json()
    assert shown["status"] == "expired"
    listed = await api.client.get("/v1/holds", headers=api.headers, params={"status": "expired"})
    assert [h["id"] for h in listed.json()["data"]] == [hold["id"]]
    late = await api.client.post(
        "/v1/bookings", headers=api.headers, json={"hold_id": hold["id"], "invitee": _invitee()}
    )
    error = assert_error(late, 409, "conflict_error", "hold_expired", "hold_id")
    # The start is open again, so it leads the alternatives.
    assert error["details"]["alternatives"][0]["start"] == START
    # No job needed: the slot is simply free.
    assert (await api.book(evt["id"], START)).status_code == 201
    # Releasing an expired hold returns it unchanged.
    released = await api.client.delete(f"/v1/holds/{hold['id']}", headers=api.headers)
    assert released.status_code == 200
    assert released.json()["status"] == "expired"


async def test_release_is_idempotent_and_frees_the_slot(api: Api) -> None:
    evt = await api.make_event_type()
    hold = (await _hold(api.client, api.headers, evt["id"])).json()
    first = await api.client.delete(f"/v1/holds/{hold['id']}", headers=api.headers)
    second = await api.client.delete(f"/v1/holds/{hold['id']}", headers=api.headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "released"
    assert first.json()["updated_at"] == second.json()["updated_at"]
    refused = await api.client.post(
        "/v1/bookings", headers=api.headers, json={"hold_id": hold["id"], "invitee": _invitee()}
    )
    assert_error(refused, 409, "conflict_error", "hold_released", "hold_id")
    assert (await api.book(evt["id"], START)).status_code == 201


async def test_seated_event_types_hold_one_seat(api: Api) -> None:
    evt = await api.make_event_type(seats_per_slot=2)
    assert (await _hold(api.client, api.headers, evt["id"])).status_code == 201
    assert (await api.book(evt["id"], START)).status_code == 201
    third = await api.book(evt["id"], START, email="kim@acme.com")
    error = assert_error(third, 409, "conflict_error", "slot_unavailable")
    assert [r["code"] for r in error["details"]["reasons"]] == ["seats_full"]


async def test_bad_input_names_the_parameter(
    client: httpx.AsyncClient,
    auth_headers: H,
    live_headers: H,
    other_headers: H,
    make_event_type: MakeEventType,
) -> None:
    evt = await make_event_type()
    for ttl in (59, 1801):
        r = await _hold(client, auth_headers, evt["id"], ttl_seconds=ttl)
        assert r.status_code in (400, 422), r.text
        assert r.json()["error"]["param"] == "ttl_seconds"
    off_grid = await client.post(
        "/v1/holds",
        headers=auth_headers,
        json={"event_type_id": evt["id"], "start": "2026-04-14T09:07:00Z"},
    )
    assert_error(off_grid, 409, "conflict_error", "slot_unavailable", "start")
    missing = await client.post(
        "/v1/holds", headers=auth_headers, json={"event_type_id": "evt_nope", "start": START}
    )
    assert_error(missing, 404, "not_found_error", "resource_missing", "event_type_id")
    hold = (await _hold(client, auth_headers, evt["id"])).json()
    for headers in (
        other_headers,
        live_headers,
    ):  # another account's, or a test hold with a live key
        r = await client.post(
            "/v1/bookings", headers=headers, json={"hold_id": hold["id"], "invitee": _invitee()}
        )
        assert_error(r, 404, "not_found_error", "resource_missing", "hold_id")
        assert (await client.get(f"/v1/holds/{hold['id']}", headers=headers)).status_code == 404
        assert (await client.delete(f"/v1/holds/{hold['id']}", headers=headers)).status_code == 404
    mismatch = await client.post(
        "/v1/bookings",
        headers=auth_headers,
        json={"hold_id": hold["id"], "start": "2026-04-14T10:00:00Z", "invitee": _invitee()},
    )
    assert_error(mismatch, 400, "invalid_request_error", "parameter_invalid", "start")
    no_time = await client.post("/v1/bookings", headers=auth_headers, json={"invitee": _invitee()})
    assert_error(no_time, 400, "invalid_request_error", "parameter_missing", "start")
    malformed = await client.get("/v1/holds/nope", headers=auth_headers)
    assert malformed.status_code in (400, 404)


async def test_hold_list_filters(api: Api) -> None:
    one = await api.make_event_type()
    two = await api.make_event_type()
    a = (await _hold(api.client, api.headers, one["id"])).json()
    b = (
        await _hold(api.client, api.headers, two["id"], start=iso(TUESDAY_9 + timedelta(hours=1)))
    ).json()
    await api.client.delete(f"/v1/holds/{b['id']}", headers=api.headers)
    everything = (await api.client.get("/v1/holds", headers=api.headers)).json()
    assert [h["id"] for h in everything["data"]] == [a["id"], b["id"]]
    active = (
        await api.client.get("/v1/holds", headers=api.headers, params={"status": "active"})
    ).json()
    assert [h["id"] for h in active["data"]] == [a["id"]]
    of_two = (
        await api.client.get("/v1/holds", headers=api.headers, params={"event_type_id": two["id"]})
    ).json()
    assert [h["id"] for h in of_two["data"]] == [b["id"]]


async def test_the_expiry_row_marks_the_hold_expired_once_due(api: Api) -> None:
    from astrocal_server.outbox.relay import OutboxRelay
    from astrocal_server.storage.models import BookingHost, Hold
    from sqlalchemy import select

    state = api.app.state.astrocal
    relay = OutboxRelay(state, owner="test-relay")
    evt = await api.make_event_type()
    hold = (await _hold(api.client, api.headers, evt["id"], ttl_seconds=120)).json()

    async def stored() -> tuple[str, int]:
        async with state.db.read() as session:
            row = await session.get_one(Hold, hold["id"])
            held = (
                await session.scalars(
                    select(BookingHost).where(BookingHost.booking_id == hold["id"])
                )
            ).all()
            return row.status, len(held)

    await relay.run_once()  # not due yet: nothing happens
    assert await stored() == ("active", 1)
    api.clock.advance(seconds=120)
    await relay.run_once()
    assert await stored() == ("expired", 0)
    await relay.run_once()  # idempotent: nothing left to do
    assert await stored() == ("expired", 0)
    shown = (await api.client.get(f"/v1/holds/{hold['id']}", headers=api.headers)).json()
    assert shown["status"] == "expired"


async def test_team_holds_occupy_their_hosts_and_list_by_any_of_them(
    client: httpx.AsyncClient, auth_headers: H, two_host_teams: Any, book: Book
) -> None:
    teams = two_host_teams
    collective = (await _hold(client, auth_headers, teams.collective["id"])).json()
    assert sorted(h["id"] for h in collective["hosts"]) == sorted([teams.a, teams.b])
    # Both hosts are taken: the round robin event type has nobody left at that start.
    taken = await book(teams.round_robin["id"], START)
    assert_error(taken, 409, "conflict_error", "slot_unavailable", "start")
    await client.delete(f"/v1/holds/{collective['id']}", headers=auth_headers)
    # Released, it still lists under either host; a round robin hold takes one host.
    rr = (await _hold(client, auth_headers, teams.round_robin["id"])).json()
    assert len(rr["hosts"]) == 1
    for host in (teams.a, teams.b):
        listed = await client.get("/v1/holds", headers=auth_headers, params={"host_id": host})
        expected = {collective["id"]} | ({rr["id"]} if rr["hosts"][0]["id"] == host else set())
        assert {h["id"] for h in listed.json()["data"]} == expected
    # The other host is still free for the round robin event type.
    assert (await book(teams.round_robin["id"], START)).status_code == 201


async def test_a_hold_shows_its_hosts_after_it_ends(
    client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType
) -> None:
    """Released, expired or converted, a hold no longer occupies its hosts, but still names them."""
    evt = await make_event_type()
    hold = (await _hold(client, auth_headers, evt["id"])).json()
    await client.delete(f"/v1/holds/{hold['id']}", headers=auth_headers)
    shown = (await client.get(f"/v1/holds/{hold['id']}", headers=auth_headers)).json()
    assert shown["hosts"] == hold["hosts"]
    listed = (await client.get("/v1/holds", headers=auth_headers)).json()["data"]
    assert [h["hosts"] for h in listed] == [hold["hosts"]]
