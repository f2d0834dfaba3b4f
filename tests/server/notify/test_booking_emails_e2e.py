"""End to end: bookings made through the HTTP API reach a real aiosmtpd server via the outbox relay,
as iTIP invites whose SEQUENCE comes from the database."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.storage.models import Booking
from fastapi import FastAPI
from icalendar import Calendar

from tests.support.emails import INVITEE, OWNER, berlin_event_type, book_jo
from tests.support.hosts import add_host, occupy_hosts
from tests.support.smtp import Sink

H = dict[str, str]
BO = "bo@host.example"


async def _event_type(client: httpx.AsyncClient, headers: H) -> dict[str, Any]:
    location = {"type": "video", "value": "https://meet.example/abc"}
    return await berlin_event_type(client, headers, description="A first chat.", location=location)


async def _drain(relay: OutboxRelay) -> None:
    while await relay.run_once():
        pass


def _invite(message: Any) -> Any:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(part.get_content())
    assert str(part.get_param("method")) == str(calendar["METHOD"])
    (event,) = calendar.walk("VEVENT")
    return calendar, event


async def test_booking_lifecycle_sends_three_invites(
    app: FastAPI, client: httpx.AsyncClient, live_headers: H, smtp_sink: Sink
) -> None:
    state = app.state.astrocal
    relay = OutboxRelay(state)
    evt = await _event_type(client, live_headers)
    booked = await book_jo(
        client, live_headers, evt["id"], extra={"notes": "<b>hi</b>"}, time_zone="America/New_York"
    )
    booking_id = booked["id"]
    await _drain(relay)

    r = await client.post(
        f"/v1/bookings/{booking_id}/reschedule",
        headers=live_headers,
        json={"start": "2026-04-16T12:00:00Z", "reason": "Clash"},
    )
    assert r.status_code == 200, r.text
    await _drain(relay)
    r = await client.post(
        f"/v1/bookings/{booking_id}/cancel", headers=live_headers, json={"reason": "Sorry"}
    )
    assert r.status_code == 200, r.text
    await _drain(relay)

    to_invitee, to_host = smtp_sink.to(INVITEE), smtp_sink.to(OWNER)
    assert [m["Subject"].split(":")[0] for m in to_invitee] == [
        "Confirmed",
        "Rescheduled",
        "Cancelled",
    ]
    assert len(to_host) == 3
    # The invitee reads New York time, named; the host reads Berlin time.
    assert to_invitee[0]["Subject"].endswith("Wed 15 Apr 2026, 04:00 EDT")
    assert to_host[0]["Subject"].endswith("Wed 15 Apr 2026, 10:00 CEST")

    invites = [_invite(m) for m in to_invitee]
    assert [str(c["METHOD"]) for c, _ in invites] == ["REQUEST", "REQUEST", "CANCEL"]
    assert {str(e["UID"]) for _, e in invites} == {f"{booking_id}@astrocal"}
    sequences = [int(e["SEQUENCE"]) for _, e in invites]
    assert sequences[0] < sequences[1] < sequences[2]
    async with state.db.read() as session:
        assert (await session.get_one(Booking, booking_id)).ics_sequence == sequences[2]
    assert invites[1][1].decoded("DTSTART").isoformat() == "2026-04-16T12:00:00+00:00"
    assert str(invites[2][1]["STATUS"]) == "CANCELLED"
    html = next(p for p in to_invitee[0].walk() if p.get_content_type() == "text/html")
    assert "<b>hi</b>" not in html.get_content()


async def test_every_host_of_a_booking_gets_the_host_email(
    app: FastAPI,
    client: httpx.AsyncClient,
    account: NewAccount,
    live_headers: H,
    smtp_sink: Sink,
) -> None:
    bo = await add_host(
        app, account, livemode=True, name="Bo Chen", email=BO, time_zone="America/New_York"
    )
    cy = await add_host(app, account, livemode=True, name="Cy Park", email=None)
    evt = await _event_type(client, live_headers)
    booking = await book_jo(client, live_headers, evt["id"])
    # The booking now occupies three hosts, as a collective one does; Cy has no address.
    await occupy_hosts(app, booking["id"], [bo.id, cy.id])
    r = await client.post(
        f"/v1/bookings/{booking['id']}/reschedule",
        headers=live_headers,
        json={"start": "2026-04-16T12:00:00Z"},
    )
    assert r.status_code == 200, r.text
    assert [h["name"] for h in r.json()["hosts"]] == ["Test Co", "Bo Chen", "Cy Park"]
    await _drain(OutboxRelay(app.state.astrocal))

    # The create owed the invitee and the one host it had then; the reschedule owes every host.
    assert [m["Subject"].split(":")[0] for m in smtp_sink.to(OWNER)] == [
        "New booking",
        "Rescheduled",
    ]
    (to_bo,) = smtp_sink.to(BO)
    assert to_bo["Subject"] == (
        "Rescheduled: Intro call with Jo Smith – now Thu 16 Apr 2026, 08:00 EDT"  # Bo's zone
    )
    assert to_bo["Message-ID"].endswith(".host.1@astrocal.test>")
    assert len(smtp_sink.messages) == 2 + 3  # nothing for Cy
    moved = smtp_sink.to(INVITEE)[-1]
    assert moved["Subject"].startswith("Rescheduled: Intro call with Test Co, Bo Chen and Cy Park")
    assert moved["Reply-To"] == f"Test Co <{OWNER}>"
    _, event = _invite(moved)
    attendees = [str(a).removeprefix("mailto:") for a in event["ATTENDEE"]]
    assert attendees == [INVITEE, OWNER, BO]
    assert str(event["SUMMARY"]) == "Intro call with Test Co, Bo Chen, Cy Park and Jo Smith"
    assert event["ORGANIZER"].params["CN"] == "Test Co"


async def test_test_mode_booking_sends_no_email(
    app: FastAPI,
    client: httpx.AsyncClient,
    account: NewAccount,
    auth_headers: H,
    smtp_sink: Sink,
) -> None:
    evt = await _event_type(client, auth_headers)
    await book_jo(client, auth_headers, evt["id"])
    await _drain(OutboxRelay(app.state.astrocal))
    assert smtp_sink.envelopes == [] and smtp_sink.handler.rcpt_attempts == []


async def test_console_backend_prints_the_summary_of_a_real_booking(
    app: FastAPI,
    client: httpx.AsyncClient,
    account: NewAccount,
    live_headers: H,
    smtp_sink: Sink,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What `astrocal serve` does with no email configuration: print, do not send.
    state = dataclasses.replace(
        app.state.astrocal,
        settings=app.state.astrocal.settings.with_overrides(email_backend="console"),
    )
    evt = await _event_type(client, live_headers)
    booking = await book_jo(client, live_headers, evt["id"], time_zone="Europe/London")
    capsys.readouterr()
    await _drain(OutboxRelay(state))
    out = capsys.readouterr().out
    assert f"to=Jo Smith <{INVITEE}> subject='Confirmed: Intro call with Test Co" in out
    assert f"method=REQUEST uid={booking['id']}@astrocal sequence=0" in out
    assert smtp_sink.envelopes == []
