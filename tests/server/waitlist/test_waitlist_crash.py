"""A promotion survives a worker killed between the freeing commit and the promotion email: the
hold's expiry (the freeing) promotes the next entry in its own transaction, run by a relay worker
in another process that is SIGKILLed while handing the promotion email to the SMTP relay; a fresh
worker then sends it. Exactly one promotion, one hold, one email. Also: the email itself (live
mode), its confirm link opening the entry."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.state import AppState
from astrocal_server.storage.models import Hold, OutboxMessage, WaitlistEntry
from fastapi import FastAPI
from sqlalchemy import select

from tests.support.app import server_settings
from tests.support.bookings import TUESDAY_9, create_event_type, iso, make_schedule
from tests.support.emails import kill_worker_mid_send, smtp_fields
from tests.support.smtp import HoldingSink, Sink

H = dict[str, str]
START = iso(TUESDAY_9)


@pytest.fixture
def settings(db_url: str, smtp_sink: Sink) -> Settings:
    return server_settings(db_url, **smtp_fields(smtp_sink))


async def _live_event_type(client: httpx.AsyncClient, live_headers: H) -> dict[str, Any]:
    schedule_id = await make_schedule(client, live_headers)
    return await create_event_type(
        client,
        live_headers,
        title="Intro call",
        slug="intro",
        duration_minutes=30,
        schedule_id=schedule_id,
        waitlist_hold_minutes=10,
    )


async def _join(client: httpx.AsyncClient, headers: H, evt: dict[str, Any], email: str) -> str:
    body = {
        "event_type_id": evt["id"],
        "start": START,
        "invitee": {"name": "Ann Lee", "email": email, "time_zone": "Europe/Paris"},
    }
    r = await client.post("/v1/waitlist", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_the_promotion_email_carries_the_confirm_link(
    app: FastAPI, client: httpx.AsyncClient, live_headers: H, smtp_sink: Sink
) -> None:
    state: AppState = app.state.astrocal
    evt = await _live_event_type(client, live_headers)
    hold = await client.post(
        "/v1/holds", headers=live_headers, json={"event_type_id": evt["id"], "start": START}
    )
    entry_id = await _join(client, live_headers, evt, "ann@acme.com")
    await client.delete(f"/v1/holds/{hold.json()['id']}", headers=live_headers)
    await OutboxRelay(state).run_once()
    sent = smtp_sink.to("ann@acme.com")
    assert len(sent) == 1
    message = sent[0]
    assert str(message["Subject"]).startswith("A place opened up: Intro call")
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    entry = (await client.get(f"/v1/waitlist/{entry_id}", headers=live_headers)).json()
    assert entry["confirm_url"] in text
    assert "Held until" in text and "CEST" in text  # the invitee's zone, named
    token = entry["confirm_url"].rsplit("/", 1)[1]
    opened = await client.get(f"/v1/invitee/waitlist/{token}")
    assert opened.json()["can_confirm"] is True


async def test_a_worker_killed_before_the_promotion_email_loses_nothing_and_doubles_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    live_headers: H,
    clock: FixedClock,
    db_url: str,
    held_sink: tuple[Sink, HoldingSink],
) -> None:
    sink, holder = held_sink
    state: AppState = app.state.astrocal
    evt = await _live_event_type(client, live_headers)
    hold = await client.post(
        "/v1/holds",
        headers=live_headers,
        json={"event_type_id": evt["id"], "start": START, "ttl_seconds": 60},
    )
    assert hold.status_code == 201, hold.text
    ann = await _join(client, live_headers, evt, "ann@acme.com")
    clock.advance(minutes=1, seconds=1)

    # Pass 1 expires the hold and promotes Ann (one commit); pass 2 sends her email: killed there.
    await kill_worker_mid_send(db_url, sink, holder, clock.now(), passes=2)

    async def promotions() -> tuple[list[str], list[Hold], list[OutboxMessage]]:
        async with state.db.read() as session:
            entries = (
                await session.scalars(
                    select(WaitlistEntry).where(WaitlistEntry.event_type_id == evt["id"])
                )
            ).all()
            holds = (
                await session.scalars(
                    select(Hold).where(
                        Hold.event_type_id == evt["id"], Hold.waitlist_entry_id.is_not(None)
                    )
                )
            ).all()
            emails = (
                await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.topic == "waitlist.promoted")
                )
            ).all()
        ours = [r for r in emails if r.kind == "email" and r.payload["entry"]["id"] == ann]
        return [e.status for e in entries], list(holds), ours

    statuses, holds, emails = await promotions()
    assert statuses == ["promoted"]
    assert [(h.waitlist_entry_id, h.status) for h in holds] == [(ann, "active")]
    assert len(emails) == 1 and emails[0].completed_at is None  # still owed
    assert sink.to("ann@acme.com") == []

    # A fresh worker, once the dead one's lease ran out, sends it; nothing is promoted again.
    lease = emails[0].lease_expires_at
    assert lease is not None
    clock.set(lease + timedelta(seconds=1))
    fresh = dataclasses.replace(state, settings=state.settings.with_overrides(smtp_url=sink.url))
    relay = OutboxRelay(fresh)
    while await relay.run_once():
        pass
    statuses, holds, emails = await promotions()
    assert statuses == ["promoted"] and len(holds) == 1
    assert emails[0].completed_at is not None, emails[0].last_error
    assert len(sink.to("ann@acme.com")) == 1
