"""The bookings API: create, conflicts with reasons and alternatives, list/pagination, retrieve,
PATCH, cancel (POST and DELETE), reschedule, durations, seats, quota, outbox rows, tenancy."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.bookings import service
from astrocal_server.invitee.links import reveal_event
from astrocal_server.storage.models import Booking
from fastapi import FastAPI

from tests.support.app import override_settings
from tests.support.bookings import (
    TUESDAY_9,
    Api,
    Book,
    MakeEventType,
    Outbox,
    booking_body,
    iso,
    make_schedule,
)
from tests.support.hosts import default_host
from tests.support.resources import assert_error

H = dict[str, str]


async def _sequence(app: FastAPI, booking_id: str) -> int:
    async with app.state.astrocal.db.read() as session:
        booking = await session.get_one(Booking, booking_id)
        return booking.ics_sequence


async def test_create_and_retrieve(api: Api) -> None:
    evt = await api.make_event_type(
        location={"type": "video", "value": "https://meet.example.com/a"}
    )
    r = await api.book(
        evt["id"],
        "2026-04-14T11:00:00+02:00",  # any offset; normalised to UTC
        guests=["sam@acme.com"],
        notes="Bring the roadmap",
        metadata={"source": "website"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"].startswith("bk_")
    host = await default_host(api.app, api.account)  # a booking of an event type without hosts
    manage = body.pop("manage_url")
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/manage/[A-Za-z0-9_-]{43}", manage), manage
    assert body.pop("cancel_url") == f"{manage}/cancel"
    assert body.pop("reschedule_url") == f"{manage}/reschedule"
    assert body == {
        "id": body["id"],
        "status": "confirmed",
        "event_type_id": evt["id"],
        "start": "2026-04-14T09:00:00Z",
        "end": "2026-04-14T09:30:00Z",
        "invitee": {"name": "Jo Smith", "email": "jo@acme.com", "time_zone": "Europe/London"},
        "guests": ["sam@acme.com"],
        "hosts": [{"id": host.id, "name": host.name, "email": host.email}],
        "notes": "Bring the roadmap",
        "metadata": {"source": "website"},
        "location": {"type": "video", "value": "https://meet.example.com/a"},
        "livemode": False,
        "created_at": "2026-04-13T08:00:00Z",
        "updated_at": "2026-04-13T08:00:00Z",
    }
    got = await api.client.get(f"/v1/bookings/{body['id']}", headers=api.headers)
    assert got.status_code == 200
    assert got.json() == {
        **body,
        "manage_url": manage,
        "cancel_url": f"{manage}/cancel",
        "reschedule_url": f"{manage}/reschedule",
    }
    # Test mode: the webhook event only (no email, no calendar write).
    assert await api.outbox(body["id"]) == [("webhook", "booking.created")]


async def test_live_booking_owes_webhook_and_email(api: Api, live_headers: H) -> None:
    schedule = await make_schedule(api.client, live_headers, name="UTC", days=("tuesday",))
    evt = await api.make_event_type(headers=live_headers, schedule_id=schedule)
    r = await api.book(evt["id"], TUESDAY_9, headers=live_headers)
    assert r.status_code == 201, r.text
    assert r.json()["livemode"] is True
    assert sorted(await api.outbox(r.json()["id"])) == [
        ("email", "booking.created"),
        ("webhook", "booking.created"),
    ]
    # The email consumer reads the payload as written.
    from astrocal_server.notify.notice import parse_notice
    from astrocal_server.storage.models import OutboxMessage
    from sqlalchemy import select

    async with api.app.state.astrocal.db.read() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.booking_id == r.json()["id"])
            )
        ).all()
    payloads = {row.kind: row.payload for row in rows}
    notice = parse_notice(payloads["email"])
    assert notice.booking_id == r.json()["id"]
    # Stored without the invitee's token; the sender puts it back.
    token = r.json()["manage_url"].rsplit("/", 1)[1]
    assert token not in json.dumps(payloads)
    box = api.app.state.astrocal.secret_box
    assert reveal_event(payloads["webhook"], box)["data"] == r.json()


async def test_taken_slot_is_409_with_reasons_and_alternatives(
    book: Book, event_type: dict[str, Any], outbox: Outbox
) -> None:
    first = await book(event_type["id"], TUESDAY_9)
    assert first.status_code == 201
    before = await outbox()
    r = await book(event_type["id"], TUESDAY_9, email="sam@acme.com")
    error = assert_error(r, 409, "conflict_error", "slot_unavailable", "start")
    reasons = error["details"]["reasons"]
    assert [x["code"] for x in reasons] == ["booked"]
    assert reasons[0]["conflict"] == {
        "start": "2026-04-14T09:00:00Z",
        "end": "2026-04-14T09:30:00Z",
        "source": "booking",
    }
    alternatives = error["details"]["alternatives"]
    assert alternatives and len(alternatives) <= 3
    assert all(a["start"] != "2026-04-14T09:00:00Z" for a in alternatives)
    # The alternatives really are open: booking one works.
    assert (await book(event_type["id"], alternatives[0]["start"])).status_code == 201
    # A refused booking wrote no outbox rows.
    assert len(await outbox()) == len(before) + 1


@pytest.mark.parametrize(
    ("start", "code"),
    [
        ("2026-04-14T09:10:00Z", "not_on_slot_grid"),
        ("2026-04-14T20:00:00Z", "outside_working_hours"),
        ("2026-04-10T09:00:00Z", "minimum_notice"),  # in the past
        ("2026-09-01T09:00:00Z", "beyond_booking_window"),
    ],
)
async def test_unbookable_starts_explain_why(
    book: Book, event_type: dict[str, Any], start: str, code: str
) -> None:
    r = await book(event_type["id"], start)
    assert r.status_code == 409, r.text
    assert code in [x["code"] for x in r.json()["error"]["details"]["reasons"]]


async def test_inactive_event_type_and_missing_one(api: Api) -> None:
    evt = await api.make_event_type(active=False)
    r = await api.book(evt["id"], TUESDAY_9)
    assert r.status_code == 409
    assert [x["code"] for x in r.json()["error"]["details"]["reasons"]] == ["event_type_inactive"]
    r = await api.book("evt_doesnotexist", TUESDAY_9)
    assert r.status_code == 404
    assert r.json()["error"]["param"] == "event_type_id"


async def test_duration_from_options(book: Book, make_event_type: MakeEventType) -> None:
    evt = await make_event_type(duration_options=[30, 60])
    r = await book(evt["id"], TUESDAY_9, duration=60)
    assert r.status_code == 201, r.text
    assert r.json()["end"] == "2026-04-14T10:00:00Z"
    r = await book(evt["id"], TUESDAY_9 + timedelta(hours=2), duration=45)
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "duration"
    # The 60-minute booking blocks 09:30 too.
    r = await book(evt["id"], TUESDAY_9 + timedelta(minutes=30))
    assert r.status_code == 409


async def test_back_to_back_and_buffers(book: Book, make_event_type: MakeEventType) -> None:
    plain = await make_event_type()
    assert (await book(plain["id"], TUESDAY_9)).status_code == 201
    assert (await book(plain["id"], TUESDAY_9 + timedelta(minutes=30))).status_code == 201
    buffered = await make_event_type(buffer_after_minutes=15)
    assert (await book(buffered["id"], TUESDAY_9 + timedelta(hours=2))).status_code == 201
    r = await book(plain["id"], TUESDAY_9 + timedelta(hours=2, minutes=30))
    assert r.status_code == 409
    assert "buffer" in [x["code"] for x in r.json()["error"]["details"]["reasons"]]


async def test_seats(book: Book, make_event_type: MakeEventType) -> None:
    evt = await make_event_type(seats_per_slot=3)
    for i in range(3):
        r = await book(evt["id"], TUESDAY_9, email=f"p{i}@acme.com")
        assert r.status_code == 201, r.text
    r = await book(evt["id"], TUESDAY_9, email="late@acme.com")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "slot_unavailable"
    assert [x["code"] for x in r.json()["error"]["details"]["reasons"]] == ["seats_full"]


async def test_list_filters_order_and_pagination(api: Api) -> None:
    a = await api.make_event_type()
    b = await api.make_event_type()
    starts = [TUESDAY_9 + timedelta(hours=h) for h in (3, 0, 2, 1)]
    ids = {}
    for i, start in enumerate(starts):
        evt = a if i % 2 == 0 else b
        r = await api.book(evt["id"], start, email=f"Person{i}@Acme.com")
        assert r.status_code == 201, r.text
        ids[start] = r.json()["id"]
    r = await api.client.get("/v1/bookings", headers=api.headers)
    assert [x["start"] for x in r.json()["data"]] == [iso(s) for s in sorted(starts)]
    assert r.json()["has_more"] is False and r.json()["next_cursor"] is None

    async def listing(**params: Any) -> list[str]:
        r = await api.client.get("/v1/bookings", headers=api.headers, params=params)
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["data"]]

    assert await listing(event_type_id=a["id"]) == [ids[starts[0]], ids[starts[2]]][::-1]
    assert await listing(invitee_email="person1@acme.com") == [ids[starts[1]]]
    assert await listing(start_after=iso(starts[3]), start_before=iso(starts[0])) == [
        ids[starts[3]],
        ids[starts[2]],
    ]
    await api.client.post(f"/v1/bookings/{ids[starts[1]]}/cancel", headers=api.headers)
    assert await listing(status="cancelled") == [ids[starts[1]]]

    # Pages: a booking inserted before the cursor neither shifts nor repeats the next page.
    first = await api.client.get("/v1/bookings", headers=api.headers, params={"limit": 2})
    page1 = first.json()
    assert page1["has_more"] is True
    assert (await api.book(a["id"], TUESDAY_9 + timedelta(minutes=30))).status_code == 201
    second = await api.client.get(
        "/v1/bookings", headers=api.headers, params={"limit": 2, "cursor": page1["next_cursor"]}
    )
    page2 = second.json()
    assert [x["start"] for x in page1["data"] + page2["data"]] == [iso(s) for s in sorted(starts)]
    assert page2["has_more"] is False


async def test_list_rejects_bad_filters(client: httpx.AsyncClient, auth_headers: H) -> None:
    for params, param in [
        ({"status": "pending"}, "status"),
        ({"invitee_email": "not-an-email"}, "invitee_email"),
        ({"start_after": "2026-04-14T09:00:00"}, "start_after"),
        ({"start_before": "0001-01-01T00:00:00+01:00"}, "start_before"),
        ({"cursor": "garbage"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"event_type_id": "sch_x"}, "event_type_id"),
    ]:
        r = await client.get("/v1/bookings", headers=auth_headers, params=params)
        assert r.status_code == 400, (params, r.text)
        assert r.json()["error"]["param"] == param


async def test_patch(api: Api, event_type: dict[str, Any]) -> None:
    created = (await api.book(event_type["id"], TUESDAY_9, metadata={"a": "1", "b": "2"})).json()
    r = await api.client.patch(
        f"/v1/bookings/{created['id']}",
        headers=api.headers,
        json={
            "notes": "Agenda attached",
            "metadata": {"a": "", "c": "3"},
            "invitee": {"name": "Jo S.", "time_zone": "America/New_York"},
            "guests": ["lee@acme.com"],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["metadata"] == {"b": "2", "c": "3"}
    assert body["notes"] == "Agenda attached"
    assert body["invitee"] == {
        "name": "Jo S.",
        "email": "jo@acme.com",
        "time_zone": "America/New_York",
    }
    assert body["guests"] == ["lee@acme.com"]
    assert body["start"] == created["start"]
    r = await api.client.patch(
        f"/v1/bookings/{created['id']}", headers=api.headers, json={"notes": ""}
    )
    assert "notes" not in r.json()
    assert sorted(await api.outbox(created["id"])) == [
        ("webhook", "booking.created"),
        ("webhook", "booking.updated"),
        ("webhook", "booking.updated"),
    ]
    for bad, param in [
        ({"invitee": {"email": "x@y.com"}}, "invitee.email"),
        ({"metadata": {f"k{i}": "v" for i in range(51)}}, "metadata"),
        ({"metadata": {"a": 1}}, "metadata"),
        ({"metadata": {"x" * 41: "v"}}, "metadata"),
        ({"guests": ["a@b.com", "A@b.com"]}, "guests"),
        ({"start": "2026-04-14T10:00:00Z"}, "start"),
        ({"notes": None}, "notes"),
        ({"invitee": {"time_zone": "Mars/Olympus"}}, "invitee.time_zone"),
    ]:
        r = await api.client.patch(f"/v1/bookings/{created['id']}", headers=api.headers, json=bad)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["error"]["param"] == param, (bad, r.text)


async def test_metadata_merge_respects_the_key_limit(
    client: httpx.AsyncClient, auth_headers: H, book: Book, event_type: dict[str, Any]
) -> None:
    full = {f"k{i}": "v" for i in range(50)}
    created = (await book(event_type["id"], TUESDAY_9, metadata=full)).json()
    r = await client.patch(
        f"/v1/bookings/{created['id']}", headers=auth_headers, json={"metadata": {"one": "more"}}
    )
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "metadata"
    r = await client.patch(
        f"/v1/bookings/{created['id']}",
        headers=auth_headers,
        json={"metadata": {"k0": "", "one": "more"}},
    )
    assert r.status_code == 200
    assert len(r.json()["metadata"]) == 50


@pytest.mark.parametrize("how", ["post", "delete"])
async def test_cancel_is_idempotent_and_frees_the_slot(
    api: Api, event_type: dict[str, Any], how: str
) -> None:
    created = (await api.book(event_type["id"], TUESDAY_9)).json()
    url = f"/v1/bookings/{created['id']}"

    async def cancel(body: dict[str, Any] | None) -> httpx.Response:
        if how == "post":
            return await api.client.post(f"{url}/cancel", headers=api.headers, json=body)
        return await api.client.request("DELETE", url, headers=api.headers, json=body)

    r = await cancel({"reason": "Double-booked on my side"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "cancelled"
    assert body["cancelled_at"] == "2026-04-13T08:00:00Z"
    assert body["cancel_reason"] == "Double-booked on my side"
    assert await _sequence(api.app, created["id"]) == 1
    again = await cancel(None)
    assert again.status_code == 200
    assert again.json() == body
    assert await _sequence(api.app, created["id"]) == 1
    assert sorted(await api.outbox(created["id"])) == [
        ("webhook", "booking.cancelled"),
        ("webhook", "booking.created"),
    ]
    assert (await api.client.get(url, headers=api.headers)).json() == body
    rebooked = await api.book(event_type["id"], TUESDAY_9, email="next@acme.com")
    assert rebooked.status_code == 201
    r = await cancel({"reason": 5})
    assert r.status_code == 400


async def test_reschedule(api: Api) -> None:
    evt = await api.make_event_type(duration_minutes=60, slot_interval_minutes=30)
    created = (await api.book(evt["id"], TUESDAY_9)).json()
    other = (await api.book(evt["id"], TUESDAY_9 + timedelta(hours=3))).json()
    api.clock.advance(timedelta(hours=1))
    url = f"/v1/bookings/{created['id']}/reschedule"
    # 09:30–10:30 overlaps only the booking's own 09:00–10:00: allowed.
    r = await api.client.post(
        url, headers=api.headers, json={"start": "2026-04-14T09:30:00Z", "reason": "Later"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == created["id"]
    assert (body["start"], body["end"]) == ("2026-04-14T09:30:00Z", "2026-04-14T10:30:00Z")
    assert (body["previous_start"], body["previous_end"]) == (created["start"], created["end"])
    assert body["rescheduled_at"] == "2026-04-13T09:00:00Z"
    assert body["reschedule_reason"] == "Later"
    assert await _sequence(api.app, created["id"]) == 1
    # The old time is free now; the new one is taken.
    assert (await api.book(evt["id"], TUESDAY_9 + timedelta(hours=6))).status_code == 201
    r = await api.client.post(url, headers=api.headers, json={"start": other["start"]})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "slot_unavailable"
    assert r.json()["error"]["details"]["alternatives"]
    await api.client.post(f"/v1/bookings/{created['id']}/cancel", headers=api.headers)
    r = await api.client.post(url, headers=api.headers, json={"start": "2026-04-15T09:00:00Z"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "booking_cancelled"
    assert await _sequence(api.app, created["id"]) == 2
    assert sorted(await api.outbox(created["id"])) == [
        ("webhook", "booking.cancelled"),
        ("webhook", "booking.created"),
        ("webhook", "booking.rescheduled"),
    ]
    for bad, param in [
        ({}, "start"),
        ({"start": "2026-04-15T09:00:00"}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"start": "2026-04-15T09:00:00Z", "reason": "x" * 501}, "reason"),
        ({"start": "2026-04-15T09:00:00Z", "duration": 30}, "duration"),
    ]:
        r = await api.client.post(
            f"/v1/bookings/{other['id']}/reschedule", headers=api.headers, json=bad
        )
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["error"]["param"] == param


async def test_bad_create_bodies_name_the_param(
    client: httpx.AsyncClient, auth_headers: H, event_type: dict[str, Any]
) -> None:
    good: dict[str, Any] = {
        "event_type_id": event_type["id"],
        "start": "2026-04-14T09:00:00Z",
        "invitee": {"name": "Jo", "email": "jo@acme.com"},
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({**good, "start": "2026-04-14T09:00:00"}, "start"),  # naive
        ({**good, "start": "2026-04-14"}, "start"),
        ({**good, "start": 1776157200}, "start"),
        ({**good, "start": "0001-01-01T00:00:00Z"}, "start"),
        ({**good, "start": "9999-12-31T23:59:59Z"}, "start"),
        ({**good, "start": "0001-01-01T00:00:00+01:00"}, "start"),
        ({**good, "start": "2026-04-14T09:00:00+25:00"}, "start"),
        ({**good, "event_type_id": 7}, "event_type_id"),
        ({**good, "event_type_id": "sch_abc"}, "event_type_id"),
        ({**good, "invitee": {"name": "Jo", "email": "not-an-email"}}, "invitee.email"),
        ({**good, "invitee": {"name": "", "email": "jo@acme.com"}}, "invitee.name"),
        (
            {
                **good,
                "invitee": {"name": "Jo", "email": "jo@acme.com", "time_zone": "Europe/Berlim"},
            },
            "invitee.time_zone",
        ),
        ({**good, "invitee": {"name": "Jo"}}, "invitee.email"),
        ({**good, "guests": ["sam@acme.com", "nope"]}, "guests.1"),
        ({**good, "guests": [f"g{i}@acme.com" for i in range(11)]}, "guests"),
        ({**good, "guests": ["sam@acme.com", "Sam@acme.com"]}, "guests"),
        ({**good, "notes": "x" * 5001}, "notes"),
        ({**good, "duration": "30"}, "duration"),
        ({**good, "duration": 4}, "duration"),
        ({**good, "duration": True}, "duration"),
        ({**good, "metadata": {f"k{i}": "v" for i in range(51)}}, "metadata"),
        ({**good, "metadata": {"k": "v" * 501}}, "metadata"),
        ({**good, "metadata": {"k": {"nested": "no"}}}, "metadata"),
        ({**good, "surprise": 1}, "surprise"),
        ({k: v for k, v in good.items() if k != "invitee"}, "invitee"),
        ({**good, "notes": None}, "notes"),
    ]
    for body, param in cases:
        r = await client.post("/v1/bookings", headers=auth_headers, json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["param"] == param, (body, r.json())
    r = await client.post(
        "/v1/bookings", headers={**auth_headers, "Content-Type": "application/json"}, content=b"[1"
    )
    assert r.status_code == 400


async def test_other_accounts_bookings_look_missing(
    client: httpx.AsyncClient, other_headers: H, book: Book, event_type: dict[str, Any]
) -> None:
    created = (await book(event_type["id"], TUESDAY_9)).json()
    url = f"/v1/bookings/{created['id']}"
    assert (await client.get(url, headers=other_headers)).status_code == 404
    assert (await client.patch(url, headers=other_headers, json={"notes": "x"})).status_code == 404
    assert (await client.post(f"{url}/cancel", headers=other_headers)).status_code == 404
    r = await client.post(
        f"{url}/reschedule", headers=other_headers, json={"start": "2026-04-15T09:00:00Z"}
    )
    assert r.status_code == 404
    r = await client.get("/v1/bookings", headers=other_headers)
    assert r.json()["data"] == []
    # Nor can another account book this account's event type.
    r = await book(event_type["id"], TUESDAY_9 + timedelta(hours=1), headers=other_headers)
    assert r.status_code == 404


async def test_retry_after_a_lost_response_returns_the_same_booking(
    client: httpx.AsyncClient, auth_headers: H, book: Book, event_type: dict[str, Any]
) -> None:
    headers = {**auth_headers, "Idempotency-Key": "order-42"}
    first = await book(event_type["id"], TUESDAY_9, headers=headers)
    assert first.status_code == 201
    # The client never saw `first` and sends the same request again.
    retry = await book(event_type["id"], TUESDAY_9, headers=headers)
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    listed = (await client.get("/v1/bookings", headers=auth_headers)).json()["data"]
    assert [b["id"] for b in listed] == [first.json()["id"]]


async def test_a_rolled_back_create_leaves_no_booking_and_no_outbox_rows(
    api: Api, event_type: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.enqueue_booking_change

    def enqueue_then_fail(*args: Any, **kwargs: Any) -> list[str]:
        real(*args, **kwargs)
        raise RuntimeError("the process dies before the commit")

    before = await api.outbox()
    monkeypatch.setattr(service, "enqueue_booking_change", enqueue_then_fail)
    transport = httpx.ASGITransport(app=api.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        body = booking_body(event_type["id"], TUESDAY_9)
        r = await c.post("/v1/bookings", headers=api.headers, json=body)
    assert r.status_code == 500
    assert await api.outbox() == before
    assert (await api.client.get("/v1/bookings", headers=api.headers)).json()["data"] == []


async def test_free_plan_quota(api: Api, make_account: Any) -> None:
    from astrocal_server.config import Plan

    override_settings(
        api.app,
        plans={
            "free": Plan(bookings_per_month=10, requests_per_minute=1000),
            "unlimited": Plan(bookings_per_month=None, requests_per_minute=1000),
        },
    )
    account: NewAccount = await make_account(name="Free Co", email="f@example.com", plan="free")
    headers = {"Authorization": f"Bearer {account.test_key.secret}"}
    schedule = await make_schedule(api.client, headers, name="UTC", days=("tuesday",))
    evt = await api.make_event_type(headers=headers, schedule_id=schedule)
    ids = []
    for i in range(10):
        r = await api.book(evt["id"], TUESDAY_9 + timedelta(minutes=30 * i), headers=headers)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    await api.client.post(f"/v1/bookings/{ids[0]}/cancel", headers=headers)  # no refund
    r = await api.book(evt["id"], TUESDAY_9 + timedelta(hours=6), headers=headers)
    assert r.status_code == 402
    error = r.json()["error"]
    assert error["code"] == "booking_limit_reached"
    assert error["details"] == {"bookings_limit": 10, "resets_at": "2026-05-01T00:00:00Z"}
    assert "2026-05-01T00:00:00Z" in error["message"]
    usage = (await api.client.get("/v1/usage", headers=headers)).json()
    assert (usage["plan"], usage["bookings_used"], usage["bookings_limit"]) == ("free", 10, 10)
    # A reschedule does not count again (and is allowed at the limit).
    r = await api.client.post(
        f"/v1/bookings/{ids[1]}/reschedule", headers=headers, json={"start": "2026-04-21T09:00:00Z"}
    )
    assert r.status_code == 200, r.text
    # Live mode has its own quota.
    live = {"Authorization": f"Bearer {account.live_key.secret}"}
    assert (await api.client.get("/v1/usage", headers=live)).json()["bookings_used"] == 0


async def test_daily_limit(book: Book, make_event_type: MakeEventType) -> None:
    evt = await make_event_type(max_bookings_per_day=2)
    assert (await book(evt["id"], TUESDAY_9)).status_code == 201
    assert (await book(evt["id"], TUESDAY_9 + timedelta(hours=2))).status_code == 201
    r = await book(evt["id"], TUESDAY_9 + timedelta(hours=4))
    assert r.status_code == 409
    assert "daily_limit" in [x["code"] for x in r.json()["error"]["details"]["reasons"]]
    assert (await book(evt["id"], TUESDAY_9 + timedelta(days=1))).status_code == 201
