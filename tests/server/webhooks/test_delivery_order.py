"""Order of deliveries per endpoint and booking: a booking's later event is not sent to an endpoint
while an earlier delivery of that booking to that endpoint is pending (waiting for a retry), by the
fan-out, the retry dispatcher or a manual retry; once the earlier one succeeds or fails for good,
the later ones go in order. Other endpoints and other bookings are not held up.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from astrocal_server.ids import new_id
from astrocal_server.state import AppState
from astrocal_server.storage.models import WebhookDelivery
from astrocal_server.webhooks.schedule import RETRY_WINDOW
from sqlalchemy import delete, select

from tests.support.webhooks import Hooks, Receiver, running_receiver


@pytest.fixture(autouse=True)
async def _no_deliveries(state: AppState) -> None:
    """Retry passes see every delivery: start each test without any (the module shares a database)."""
    async with state.db.write() as session:
        await session.execute(delete(WebhookDelivery))


@pytest.fixture
async def other_receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as r:
        yield r


def events(receiver: Receiver, booking_id: str) -> list[str]:
    """The event types ``receiver`` got for ``booking_id``, in arrival order."""
    out = []
    for request in receiver.requests:
        document = json.loads(request.body)
        if document["data"].get("id") == booking_id:
            out.append(document["type"])
    return out


async def emit_for(hooks: Hooks, booking_data: Any, topic: str, booking_id: str) -> str:
    return await hooks.emit(topic, booking_data(id=booking_id))


async def delivery_rows(
    hooks: Hooks, endpoint: dict[str, Any], booking_id: str
) -> list[WebhookDelivery]:
    """The endpoint's deliveries of the booking's events, in the booking's order."""
    async with hooks.state.db.read() as session:
        return list(
            (
                await session.scalars(
                    select(WebhookDelivery)
                    .where(
                        WebhookDelivery.endpoint_id == endpoint["id"],
                        WebhookDelivery.booking_id == booking_id,
                    )
                    .order_by(WebhookDelivery.booking_seq)
                )
            ).all()
        )


def due(delivery: WebhookDelivery) -> datetime:
    assert delivery.next_attempt_at is not None
    return delivery.next_attempt_at


async def test_a_later_event_waits_for_the_earlier_delivery_to_the_same_endpoint(
    hooks: Hooks, booking_data: Any, other_receiver: Receiver
) -> None:
    flaky = await hooks.make_endpoint()
    await hooks.make_endpoint(url=other_receiver.url)
    booking, other_booking = new_id("bk"), new_id("bk")
    hooks.receiver.script(500)
    await emit_for(hooks, booking_data, "booking.created", booking)
    await hooks.relay_pass()
    await emit_for(hooks, booking_data, "booking.rescheduled", booking)
    await emit_for(hooks, booking_data, "booking.cancelled", booking)
    await emit_for(hooks, booking_data, "booking.created", other_booking)
    await hooks.relay_pass()

    # The healthy endpoint has everything; the flaky one only what no earlier delivery holds up.
    assert events(other_receiver, booking) == [
        "booking.created",
        "booking.rescheduled",
        "booking.cancelled",
    ]
    assert events(hooks.receiver, booking) == ["booking.created"]  # answered 500
    assert events(hooks.receiver, other_booking) == ["booking.created"]
    created, rescheduled, cancelled = await delivery_rows(hooks, flaky, booking)
    assert (created.booking_id, created.booking_seq) == (booking, 1)
    assert (rescheduled.booking_seq, cancelled.booking_seq) == (2, 3)
    assert rescheduled.status == "pending" and rescheduled.attempt_count == 0
    assert rescheduled.lease_owner is None  # not attempted by the fan-out
    assert due(rescheduled) <= hooks.clock.now()  # due, but held up by the earlier delivery

    # Neither the dispatcher nor a manual retry sends them before the earlier one.
    assert await hooks.retry_pass() == 0
    retried = await hooks.client.post(
        f"/v1/webhooks/{flaky['id']}/deliveries/{cancelled.id}/retry", headers=hooks.headers
    )
    assert retried.status_code == 202, retried.text
    await hooks.state.webhooks.drain()
    assert events(hooks.receiver, booking) == ["booking.created"]

    hooks.clock.set(due(created))
    assert await hooks.retry_pass() == 1  # the created event, now answered 200
    assert await hooks.retry_pass() == 1  # then the rescheduled one
    assert await hooks.retry_pass() == 1  # then the cancelled one
    assert events(hooks.receiver, booking) == [
        "booking.created",
        "booking.created",
        "booking.rescheduled",
        "booking.cancelled",
    ]
    assert {d.status for d in await delivery_rows(hooks, flaky, booking)} == {"succeeded"}


async def test_a_delivery_that_failed_for_good_lets_the_later_ones_pass(
    hooks: Hooks, booking_data: Any
) -> None:
    endpoint = await hooks.make_endpoint()
    booking = new_id("bk")
    hooks.receiver.script(400)
    await emit_for(hooks, booking_data, "booking.created", booking)
    await hooks.relay_pass()
    first_attempt = hooks.clock.now()
    hooks.clock.advance(hours=1)
    await emit_for(hooks, booking_data, "booking.cancelled", booking)
    await hooks.relay_pass()
    assert events(hooks.receiver, booking) == ["booking.created"]

    # The created event keeps failing until its retries are exhausted (72 h after its first try).
    hooks.receiver.script(400)
    hooks.clock.set(first_attempt + RETRY_WINDOW + timedelta(seconds=1))
    assert await hooks.retry_pass() == 1
    created, cancelled = await delivery_rows(hooks, endpoint, booking)
    assert created.status == "failed"
    assert cancelled.status == "pending"
    hooks.receiver.script(500)  # the cancelled event is attempted now, and gets its own retries
    assert await hooks.retry_pass() == 1
    _created, cancelled = await delivery_rows(hooks, endpoint, booking)
    assert cancelled.status == "pending" and cancelled.attempt_count == 1
    assert events(hooks.receiver, booking) == [
        "booking.created",
        "booking.created",
        "booking.cancelled",
    ]
    hooks.clock.set(due(cancelled))
    assert await hooks.retry_pass() == 1
    _created, cancelled = await delivery_rows(hooks, endpoint, booking)
    assert cancelled.status == "succeeded"
