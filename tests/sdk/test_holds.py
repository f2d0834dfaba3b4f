"""``client.holds`` with ``client.bookings.create(hold_id=…)`` (async in process; the sync client
runs the README's holds walkthrough): hold, list, book the hold, release, and the errors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from astrocal_sdk import AsyncAstrocal, ConflictError, NotFoundError, SlotUnavailableError, types

JO = {"name": "Jo", "email": "jo@example.com"}


async def test_async_hold_book_and_release(aclient: AsyncAstrocal) -> None:
    evt = await aclient.event_types.create(title="Call", slug="held-call", duration_minutes=30)
    slots = (await aclient.availability.list(event_type_id=evt.id, date=date(2026, 4, 14))).data
    held = await aclient.holds.create(event_type_id=evt.id, start=slots[0].start, ttl_seconds=120)
    assert isinstance(held, types.Hold) and held.status == "active"
    assert held.expires_at - held.created_at == timedelta(seconds=120)
    with pytest.raises(SlotUnavailableError):
        await aclient.bookings.create(event_type_id=evt.id, start=held.start, invitee=JO)
    assert [h.id async for h in aclient.holds.list(status="active")] == [held.id]

    booking = await aclient.bookings.create(hold_id=held.id, invitee=JO)
    assert (booking.start, booking.event_type_id) == (held.start, evt.id)
    converted = await aclient.holds.retrieve(held.id)
    assert (converted.status, converted.booking_id) == ("converted", booking.id)
    with pytest.raises(ConflictError) as consumed:
        await aclient.holds.release(held.id)
    assert consumed.value.code == "hold_consumed"

    other = await aclient.holds.create(event_type_id=evt.id, start=slots[1].start)
    assert (await aclient.holds.release(other.id)).status == "released"
    assert (await aclient.holds.release(other.id)).status == "released"  # unchanged
    with pytest.raises(NotFoundError):
        await aclient.holds.retrieve("hold_nope")
