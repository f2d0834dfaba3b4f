"""End to end, with real peers: bookings created, rescheduled and cancelled within milliseconds reach
the SMTP server (aiosmtpd), the webhook receiver and the CalDAV server (Radicale) in the order they
happened, with several relay workers racing for the rows — and still do when a worker process is
killed mid-sequence (its lease runs out, nothing is lost and nothing overtakes the killed row).

Time is the pinned test clock everywhere (the killed worker's too): leases expire when the test moves
the clock, never by waiting. The waits here are bounded waits on conditions.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from astrocal_server.outbox.relay import OutboxRelay, RelayLoop
from astrocal_server.state import AppState
from astrocal_server.storage.models import Booking, OutboxMessage, WebhookDelivery
from astrocal_server.webhooks.dispatcher import DeliveryDispatcher, delivery_lease
from fastapi import FastAPI
from icalendar import Calendar
from sqlalchemy import event, func, select

from tests.support.app import running_app, server_settings
from tests.support.bookings import make_schedule
from tests.support.caldav import Radicale
from tests.support.calendars import radicale_event_type
from tests.support.emails import SENDER
from tests.support.smtp import HoldingSink, Sink, holding_sink, kill_when_held
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.slow

H = dict[str, str]
HOST = "owner@example.com"  # the account's email: the host's copy of every invite
EXPECTED_INVITES = [("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)]
EXPECTED_EVENTS = ["booking.created", "booking.rescheduled", "booking.cancelled"]
EVERY_DAY = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@pytest.fixture
def sink() -> Iterator[tuple[Sink, HoldingSink]]:
    with holding_sink(hold=0) as pair:  # holds nothing until a test says which invite
        yield pair


@pytest.fixture
def settings(db_url: str, sink: tuple[Sink, HoldingSink]) -> Settings:
    return server_settings(
        db_url,
        email_backend="smtp",
        smtp_url=sink[0].url,
        email_from=SENDER,
        allow_private_calendar_servers=True,  # Radicale on loopback
        webhook_timeout_seconds=5.0,
        database_pool_size=6,
    )


def parsed(envelope: Any) -> EmailMessage:
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def invite(message: EmailMessage) -> tuple[str, int]:
    """(METHOD, SEQUENCE) of the message's iTIP invite."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(part.get_content())
    (event,) = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), int(event["SEQUENCE"])


def in_order(seen: list[Any], expected: list[Any]) -> bool:
    """``seen`` walks ``expected`` forwards only (a repeat of the latest one is allowed: at least
    once), never back to an earlier one."""
    position = 0
    for item in seen:
        if item not in expected[position:]:
            return False
        position = expected.index(item, position)
    return True


@dataclass
class World:
    """One live-mode account: an event type writing to a Radicale calendar, a webhook endpoint,
    and invitees ``inv<n>@invitee.example``."""

    state: AppState
    client: httpx.AsyncClient
    headers: H
    radicale: Radicale
    calendar_path: str
    event_type_id: str
    bookings: dict[int, str] = field(default_factory=dict)  # n → booking id

    async def lifecycle(self, n: int) -> str:
        """Create, reschedule and cancel booking ``n`` as fast as the API answers."""
        day = datetime.fromisoformat("2026-04-14T06:00:00+00:00") + timedelta(days=n // 8)
        start = day + timedelta(hours=n % 8)
        created = await self.client.post(
            "/v1/bookings",
            headers=self.headers,
            json={
                "event_type_id": self.event_type_id,
                "start": start.isoformat().replace("+00:00", "Z"),
                "invitee": {"name": f"Invitee {n}", "email": f"inv{n}@invitee.example"},
            },
        )
        assert created.status_code == 201, created.text
        booking_id = str(created.json()["id"])
        moved = await self.client.post(
            f"/v1/bookings/{booking_id}/reschedule",
            headers=self.headers,
            json={"start": (start + timedelta(hours=8)).isoformat().replace("+00:00", "Z")},
        )
        assert moved.status_code == 200, moved.text
        cancelled = await self.client.post(
            f"/v1/bookings/{booking_id}/cancel", headers=self.headers, json={}
        )
        assert cancelled.status_code == 200, cancelled.text
        self.bookings[n] = booking_id
        return booking_id

    async def unfinished(self) -> int:
        async with self.state.db.read() as session:
            rows = await session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.completed_at.is_(None))
            )
            deliveries = await session.scalar(
                select(func.count(WebhookDelivery.id)).where(WebhookDelivery.status == "pending")
            )
        return int(rows or 0) + int(deliveries or 0)

    async def leases_end(self) -> datetime:
        async with self.state.db.read() as session:
            ends = [
                await session.scalar(select(func.max(OutboxMessage.lease_expires_at))),
                await session.scalar(select(func.max(WebhookDelivery.lease_expires_at))),
            ]
        return max(e for e in ends if e is not None)


