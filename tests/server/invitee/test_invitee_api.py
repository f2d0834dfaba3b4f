"""The invitee token API (``/v1/invitee/bookings/{token}``, openapi.yaml tag Invitee): the view is
invitee-safe, availability/cancel/reschedule work with the token alone and say ``by: invitee``,
the event type's switches and notice window refuse with 409 changing nothing, bad tokens are one
indistinguishable 404, requests are limited per address and per token, and the account's
``invitee_url_template`` shapes the links."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from astrocal_server.storage.models import Booking

from tests.support.app import MakeAccount, bearer, server_settings
from tests.support.bookings import TUESDAY_9, Api, Book, MakeEventType, Outbox, iso, make_schedule
from tests.support.invitee import invitee_path, token_of
from tests.support.spec import Validate

H = dict[str, str]
INVITEE_SCHEMA = "/components/schemas/InviteeBooking"


@pytest.fixture
def settings(db_url: str) -> Settings:
    # The module's tests share one database (and, on PostgreSQL, its rate-limit counters) under a
    # pinned clock: the per-address budget is lifted here and lowered where a test needs it.
    return server_settings(db_url, invitee_limit_per_minute=100_000)


async def _booked(
    book: Book, event_type_id: str, start: Any = TUESDAY_9, **extra: Any
) -> dict[str, Any]:
    r = await book(event_type_id, start, **extra)
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture
async def booking(book: Book, event_type: dict[str, Any]) -> dict[str, Any]:
    """A confirmed booking at ``TUESDAY_9`` of an event type with the default switches."""
    return await _booked(book, event_type["id"])


@pytest.fixture
def token(booking: dict[str, Any]) -> str:
    """``booking``'s invitee token."""
    return token_of(booking)


