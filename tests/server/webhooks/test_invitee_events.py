"""Changes made with an invitee link reach webhooks like any other: signed deliveries whose booking
says ``cancelled_by`` / ``rescheduled_by: invitee`` and carries the real invitee links, while no
stored row (bookings, outbox, deliveries, attempts: every table) holds the token in clear."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from astrocal_server.clock import FixedClock
from fastapi import FastAPI
from standardwebhooks import Webhook

from tests.support.bookings import booking_body, iso, open_all_week
from tests.support.invitee import invitee_path, token_of
from tests.support.raw_rows import raw_rows
from tests.support.webhooks import Receiver


async def test_invitee_changes_reach_webhooks_with_real_links_and_no_token_is_stored(
    app: FastAPI,
    client: httpx.AsyncClient,
    live_headers: dict[str, str],
    make_endpoint: Any,
    relay_pass: Any,
    receiver: Receiver,
    clock: FixedClock,
    validate_event: Any,
) -> None:
    endpoint = await make_endpoint(headers=live_headers)
    event_type = await open_all_week(client, live_headers, "Call", "inv-call")
    start = (clock.now() + timedelta(days=1)).replace(hour=10, minute=0, second=0)
    body = booking_body(event_type["id"], start, email="jo@example.com")
    created = await client.post("/v1/bookings", headers=live_headers, json=body)
    assert created.status_code == 201, created.text
    booking = created.json()
    token = token_of(booking)
    moved = await client.post(
        invitee_path(token, "reschedule"), json={"start": iso(start + timedelta(hours=2))}
    )
    assert moved.status_code == 200, moved.text
    cancelled = await client.post(invitee_path(token, "cancel"), json={"reason": "Ill"})
    assert cancelled.status_code == 200, cancelled.text
    again = await client.post(invitee_path(token, "cancel"), json={})
    assert again.status_code == 200 and again.json() == cancelled.json()
    final = (await client.get(f"/v1/bookings/{booking['id']}", headers=live_headers)).json()

    while await relay_pass():
        pass
    requests = await receiver.wait_for(3)
    verifier = Webhook(endpoint["secret"])
    events = {e["type"]: e for e in (verifier.verify(r.body, r.headers) for r in requests)}
    assert sorted(events) == ["booking.cancelled", "booking.created", "booking.rescheduled"]
    assert len(requests) == 3  # the second cancel owed nothing
    for request in requests:
        assert validate_event(request.body) == []
    for event in events.values():
        data = event["data"]
        assert data["manage_url"] == booking["manage_url"]
        assert data["cancel_url"] == booking["cancel_url"]
        assert data["reschedule_url"] == booking["reschedule_url"]
        assert "_invitee_token_sealed" not in data
    assert events["booking.rescheduled"]["data"]["rescheduled_by"] == "invitee"
    assert events["booking.cancelled"]["data"] == final
    assert final["cancelled_by"] == "invitee" and final["rescheduled_by"] == "invitee"

    dump = await raw_rows(app.state.astrocal)
    assert booking["id"] in dump and "webhook_deliveries" in dump
    assert token not in dump