@pytest.fixture
async def world(
    app: FastAPI,
    client: httpx.AsyncClient,
    live_headers: H,
    radicale_server: Radicale,
    receiver: Receiver,
) -> World:
    schedule = await make_schedule(
        client, live_headers, name="All week", days=EVERY_DAY, start="06:00", end="22:00"
    )
    event_type, path = await radicale_event_type(
        client, live_headers, radicale_server, schedule_id=schedule
    )
    endpoint = await client.post(
        "/v1/webhooks",
        headers=live_headers,
        json={"url": receiver.url, "events": EXPECTED_EVENTS},
    )
    assert endpoint.status_code == 201, endpoint.text
    return World(app.state.astrocal, client, live_headers, radicale_server, path, event_type["id"])


def check_everything_arrived_in_order(world: World, sink: Sink, receiver: Receiver) -> None:
    invites_by_uid: dict[str, list[tuple[str, int]]] = {}
    for message in sink.to(HOST):
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
        invites_by_uid.setdefault(str(event["UID"]), []).append(invite(message))
    events: dict[str, list[str]] = {}
    ids: dict[str, set[str]] = {}
    for request in receiver.requests:
        document = json.loads(request.body)
        events.setdefault(document["data"]["id"], []).append(document["type"])
        ids.setdefault(document["data"]["id"], set()).add(request.headers["webhook-id"])
    for n, booking_id in world.bookings.items():
        to_invitee = [invite(m) for m in sink.to(f"inv{n}@invitee.example")]
        to_host = invites_by_uid.get(f"{booking_id}@astrocal", [])
        for seen, expected in (
            (to_invitee, EXPECTED_INVITES),
            (to_host, EXPECTED_INVITES),
            (events.get(booking_id, []), EXPECTED_EVENTS),
        ):
            assert in_order(seen, expected) and set(seen) == set(expected), (booking_id, seen)
        assert len(ids[booking_id]) == 3  # one webhook-id per event, whatever the repeats
        # The calendar event was created, moved, and finally deleted: nothing is left behind.
        assert world.radicale.get(world.calendar_path, f"{booking_id}.ics").status_code == 404


async def wait_until_done(world: World, committed: asyncio.Event, *, within: float = 120) -> None:
    """Bounded wait on a condition: every outbox row finished and no delivery pending, checked
    again after each commit of a worker (``committed``), and at least every quarter second:
    the engine's ``commit`` event fires before the COMMIT reaches the server, so the re-check
    it wakes may still see the last row unfinished, and no later commit need come."""
    async with asyncio.timeout(within):
        while True:
            committed.clear()
            if not await world.unfinished():
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.25):
                    await committed.wait()


