"""The waitlist over the API: joining only what is taken (409 ``slot_available`` otherwise), one
entry per person and slot, positions in queue order; promotion in the transaction that frees the
slot (cancel, reschedule, hold release or expiry, leaving the queue), one per freed seat; the
invitee confirming through the token; bad input a 4xx naming the parameter."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests.support.bookings import TUESDAY_9, Api, iso
from tests.support.resources import assert_error

H = dict[str, str]
START = iso(TUESDAY_9)


def _invitee(email: str) -> dict[str, Any]:
    return {"name": email.split("@")[0].title(), "email": email, "time_zone": "Europe/Paris"}


async def _join(api: Api, event_type_id: str, email: str, **extra: Any) -> httpx.Response:
    when = {} if "start" in extra or "date" in extra else {"start": START}
    body = {"event_type_id": event_type_id, "invitee": _invitee(email), **when, **extra}
    api.clock.advance(seconds=1)  # queue order is join order
    return await api.client.post("/v1/waitlist", headers=api.headers, json=body)


async def _entry(api: Api, entry_id: str) -> dict[str, Any]:
    r = await api.client.get(f"/v1/waitlist/{entry_id}", headers=api.headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _events(app: FastAPI, *entry_ids: str) -> list[tuple[str, str]]:
    """The ``waitlist.*`` webhook events written for ``entry_ids``: (entry id, type)."""
    from astrocal_server.storage.models import OutboxMessage
    from sqlalchemy import select

    async with app.state.astrocal.db.read() as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "webhook"))
        ).all()
    return [
        (r.payload["data"]["id"], r.topic)
        for r in rows
        if r.topic.startswith("waitlist.") and r.payload["data"]["id"] in entry_ids
    ]


async def _run_relay(app: FastAPI) -> None:
    from astrocal_server.outbox.relay import OutboxRelay

    await OutboxRelay(app.state.astrocal, owner="test-relay").run_once()


async def test_join_list_retrieve_and_leave_with_positions(api: Api) -> None:
    evt = await api.make_event_type()
    # An open start is not for waiting.
    open_start = await _join(api, evt["id"], "ann@acme.com")
    assert_error(open_start, 409, "conflict_error", "slot_available", "start")
    assert (await api.book(evt["id"], START)).status_code == 201
    # The day still has open starts.
    open_day = await _join(api, evt["id"], "ann@acme.com", date="2026-04-14")
    assert_error(open_day, 409, "conflict_error", "slot_available", "date")

    first = await _join(api, evt["id"], "ann@acme.com", metadata={"k": "v"})
    assert first.status_code == 201, first.text
    ann = first.json()
    assert ann["id"].startswith("wl_")
    assert (ann["status"], ann["position"], ann["start"], ann["date"]) == (
        "waiting",
        1,
        START,
        None,
    )
    assert (ann["hold_id"], ann["confirm_url"], ann["metadata"]) == (None, None, {"k": "v"})
    bob = (await _join(api, evt["id"], "bob@acme.com")).json()
    assert bob["position"] == 2
    again = await _join(api, evt["id"], "ANN@acme.com")
    assert_error(again, 409, "conflict_error", "waitlist_duplicate")

    listed = (await api.client.get("/v1/waitlist", headers=api.headers)).json()
    assert [(e["id"], e["position"]) for e in listed["data"]] == [(ann["id"], 1), (bob["id"], 2)]
    only_bob = await api.client.get(
        "/v1/waitlist", headers=api.headers, params={"invitee_email": "bob@acme.com"}
    )
    assert [e["id"] for e in only_bob.json()["data"]] == [bob["id"]]

    left = await api.client.delete(f"/v1/waitlist/{ann['id']}", headers=api.headers)
    assert left.status_code == 200
    assert (left.json()["status"], left.json()["position"]) == ("cancelled", None)
    assert (await _entry(api, bob["id"]))["position"] == 1
    # Leaving twice changes nothing; the same person may join again.
    assert (await api.client.delete(f"/v1/waitlist/{ann['id']}", headers=api.headers)).json() == (
        left.json()
    )
    assert (await _join(api, evt["id"], "ann@acme.com")).json()["position"] == 2


async def test_bad_input_names_the_parameter(api: Api, other_headers: H, live_headers: H) -> None:
    evt = await api.make_event_type()
    assert (await api.book(evt["id"], START)).status_code == 201
    both = await _join(api, evt["id"], "a@acme.com", start=START, date="2026-04-14")
    assert both.status_code == 400 and both.json()["error"]["param"] == "start"
    neither = await api.client.post(
        "/v1/waitlist",
        headers=api.headers,
        json={"event_type_id": evt["id"], "invitee": _invitee("a@acme.com")},
    )
    assert neither.status_code == 400 and neither.json()["error"]["param"] == "date"
    missing = await _join(api, "evt_nope", "a@acme.com")
    assert_error(missing, 404, "not_found_error", "resource_missing", "event_type_id")
    bad_email = await api.client.post(
        "/v1/waitlist",
        headers=api.headers,
        json={"event_type_id": evt["id"], "start": START, "invitee": {"name": "A", "email": "x"}},
    )
    assert bad_email.status_code in (400, 422)
    assert "email" in bad_email.json()["error"]["param"]
    # A day already over in the event type's zone (UTC here) will never free a start.
    yesterday = (api.clock.now() - timedelta(days=1)).date().isoformat()
    over = await _join(api, evt["id"], "a@acme.com", date=yesterday)
    assert_error(over, 409, "conflict_error", "slot_unavailable", "date")
    assert yesterday in over.json()["error"]["message"]
    entry = (await _join(api, evt["id"], "a@acme.com")).json()
    for headers in (other_headers, live_headers):
        assert (
            await api.client.get(f"/v1/waitlist/{entry['id']}", headers=headers)
        ).status_code == 404
        gone = await api.client.delete(f"/v1/waitlist/{entry['id']}", headers=headers)
        assert gone.status_code == 404
    nope = await api.client.get("/v1/waitlist/wl_nope", headers=api.headers)
    assert nope.status_code == 404
    token = await api.client.get("/v1/invitee/waitlist/not-a-token")
    assert_error(token, 404, "not_found_error", "invitee_link_not_found", "token")


async def test_a_cancel_promotes_the_first_entry_who_confirms_with_the_token(api: Api) -> None:
    evt = await api.make_event_type(waitlist_hold_minutes=45)
    assert evt["waitlist_hold_minutes"] == 45
    booked = (await api.book(evt["id"], START)).json()
    ann = (await _join(api, evt["id"], "ann@acme.com")).json()
    # Bob waits for the whole day: taken entirely by another booking each half hour.
    cal = (await _join(api, evt["id"], "cal@acme.com")).json()

    r = await api.client.post(f"/v1/bookings/{booked['id']}/cancel", headers=api.headers, json={})
    assert r.status_code == 200, r.text
    shown = await _entry(api, ann["id"])
    assert shown["status"] == "promoted" and shown["hold_id"].startswith("hold_")
    assert shown["hold_expires_at"] == iso(api.clock.now() + timedelta(minutes=45))
    assert shown["confirm_url"].startswith("http") and "/waitlist/" in shown["confirm_url"]
    assert (await _entry(api, cal["id"]))["position"] == 1
    hold = (await api.client.get(f"/v1/holds/{shown['hold_id']}", headers=api.headers)).json()
    assert (hold["status"], hold["start"], hold["waitlist_entry_id"]) == (
        "active",
        START,
        ann["id"],
    )
    assert await _events(api.app, ann["id"]) == [(ann["id"], "waitlist.promoted")]
    # The slot is the entry's now: nobody else books it.
    taken = await api.book(evt["id"], START, email="zed@acme.com")
    assert_error(taken, 409, "conflict_error", "slot_unavailable", "start")

    token = shown["confirm_url"].rsplit("/", 1)[1]
    view = await api.client.get(f"/v1/invitee/waitlist/{token}")
    assert view.status_code == 200, view.text
    assert (view.json()["status"], view.json()["start"], view.json()["can_confirm"]) == (
        "promoted",
        START,
        True,
    )
    done = await api.client.post(f"/v1/invitee/waitlist/{token}/confirm")
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["start"]) == ("confirmed", START)
    twice = await api.client.post(f"/v1/invitee/waitlist/{token}/confirm")
    assert twice.status_code == 200 and twice.json() == done.json()
    settled = await _entry(api, ann["id"])
    assert settled["status"] == "booked" and settled["booking_id"].startswith("bk_")
    assert settled["confirm_url"] is None
    assert (await api.client.get(f"/v1/invitee/waitlist/{token}")).json()["can_confirm"] is False


async def test_an_unconfirmed_hold_expires_and_the_next_entry_is_promoted(api: Api) -> None:
    evt = await api.make_event_type(waitlist_hold_minutes=5, max_bookings_per_day=1)
    booked = (await api.book(evt["id"], START)).json()
    ann = (await _join(api, evt["id"], "ann@acme.com")).json()
    bob = (await _join(api, evt["id"], "bob@acme.com", date="2026-04-14")).json()
    await api.client.post(f"/v1/bookings/{booked['id']}/cancel", headers=api.headers, json={})
    assert (await _entry(api, ann["id"]))["status"] == "promoted"
    assert (await _entry(api, bob["id"]))["status"] == "waiting"

    api.clock.advance(minutes=6)
    await _run_relay(api.app)
    expired = await _entry(api, ann["id"])
    assert (expired["status"], expired["confirm_url"]) == ("expired", None)
    promoted = await _entry(api, bob["id"])
    assert promoted["status"] == "promoted" and promoted["hold_id"] != expired["hold_id"]
    assert sorted(await _events(api.app, ann["id"], bob["id"])) == sorted(
        [
            (ann["id"], "waitlist.expired"),
            (ann["id"], "waitlist.promoted"),
            (bob["id"], "waitlist.promoted"),
        ]
    )


async def test_release_reschedule_and_leaving_promote_the_next_entry(api: Api) -> None:
    evt = await api.make_event_type()
    booked = (await api.book(evt["id"], START)).json()
    ann = (await _join(api, evt["id"], "ann@acme.com")).json()
    bob = (await _join(api, evt["id"], "bob@acme.com")).json()
    cal = (await _join(api, evt["id"], "cal@acme.com")).json()
    moved = await api.client.post(
        f"/v1/bookings/{booked['id']}/reschedule",
        headers=api.headers,
        json={"start": iso(TUESDAY_9 + timedelta(hours=2))},
    )
    assert moved.status_code == 200, moved.text
    first = await _entry(api, ann["id"])
    assert first["status"] == "promoted"
    # Releasing the promotion's hold gives the slot to the next one.
    released = await api.client.delete(f"/v1/holds/{first['hold_id']}", headers=api.headers)
    assert released.json()["status"] == "released"
    assert (await _entry(api, ann["id"]))["status"] == "cancelled"
    second = await _entry(api, bob["id"])
    assert second["status"] == "promoted"
    # Leaving a promoted entry releases its hold and promotes the next.
    left = await api.client.delete(f"/v1/waitlist/{bob['id']}", headers=api.headers)
    assert left.json()["status"] == "cancelled"
    hold = (await api.client.get(f"/v1/holds/{second['hold_id']}", headers=api.headers)).json()
    assert hold["status"] == "released"
    assert (await _entry(api, cal["id"]))["status"] == "promoted"


async def test_a_seated_slot_promotes_one_entry_per_freed_seat(api: Api) -> None:
    evt = await api.make_event_type(seats_per_slot=2)
    one = (await api.book(evt["id"], START, email="x@acme.com")).json()
    two = (await api.book(evt["id"], START, email="y@acme.com")).json()
    entries = [(await _join(api, evt["id"], f"{n}@acme.com")).json() for n in ("ann", "bob", "cal")]
    await api.client.post(f"/v1/bookings/{one['id']}/cancel", headers=api.headers, json={})
    statuses = [(await _entry(api, e["id"]))["status"] for e in entries]
    assert statuses == ["promoted", "waiting", "waiting"]
    await api.client.post(f"/v1/bookings/{two['id']}/cancel", headers=api.headers, json={})
    statuses = [(await _entry(api, e["id"]))["status"] for e in entries]
    assert statuses == ["promoted", "promoted", "waiting"]


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match is not None, page
    return match.group(1)


async def test_the_confirm_page_books_the_held_slot_and_refuses_forged_posts(api: Api) -> None:
    evt = await api.make_event_type(title="Intro call")
    booked = (await api.book(evt["id"], START)).json()
    ann = (await _join(api, evt["id"], "ann@acme.com")).json()
    await api.client.post(f"/v1/bookings/{booked['id']}/cancel", headers=api.headers, json={})
    url = (await _entry(api, ann["id"]))["confirm_url"]
    path = "/waitlist/" + url.rsplit("/", 1)[1]

    page = await api.client.get(path)
    assert page.status_code == 200
    assert "Intro call" in page.text and "Confirm the booking" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert (await api.client.get("/waitlist/" + "x" * 43)).status_code == 404

    forged = await api.client.post(f"{path}/confirm", data={"csrf": "nope"})
    assert forged.status_code == 403
    cross_site = await api.client.post(
        f"{path}/confirm", data={"csrf": _csrf(page.text)}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross_site.status_code == 403
    assert (await _entry(api, ann["id"]))["status"] == "promoted"

    done = await api.client.post(
        f"{path}/confirm",
        data={"csrf": _csrf(page.text), "tz": "Europe/Paris"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert done.status_code == 200, done.text
    assert "Booked:" in done.text and "/manage/" in done.text
    entry = await _entry(api, ann["id"])
    assert entry["status"] == "booked"
    assert "Confirm the booking" not in (await api.client.get(path)).text
