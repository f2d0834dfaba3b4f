"""How the SDK reads to a type checker: `mypy` (strict) checks this file with the SDK.

Nothing here runs in the test suite; each function is a typical use, and ``assert_type`` pins
what the SDK promises callers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Coroutine
from typing import Any, assert_type
from zoneinfo import ZoneInfo

from astrocal_sdk import (
    NOT_GIVEN,
    APIResponse,
    APIStatusError,
    Astrocal,
    AsyncAstrocal,
    AsyncPage,
    SlotUnavailableError,
    SyncPage,
    webhooks,
)
from astrocal_sdk.resources import AsyncSchedules, Bookings
from astrocal_sdk.types import (
    Account,
    ApiKeyWithSecret,
    Availability,
    AvailabilityCheck,
    Booking,
    CalendarConnection,
    EventType,
    Host,
    ReminderDict,
    Schedule,
    Slot,
    Usage,
    Webhook,
    WebhookDelivery,
    WebhookRotation,
)


def book_first_open_slot(client: Astrocal, event_type_id: str) -> Booking | None:
    availability = client.availability.list(
        event_type_id=event_type_id,
        start_date=dt.date(2026, 4, 15),
        end_date=dt.date(2026, 4, 17),
        time_zone=ZoneInfo("Europe/Berlin"),
    )
    assert_type(availability, Availability)
    for slot in availability.data:
        assert_type(slot, Slot)
        assert_type(slot.start, dt.datetime)
        try:
            return client.bookings.create(
                event_type_id=event_type_id,
                start=slot.start,
                invitee={"name": "Jo Smith", "email": "jo@example.com"},
                metadata={"source": "typed_usage"},
                idempotency_key="order-42",
                timeout=10.0,
            )
        except SlotUnavailableError as exc:
            assert_type(exc.alternatives, list[Slot])
            assert_type(exc.status_code, int)
            assert_type(exc.code, str | None)
    return None


def walk_everything(client: Astrocal) -> None:
    page = client.bookings.list(status="confirmed", start_after=dt.datetime.now(dt.UTC))
    assert_type(page, SyncPage[Booking])
    for booking in page:
        assert_type(booking, Booking)
    for each in page.iter_pages():
        assert_type(each.next_cursor, str | None)
    assert_type(client.account.retrieve(), Account)
    assert_type(client.usage.retrieve(), Usage)
    assert_type(client.api_keys.create(name="ci", mode="test"), ApiKeyWithSecret)
    assert_type(client.schedules.retrieve("sch_1"), Schedule)
    assert_type(client.event_types.update("evt_1", description=None), EventType)
    assert_type(
        client.event_types.update(
            "evt_1", reminders=[{"before_minutes": 60, "channels": ["email"], "to": ["invitee"]}]
        ),
        EventType,
    )
    assert_type(client.availability.check(event_type_id="evt_1", start="2026-04-15T09:00:00Z"),
                AvailabilityCheck)  # fmt: skip
    assert_type(client.webhooks.rotate_secret("wh_1"), WebhookRotation)
    assert_type(client.webhooks.deliveries.retry("wh_1", "whd_1"), WebhookDelivery)
    assert_type(
        client.calendar_connections.create(
            provider="caldav", server_url="https://dav.example.com", username="u", password="p"
        ),
        CalendarConnection,
    )
    assert_type(client.schedules.delete("sch_1"), None)
    raw = client.with_raw_response.bookings.retrieve("bk_1")
    assert_type(raw, APIResponse[Booking])
    assert_type(raw.parse(), Booking)
    assert_type(raw.request_id, str | None)
    faster = client.with_options(max_retries=0, timeout=2.0)
    assert_type(faster, Astrocal)
    assert_type(client.schedules.list(limit=5), SyncPage[Schedule])
    assert_type(client.with_raw_response.schedules.list(), APIResponse[SyncPage[Schedule]])
    assert_type(client.webhooks.deliveries.list("wh_1"), SyncPage[WebhookDelivery])
    bookings: Bookings = client.bookings
    assert_type(bookings.cancel("bk_1"), Booking)
    # NOT_GIVEN stands for an argument left out, as a method's default always did.
    assert_type(client.hosts.list(external_id=NOT_GIVEN).data, list[Host])


async def walk_async(client: AsyncAstrocal) -> None:
    async for booking in client.bookings.list():
        assert_type(booking, Booking)
    page = await client.webhooks.list(limit=10)
    assert_type(page, AsyncPage[Webhook])
    booking = await client.bookings.reschedule(
        "bk_1", start=dt.datetime(2026, 4, 16, 9, tzinfo=dt.UTC)
    )
    assert_type(booking, Booking)
    raw = await client.with_raw_response.bookings.cancel("bk_1", reason="moved")
    assert_type(raw, APIResponse[Booking])
    raw_page = await client.with_raw_response.event_types.list()
    assert_type(raw_page.parse(), AsyncPage[EventType])
    pending = client.bookings.retrieve("bk_1")  # a coroutine, for asyncio.create_task and the like
    _ = assert_type(pending, Coroutine[Any, Any, Booking])
    assert_type(await pending, Booking)
    schedules: AsyncSchedules = client.schedules
    assert_type(await schedules.list(), AsyncPage[Schedule])


def handle_delivery(body: bytes, headers: dict[str, str], secret: str) -> str:
    try:
        event = webhooks.unwrap(body, headers, [secret])
    except webhooks.WebhookVerificationError:
        return "rejected"
    if event.type == "booking.created":
        return "created"
    return event.type


def errors(client: Astrocal) -> int | None:
    try:
        client.bookings.retrieve("bk_missing")
    except APIStatusError as exc:
        return exc.status_code
    return None


def misspelt_keys_are_caught(client: Astrocal) -> None:
    # Under strict mypy an unneeded ignore is itself an error, so these lines prove the checks.
    client.bookings.create(
        event_type_id="evt_1",
        start="2026-04-15T09:00:00Z",
        invitee={"name": "Jo", "emial": "jo@example.com"},  # type: ignore[arg-type]
    )
    client.schedules.create(
        name="Hours",
        weekly_hours=[{"day": "funday", "start": "09:00", "end": "12:00"}],  # type: ignore[list-item]
    )
    client.schedules.list(limt=5)  # type: ignore[call-arg]
    client.event_types.create(slug="intro", duration_minutes=30)  # type: ignore[call-arg]
    # A reminder's channel is email or webhook.
    sms: list[ReminderDict] = [{"before_minutes": 60, "channels": ["sms"], "to": ["invitee"]}]  # type: ignore[list-item]
    client.event_types.update("evt_1", reminders=sms)
    # A Google or Microsoft connection needs a redirect_uri; CalDAV needs credentials.
    client.calendar_connections.create(provider="google")  # type: ignore[call-overload]
    client.calendar_connections.create(provider="caldav", redirect_uri="x")  # type: ignore[call-overload]
