"""A scripted agent session, as a person would drive it, through every tool it needs:

"book a 30-minute intro next Tuesday afternoon Berlin time for Jo", "she can't make it — same time
Thursday", "cancel", "why not Saturday 3am?". Every time a tool shows carries its zone and offset
next to UTC, the zone is never lost (the booking records Berlin as Jo's zone because the time was
written in it), and the invite email reads in Berlin time.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from astrocal_server.clock import FixedClock
from astrocal_server.outbox.relay import OutboxRelay
from fastapi import FastAPI

from tests.support.agent import Mcp, say
from tests.support.app import bearer, create_test_account


async def test_book_move_cancel_and_ask_why_in_berlin_time(
    ref_app: FastAPI,
    clock: FixedClock,
    http: Callable[[], httpx.AsyncClient],
    mcp: Mcp,
) -> None:
    account = await create_test_account(
        ref_app, clock, name="Acme", email="ann@acme.example", time_zone="Europe/Berlin"
    )
    live = account.live_key.secret
    async with http() as api:
        made = await api.post(
            "/v1/event_types",
            headers={"Authorization": f"Bearer {live}"},
            json={"title": "Intro", "slug": "intro", "duration_minutes": 30},
        )
    assert made.status_code == 201, made.text
    evt = made.json()["id"]

    async with mcp(default_event_type_id=evt, key=live) as client:
        # "Book a 30-minute intro next Tuesday afternoon Berlin time for Jo."
        now, _ = await say(client, "get_current_time", time_zone="Europe/Berlin")
        assert (now["weekday"], now["tomorrow"]) == ("Monday", "2026-04-14 (Tuesday)")
        slots, text = await say(client, "check_availability", start_date="2026-04-14",
                                end_date="2026-04-14", time_zone="Europe/Berlin")  # fmt: skip
        assert "14:00" in slots["days"][0]["starts"]
        assert "Tue 2026-04-14 (UTC+02:00): 09:00 09:30" in text
        booked, text = await say(client, "create_booking", start_time="2026-04-14T14:00[Europe/Berlin]",
                                 invitee_name="Jo Smith", invitee_email="jo@example.com")  # fmt: skip
        assert booked["invitee_time_zone"] == "Europe/Berlin"  # written with the time
        assert booked["when"] == (
            "Tue 2026-04-14 14:00–14:30 Europe/Berlin (UTC+02:00) = 12:00–12:30 UTC"
        )
        # "She can't make it — same time Thursday."
        moved, text = await say(client, "reschedule_booking", booking_id=booked["id"],
                                new_start_time="2026-04-16T14:00[Europe/Berlin]")  # fmt: skip
        assert moved["when"].startswith("Thu 2026-04-16 14:00–14:30 Europe/Berlin (UTC+02:00)")
        assert "previously: Tue 2026-04-14 14:00 Europe/Berlin (UTC+02:00) = 12:00 UTC" in text
        # "Cancel."
        cancelled, text = await say(client, "cancel_booking", booking_id=booked["id"])
        assert cancelled["status"] == "cancelled" and "Cancelled" in text
        _, text = await say(client, "cancel_booking", booking_id=booked["id"])
        assert "already cancelled" in text
        # "Why not Saturday 3am?"
        why, text = await say(client, "explain_availability",
                              start_time="2026-04-18T03:00[Europe/Berlin]")  # fmt: skip
        assert why["available"] is False
        assert "Sat 2026-04-18 03:00 Europe/Berlin (UTC+02:00) = 01:00 UTC" in text
        assert "Mon–Fri 09:00–17:00; not on Sat, Sun (Europe/Berlin, UTC+02:00)" in text
        assert why["before"] and why["after"]  # Friday afternoon and Monday morning

    state = ref_app.state.astrocal
    relay = OutboxRelay(state)
    while await relay.run_once():
        pass
    invites = [m for m in state.mailer.sent if "jo@example.com" in str(m["To"])]
    assert invites, "Jo got the booking emails"
    first = invites[0].get_body(preferencelist=("plain",))
    assert first is not None
    body = first.get_content()
    assert "14:00" in body and "12:00" not in body, body  # Berlin time, not UTC


async def test_hold_ask_the_person_then_book_with_the_hold(
    mcp: Mcp, http: Callable[[], httpx.AsyncClient], api_key: str
) -> None:
    """ "Find Jo a time Tuesday afternoon; hold it while I ask her": the agent checks availability,
    holds a start, asks its person (nobody can take the start meanwhile), then books the hold."""
    async with mcp() as client:
        slots, _ = await say(client, "check_availability", start_date="2026-04-14",
                             end_date="2026-04-14", time_zone="Europe/Berlin")  # fmt: skip
        assert "14:00" in slots["days"][0]["starts"]
        held, text = await say(client, "hold_slot", start_time="2026-04-14T14:00[Europe/Berlin]",
                               ttl_seconds=900)  # fmt: skip
        assert held["status"] == "active" and held["start"] == "2026-04-14T12:00:00Z"
        assert (
            held["when"] == "Tue 2026-04-14 14:00–14:30 Europe/Berlin (UTC+02:00) = 12:00–12:30 UTC"
        )
        # The expiry in the person's zone: the clock is Monday 10:00 Berlin, plus 15 minutes.
        assert held["expires"] == "Mon 2026-04-13 10:15 Europe/Berlin (UTC+02:00) = 08:15 UTC"
        assert "create_booking" in text and held["id"] in text

        # The agent asks its person; meanwhile the start is nobody else's.
        person_says = "Yes, Tuesday 14:00 works for me."
        taken = await client.call_tool("create_booking", {
            "start_time": "2026-04-14T14:00[Europe/Berlin]",
            "invitee_name": "Sam Lee", "invitee_email": "sam@example.com"})  # fmt: skip
        assert taken.is_error and "slot_unavailable" in taken.content[0].text
        assert person_says.startswith("Yes")

        booked, text = await say(client, "create_booking", hold_id=held["id"],
                                 invitee_name="Jo Smith", invitee_email="jo@example.com",
                                 time_zone="Europe/Berlin")  # fmt: skip
        assert booked["status"] == "confirmed" and booked["start"] == held["start"]
        assert booked["when"].startswith("Tue 2026-04-14 14:00–14:30 Europe/Berlin")
        assert booked["invitee_time_zone"] == "Europe/Berlin"
        # The same call again (an agent's retry) is the same booking.
        again, text = await say(client, "create_booking", hold_id=held["id"],
                                invitee_name="Jo Smith", invitee_email="jo@example.com",
                                time_zone="Europe/Berlin")  # fmt: skip
        assert again["id"] == booked["id"] and "Already booked" in text

        # The hold became the booking: releasing it is refused, and says where the booking is.
        refused = await client.call_tool("release_hold", {"hold_id": held["id"]})
        assert refused.is_error and "hold_consumed" in refused.content[0].text
        assert "list_bookings" in refused.content[0].text

        # A second hold the person declines is given back at once, and releasing twice is safe.
        other, _ = await say(client, "hold_slot", start_time="2026-04-14T15:00+02:00")
        released, text = await say(client, "release_hold", hold_id=other["id"])
        assert released["status"] == "released" and "released" in text
        again_released, _ = await say(client, "release_hold", hold_id=other["id"])
        assert again_released["status"] == "released"

    async with http() as api:
        shown = await api.get(f"/v1/holds/{held['id']}", headers=bearer(api_key))
    assert shown.status_code == 200, shown.text
    assert (shown.json()["status"], shown.json()["booking_id"]) == ("converted", booked["id"])


async def test_hold_slot_and_create_booking_refuse_what_they_cannot_use(mcp: Mcp) -> None:
    async with mcp() as client:
        nothing = await client.call_tool(
            "create_booking", {"invitee_name": "Jo", "invitee_email": "jo@example.com"}
        )
        assert nothing.is_error and "start_time is required" in nothing.content[0].text
        assert "hold_id" in nothing.content[0].text
        naive = await client.call_tool("hold_slot", {"start_time": "2026-04-14T14:00"})
        assert naive.is_error and "no UTC offset" in naive.content[0].text
        typo = await client.call_tool(
            "hold_slot", {"start_time": "2026-04-14T14:00+02:00", "ttl_secs": 60}
        )
        assert typo.is_error and "did you mean ttl_seconds" in typo.content[0].text
        unknown = await client.call_tool("release_hold", {"hold_id": "hold_nope"})
        assert unknown.is_error and "resource_missing" in unknown.content[0].text