async def _keyed(client: httpx.AsyncClient, headers: H, booking_id: str) -> dict[str, Any]:
    r = await client.get(f"/v1/bookings/{booking_id}", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


async def test_the_view_shows_what_the_invitee_may_see_and_nothing_else(
    api: Api, other_headers: H, validate: Validate
) -> None:
    evt = await api.make_event_type(
        description="A first talk.",
        location={"type": "video", "value": "https://meet.example.com/a"},
        metadata={"crm": "secret-crm-id"},
    )
    booking = await _booked(
        api.book,
        evt["id"],
        guests=["sam@acme.com"],
        notes="Bring the roadmap",
        metadata={"internal": "do-not-show"},
    )
    token = token_of(booking)
    # No key needed, and another account's key changes nothing (the token is the credential).
    for headers in ({}, other_headers, {"Authorization": "Bearer sk_test_nonsense"}):
        r = await api.client.get(invitee_path(token), headers=headers)
        assert r.status_code == 200, r.text
        view = r.json()
        assert validate(view, INVITEE_SCHEMA) == []
        assert view == {
            "id": booking["id"],
            "status": "confirmed",
            "start": "2026-04-14T09:00:00Z",
            "end": "2026-04-14T09:30:00Z",
            "duration_minutes": 30,
            "event_type": {"title": evt["title"], "description": "A first talk."},
            "location": {"type": "video", "value": "https://meet.example.com/a"},
            "hosts": [{"name": booking["hosts"][0]["name"]}],
            "invitee": booking["invitee"],
            "guests": ["sam@acme.com"],
            "notes": "Bring the roadmap",
            "can_cancel": True,
            "can_reschedule": True,
            "change_deadline": "2026-04-14T09:00:00Z",
            "manage_url": booking["manage_url"],
            "cancel_url": booking["cancel_url"],
            "reschedule_url": booking["reschedule_url"],
        }
    text = r.text
    for hidden in ("do-not-show", "secret-crm-id", evt["id"], booking["hosts"][0]["id"]):
        assert hidden not in text
    if booking["hosts"][0]["email"]:
        assert booking["hosts"][0]["email"] not in text


async def test_a_seated_slot_shows_no_other_invitee(
    client: httpx.AsyncClient, book: Book, make_event_type: MakeEventType
) -> None:
    evt = await make_event_type(seats_per_slot=3)
    mine = await _booked(book, evt["id"], email="jo@acme.com")
    await _booked(book, evt["id"], email="other-seat@elsewhere.com", notes="their private note")
    r = await client.get(invitee_path(token_of(mine)))
    assert r.status_code == 200, r.text
    assert "other-seat@elsewhere.com" not in r.text
    assert "their private note" not in r.text


async def test_availability_by_token_is_the_engines_without_the_bookings_own_time(
    client: httpx.AsyncClient,
    auth_headers: H,
    token: str,
    event_type: dict[str, Any],
    validate: Validate,
) -> None:
    keyed = await client.get(
        "/v1/availability",
        headers=auth_headers,
        params={"event_type_id": event_type["id"], "date": "2026-04-14"},
    )
    by_token = await client.get(invitee_path(token, "availability"), params={"date": "2026-04-14"})
    assert by_token.status_code == 200, by_token.text
    assert validate(by_token.json(), "/components/schemas/Availability") == []
    starts = [s["start"] for s in by_token.json()["data"]]
    keyed_starts = [s["start"] for s in keyed.json()["data"]]
    assert "2026-04-14T09:00:00Z" in starts  # its own time does not block it
    assert "2026-04-14T09:00:00Z" not in keyed_starts
    assert sorted(set(keyed_starts) | {"2026-04-14T09:00:00Z"}) == starts
    # A range and a zone, read as in /v1/availability.
    ranged = await client.get(
        invitee_path(token, "availability"),
        params={"start_date": "2026-04-14", "end_date": "2026-04-15", "time_zone": "Europe/Berlin"},
    )
    assert ranged.status_code == 200, ranged.text
    assert ranged.json()["time_zone"] == "Europe/Berlin"
    # Same errors as /v1/availability.
    missing = await client.get(invitee_path(token, "availability"))
    assert _error(missing, 400, "parameter_missing")["param"] == "date"
    bad_zone = await client.get(
        invitee_path(token, "availability"), params={"date": "2026-04-14", "time_zone": "Mars/Base"}
    )
    assert bad_zone.status_code == 400 and bad_zone.json()["error"]["param"] == "time_zone"
    too_long = await client.get(
        invitee_path(token, "availability"),
        params={"start_date": "2026-04-14", "end_date": "2026-08-14"},
    )
    assert too_long.status_code == 400 and too_long.json()["error"]["param"] == "end_date"


async def test_cancel_by_token_says_invitee_and_a_second_cancel_changes_nothing(
    client: httpx.AsyncClient,
    auth_headers: H,
    booking: dict[str, Any],
    token: str,
    outbox: Outbox,
) -> None:
    r = await client.post(invitee_path(token, "cancel"), json={"reason": "Can't make it"})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["status"] == "cancelled"
    assert view["cancelled_by"] == "invitee"
    assert view["cancel_reason"] == "Can't make it"
    assert view["can_reschedule"] is False
    assert view["reschedule_refusal"]["code"] == "booking_cancelled"
    keyed = await _keyed(client, auth_headers, booking["id"])
    assert keyed["cancelled_by"] == "invitee" and keyed["status"] == "cancelled"
    again = await client.post(invitee_path(token, "cancel"), json={"reason": "twice"})
    assert again.status_code == 200, again.text
    assert again.json() == view
    assert sorted(await outbox(booking["id"])) == [
        ("webhook", "booking.cancelled"),
        ("webhook", "booking.created"),
    ]
    # Still viewable; no longer movable.
    shown = await client.get(invitee_path(token))
    assert shown.status_code == 200 and shown.json()["status"] == "cancelled"
    moved = await client.post(
        invitee_path(token, "reschedule"), json={"start": "2026-04-14T10:00:00Z"}
    )
    _error(moved, 409, "booking_cancelled")
    slots = await client.get(invitee_path(token, "availability"), params={"date": "2026-04-14"})
    _error(slots, 409, "booking_cancelled")


async def test_reschedule_by_token_says_invitee_and_refuses_a_taken_or_off_grid_start(
    api: Api, booking: dict[str, Any], event_type: dict[str, Any]
) -> None:
    await _booked(
        api.book, event_type["id"], TUESDAY_9 + timedelta(hours=1), email="taken@acme.com"
    )
    token = token_of(booking)
    path = invitee_path(token, "reschedule")

    taken = await api.client.post(path, json={"start": iso(TUESDAY_9 + timedelta(hours=1))})
    error = _error(taken, 409, "slot_unavailable")
    assert error["details"]["alternatives"]
    off_grid = await api.client.post(path, json={"start": iso(TUESDAY_9 + timedelta(minutes=10))})
    assert "not_on_slot_grid" in [
        x["code"] for x in _error(off_grid, 409, "slot_unavailable")["details"]["reasons"]
    ]
    bad = await api.client.post(path, json={"start": "tomorrow"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "start"
    extra = await api.client.post(path, json={"start": iso(TUESDAY_9), "reassign": True})
    assert extra.status_code == 400 and extra.json()["error"]["param"] == "reassign"
    assert (await _keyed(api.client, api.headers, booking["id"]))["start"] == booking["start"]

    new_start = iso(TUESDAY_9 + timedelta(hours=2))
    r = await api.client.post(path, json={"start": new_start, "reason": "Clash"})
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["start"] == new_start
    assert view["rescheduled_by"] == "invitee"
    assert view["previous_start"] == booking["start"]
    assert view["reschedule_reason"] == "Clash"
    keyed = await _keyed(api.client, api.headers, booking["id"])
    assert keyed["rescheduled_by"] == "invitee" and keyed["start"] == new_start
    # The same start again answers with the booking, and owes nothing more.
    same = await api.client.post(path, json={"start": new_start})
    assert same.status_code == 200 and same.json() == view
    assert sorted(await api.outbox(booking["id"])) == [
        ("webhook", "booking.created"),
        ("webhook", "booking.rescheduled"),
    ]


@pytest.mark.parametrize(
    ("fields", "action", "code"),
    [
        ({"invitee_can_cancel": False}, "cancel", "invitee_cancel_disabled"),
        ({"invitee_can_reschedule": False}, "reschedule", "invitee_reschedule_disabled"),
        ({"invitee_can_reschedule": False}, "availability", "invitee_reschedule_disabled"),
        # Tuesday 09:00 minus 25 hours is before now (Monday 08:00): the window has closed.
        ({"invitee_change_notice_minutes": 1500}, "cancel", "change_notice_passed"),
        ({"invitee_change_notice_minutes": 1500}, "reschedule", "change_notice_passed"),
    ],
)
async def test_the_event_types_rules_refuse_with_409_and_change_nothing(
    api: Api, fields: dict[str, Any], action: str, code: str
) -> None:
    evt = await api.make_event_type(**fields)
    booking = await _booked(api.book, evt["id"])
    token = token_of(booking)
    before = await _keyed(api.client, api.headers, booking["id"])
    if action == "availability":
        r = await api.client.get(invitee_path(token, action), params={"date": "2026-04-14"})
    else:
        r = await api.client.post(
            invitee_path(token, action), json={"start": iso(TUESDAY_9 + timedelta(hours=3))}
        )
        if action == "cancel":
            r = await api.client.post(invitee_path(token, action), json={})
    _error(r, 409, code)
    assert await _keyed(api.client, api.headers, booking["id"]) == before
    assert await api.outbox(booking["id"]) == [("webhook", "booking.created")]
    view = (await api.client.get(invitee_path(token))).json()
    refusal = view["cancel_refusal" if action == "cancel" else "reschedule_refusal"]
    assert refusal["code"] == code
    assert view["can_cancel" if action == "cancel" else "can_reschedule"] is False


async def test_a_notice_window_not_yet_reached_allows_the_change_until_its_deadline(
    api: Api,
) -> None:
    evt = await api.make_event_type(invitee_change_notice_minutes=60)
    booking = await _booked(api.book, evt["id"])
    token = token_of(booking)
    view = (await api.client.get(invitee_path(token))).json()
    assert view["change_deadline"] == "2026-04-14T08:00:00Z"
    api.clock.set(TUESDAY_9 - timedelta(minutes=60))
    _error(await api.client.post(invitee_path(token, "cancel")), 409, "change_notice_passed")
    api.clock.set(TUESDAY_9 - timedelta(minutes=61))
    r = await api.client.post(invitee_path(token, "cancel"))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


async def test_a_past_booking_changes_nothing(
    client: httpx.AsyncClient,
    auth_headers: H,
    booking: dict[str, Any],
    token: str,
    clock: FixedClock,
) -> None:
    clock.set(TUESDAY_9 + timedelta(minutes=5))
    before = await _keyed(client, auth_headers, booking["id"])
    _error(await client.post(invitee_path(token, "cancel")), 409, "booking_past")
    moved = await client.post(
        invitee_path(token, "reschedule"), json={"start": "2026-04-15T09:00:00Z"}
    )
    _error(moved, 409, "booking_past")
    assert await _keyed(client, auth_headers, booking["id"]) == before
    view = (await client.get(invitee_path(token))).json()
    assert view["can_cancel"] is False and view["can_reschedule"] is False


async def test_bad_tokens_are_one_404_that_reveals_nothing(
    client: httpx.AsyncClient,
    auth_headers: H,
    make_account: MakeAccount,
    booking: dict[str, Any],
    token: str,
) -> None:
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    bodies = []
    for bad in (tampered, "short", token + "x", "x" * 43, "%20" * 3, "a" * 512):
        for action in ("", "availability", "cancel", "reschedule"):
            if action == "availability":
                r = await client.get(invitee_path(bad, action), params={"date": "2026-04-14"})
            elif action:
                body = {"start": iso(TUESDAY_9)} if action == "reschedule" else {}
                r = await client.post(invitee_path(bad, action), json=body)
            else:
                r = await client.get(invitee_path(bad))
            error = _error(r, 404, "invitee_link_not_found")
            assert error["param"] == "token"
            bodies.append({k: v for k, v in error.items() if k != "request_id"})
    assert all(b == bodies[0] for b in bodies)
    assert booking["id"] not in str(bodies)
    # Another account's key cannot reach the booking by its id, even holding its token.
    other = await make_account(email="other@example.com")
    r = await client.get(f"/v1/bookings/{booking['id']}", headers=bearer(other.test_key.secret))
    assert r.status_code == 404
    # And nothing changed.
    assert (await _keyed(client, auth_headers, booking["id"]))["status"] == "confirmed"


async def test_requests_are_limited_per_address_and_per_token(api: Api) -> None:
    evt = await api.make_event_type()
    first = token_of(await _booked(api.book, evt["id"]))
    second = token_of(await _booked(api.book, evt["id"], TUESDAY_9 + timedelta(hours=1)))
    state = api.app.state.astrocal
    state.settings = state.settings.model_copy(
        update={"invitee_limit_per_minute": 5, "invitee_token_limit_per_minute": 2}
    )
    api.clock.set(
        api.clock.now().replace(second=0) + timedelta(days=1, minutes=7)
    )  # a window of its own
    assert (await api.client.get(invitee_path(first))).status_code == 200
    assert (await api.client.get(invitee_path(first))).status_code == 200
    over = await api.client.get(invitee_path(first))
    error = _error(over, 429, "rate_limit_exceeded")
    assert "booking link" in error["message"]
    assert int(over.headers["retry-after"]) >= 1
    # Another token from the same address still has its own budget …
    assert (await api.client.get(invitee_path(second))).status_code == 200
    # … until the address's is spent (guessing tokens counts too).
    assert (await api.client.get(invitee_path("guess"))).status_code == 404
    limited = await api.client.get(invitee_path(second))
    error = _error(limited, 429, "rate_limit_exceeded")
    assert "address" in error["message"]


async def test_the_accounts_template_shapes_the_links(
    client: httpx.AsyncClient,
    auth_headers: H,
    booking: dict[str, Any],
    token: str,
    validate: Validate,
) -> None:
    account = (await client.get("/v1/account", headers=auth_headers)).json()
    assert "invitee_url_template" not in account

    template = "https://app.example.com/b/{token}/{action}"
    r = await client.patch(
        "/v1/account", headers=auth_headers, json={"invitee_url_template": template}
    )
    assert r.status_code == 200, r.text
    assert r.json()["invitee_url_template"] == template
    assert validate(r.json(), "/components/schemas/Account") == []
    shown = await _keyed(client, auth_headers, booking["id"])
    assert shown["manage_url"] == f"https://app.example.com/b/{token}/manage"
    assert shown["cancel_url"] == f"https://app.example.com/b/{token}/cancel"
    assert shown["reschedule_url"] == f"https://app.example.com/b/{token}/reschedule"
    view = (await client.get(invitee_path(token))).json()
    assert view["cancel_url"] == shown["cancel_url"]

    plain = "https://app.example.com/manage?t={token}"
    await client.patch("/v1/account", headers=auth_headers, json={"invitee_url_template": plain})
    shown = await _keyed(client, auth_headers, booking["id"])
    assert shown["manage_url"] == f"https://app.example.com/manage?t={token}"
    assert shown["cancel_url"] == f"https://app.example.com/manage?t={token}&action=cancel"

    for bad in (
        "/relative/{token}",
        "https://app.example.com/no-token",
        "https://a.example/{token}/{x}",
    ):
        r = await client.patch(
            "/v1/account", headers=auth_headers, json={"invitee_url_template": bad}
        )
        assert r.status_code == 400, r.text
        assert r.json()["error"]["param"] == "invitee_url_template"
        assert "{token}" in r.json()["error"]["message"]
    r = await client.patch("/v1/account", headers=auth_headers, json={"invitee_url_template": None})
    assert r.status_code == 200 and "invitee_url_template" not in r.json()
    assert (await _keyed(client, auth_headers, booking["id"]))["manage_url"] == booking[
        "manage_url"
    ]
    # Nothing sent: nothing changes.
    assert (await client.patch("/v1/account", headers=auth_headers, json={})).status_code == 200
    unknown = await client.patch("/v1/account", headers=auth_headers, json={"name": "x"})
    assert unknown.status_code == 400


async def test_event_type_fields_default_change_and_are_checked(
    client: httpx.AsyncClient, auth_headers: H, make_event_type: MakeEventType
) -> None:
    evt = await make_event_type()
    assert (evt["invitee_can_cancel"], evt["invitee_can_reschedule"]) == (True, True)
    assert evt["invitee_change_notice_minutes"] == 0
    made = await make_event_type(invitee_can_cancel=False, invitee_change_notice_minutes=120)
    assert made["invitee_can_cancel"] is False and made["invitee_change_notice_minutes"] == 120
    r = await client.patch(
        f"/v1/event_types/{evt['id']}",
        headers=auth_headers,
        json={"invitee_can_reschedule": False, "invitee_change_notice_minutes": 30},
    )
    assert r.status_code == 200, r.text
    assert r.json()["invitee_can_reschedule"] is False
    assert r.json()["invitee_can_cancel"] is True
    assert r.json()["invitee_change_notice_minutes"] == 30
    for bad in (
        {"invitee_change_notice_minutes": -1},
        {"invitee_change_notice_minutes": 525601},
        {"invitee_can_cancel": "no"},
    ):
        r = await client.patch(f"/v1/event_types/{evt['id']}", headers=auth_headers, json=bad)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["param"] == next(iter(bad))


async def test_bookings_made_before_links_get_their_token_at_start_up(
    api: Api, settings: Settings
) -> None:
    from tests.support.app import asgi_client, running_app

    evt = await api.make_event_type()
    booking_id = await api.add_booking(api.account, evt["id"], TUESDAY_9 + timedelta(hours=4))
    before = await _keyed(api.client, api.headers, booking_id)
    assert "manage_url" not in before  # a row as 0004 left it: no token yet
    async with running_app(settings, api.clock) as restarted, asgi_client(restarted) as second:
        after = await _keyed(second, api.headers, booking_id)
        async with restarted.state.astrocal.db.read() as session:
            row = await session.get_one(Booking, booking_id)
    token = token_of(after)
    assert token not in (row.invitee_token_sealed or "")
    assert row.invitee_token_hash is not None and token not in row.invitee_token_hash
    view = await api.client.get(invitee_path(token))
    assert view.status_code == 200 and view.json()["id"] == booking_id
    # Once issued, a restart keeps it.
    async with running_app(settings, api.clock) as again, asgi_client(again) as third:
        assert (await _keyed(third, api.headers, booking_id))["manage_url"] == after["manage_url"]


async def test_the_schedule_of_another_account_is_not_reachable_by_the_view(
    client: httpx.AsyncClient, make_account: MakeAccount, book: Book, make_event_type: MakeEventType
) -> None:
    # Two accounts' bookings: each token opens its own booking only.
    other = await make_account(email="second@example.com")
    headers = bearer(other.test_key.secret)
    schedule = await make_schedule(client, headers)
    r = await client.post(
        "/v1/event_types",
        headers=headers,
        json={"title": "Theirs", "slug": "theirs", "duration_minutes": 30, "schedule_id": schedule},
    )
    theirs = await _booked(book, r.json()["id"], headers=headers, email="them@example.com")
    mine = await _booked(book, (await make_event_type())["id"])
    assert (await client.get(invitee_path(token_of(theirs)))).json()["id"] == theirs["id"]
    assert (await client.get(invitee_path(token_of(mine)))).json()["id"] == mine["id"]


async def test_a_token_cancel_racing_a_keyed_reschedule_has_one_consistent_outcome(
    api: Api, event_type: dict[str, Any]
) -> None:
    for round_ in range(4):
        start = TUESDAY_9 + timedelta(days=7 * round_)
        booking = await _booked(api.book, event_type["id"], start)
        new_start = iso(start + timedelta(hours=5))
        cancel, move = await asyncio.gather(
            api.client.post(invitee_path(token_of(booking), "cancel"), json={"reason": "race"}),
            api.client.post(
                f"/v1/bookings/{booking['id']}/reschedule",
                headers=api.headers,
                json={"start": new_start},
            ),
        )
        assert cancel.status_code == 200, cancel.text
        final = await _keyed(api.client, api.headers, booking["id"])
        assert final["status"] == "cancelled" and final["cancelled_by"] == "invitee"
        events = sorted(topic for _, topic in await api.outbox(booking["id"]))
        if move.status_code == 200:  # the reschedule went first, then the cancel
            assert final["start"] == new_start and final["rescheduled_by"] == "host"
            assert events == ["booking.cancelled", "booking.created", "booking.rescheduled"]
        else:  # the cancel went first: the reschedule found it cancelled and changed nothing
            _error(move, 409, "booking_cancelled")
            assert final["start"] == booking["start"] and "rescheduled_at" not in final
            assert events == ["booking.cancelled", "booking.created"]


async def test_a_team_booking_shows_host_names_and_slots_without_host_ids(
    client: httpx.AsyncClient,
    auth_headers: H,
    book: Book,
    make_hosts: Any,
    make_team: Any,
) -> None:
    hosts = await make_hosts(2)
    team = await make_team(hosts, "collective")
    booking = await _booked(book, team["id"])
    token = token_of(booking)
    view = (await client.get(invitee_path(token))).json()
    assert view["hosts"] == [{"name": h["name"]} for h in booking["hosts"]]
    keyed = await client.get(
        "/v1/availability",
        headers=auth_headers,
        params={"event_type_id": team["id"], "date": "2026-04-14"},
    )
    assert all(slot.get("host_ids") for slot in keyed.json()["data"])  # what the key sees
    slots = await client.get(invitee_path(token, "availability"), params={"date": "2026-04-14"})
    assert slots.status_code == 200, slots.text
    text = slots.text
    assert slots.json()["data"] and "host_ids" not in text
    assert not any(host in text or host in str(view) for host in hosts)