@pytest.fixture
async def relay_workers(
    settings: Settings, clock: FixedClock, world: World
) -> AsyncIterator[asyncio.Event]:
    """Three relay loops, each in its own app (own engine and pool, as separate processes have),
    woken by the API's commits and polling often; stopped at the end of the test. Yields an event
    set on every commit of a worker."""
    stop, committed = asyncio.Event(), asyncio.Event()
    loop_of_test = asyncio.get_running_loop()

    def on_commit(_conn: Any) -> None:
        loop_of_test.call_soon_threadsafe(committed.set)

    async with AsyncExitStack() as stack:
        loops: list[RelayLoop] = []
        for n in range(3):
            state = (await stack.enter_async_context(running_app(settings, clock))).state.astrocal
            loop = RelayLoop(state, owner=f"w{n}", concurrency=8, poll_interval=0.02)
            stack.callback(loop.wake_on_commits(world.state.db))
            stack.callback(loop.wake_on_commits(state.db))
            event.listen(state.db.engine.sync_engine, "commit", on_commit)
            loops.append(loop)
        tasks = [asyncio.create_task(loop.run(stop)) for loop in loops]
        try:
            yield committed
        finally:
            stop.set()
            await asyncio.gather(*tasks)


async def test_quick_lifecycles_reach_every_peer_in_order_with_several_workers(
    world: World,
    relay_workers: asyncio.Event,
    sink: tuple[Sink, HoldingSink],
    receiver: Receiver,
) -> None:
    await asyncio.gather(*(world.lifecycle(n) for n in range(20)))
    await wait_until_done(world, relay_workers)
    check_everything_arrived_in_order(world, sink[0], receiver)
    async with world.state.db.read() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
        assert {r.last_error for r in rows} == {None}
        left = await session.scalars(select(Booking.external_events))
        assert all(events == {} for events in left)


# A relay worker in its own process, on the test's pinned clock, until it is killed.
_WORKER = textwrap.dedent(
    """
    import asyncio, json, sys
    from datetime import datetime
    from astrocal_server.clock import FixedClock
    from astrocal_server.composition import open_services
    from astrocal_server.config import Settings
    from astrocal_server.outbox.relay import RelayLoop

    async def main(fields, at):
        settings = Settings(**json.loads(fields), _env_file=None)
        async with open_services(settings, clock=FixedClock(datetime.fromisoformat(at))) as state:
            loop = RelayLoop(state, owner="doomed-worker", poll_interval=0.05)
            print("relaying", flush=True)
            await loop.run(asyncio.Event())

    asyncio.run(main(*sys.argv[1:]))
    """
)


async def drain(state: AppState) -> None:
    """Survivors: relay and retry passes until nothing more can be claimed."""
    relay, dispatcher = OutboxRelay(state, owner="survivor"), DeliveryDispatcher(state)
    while await relay.run_once() + await dispatcher.run_once():
        pass


async def test_a_worker_killed_mid_sequence_keeps_the_order_and_loses_nothing(
    world: World,
    settings: Settings,
    clock: FixedClock,
    sink: tuple[Sink, HoldingSink],
    receiver: Receiver,
) -> None:
    smtp, holder = sink
    for n in range(5):
        await world.lifecycle(n)
    holder.should_hold = lambda envelope: invite(parsed(envelope)) == ("REQUEST", 1)

    fields = settings.with_overrides(migrate_on_start=False).model_dump(mode="json")
    argv = [sys.executable, "-c", _WORKER, json.dumps(fields), clock.now().isoformat()]
    await kill_when_held(argv, holder)  # SIGKILL mid-send: no cleanup, no result recorded
    holder.release.set()
    (stuck_invitee,) = [r for r in holder.held_for if r.endswith("@invitee.example")]

    # The dead worker's leases still stand: its booking's later rows wait behind the held email.
    await drain(world.state)
    assert [invite(m) for m in smtp.to(stuck_invitee)] == [("REQUEST", 0)]
    assert await world.unfinished()

    # Its leases run out: the survivors take over and finish everything, in order.
    clock.set(await world.leases_end() + max(delivery_lease(settings), timedelta(seconds=1)))
    await drain(world.state)
    assert await world.unfinished() == 0
    assert [invite(m) for m in smtp.to(stuck_invitee)] == EXPECTED_INVITES
    check_everything_arrived_in_order(world, smtp, receiver)
