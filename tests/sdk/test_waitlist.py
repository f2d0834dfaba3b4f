"""``client.waitlist`` and ``client.invitee_waitlist`` (needs the waitlist server): queue for a
taken start, promotion with a hold when it frees, booking the hold, leaving (async in process,
sync over loopback HTTP)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from astrocal_sdk import Astrocal, AsyncAstrocal, ConflictError, types

JO = {"name": "Jo", "email": "jo@example.com"}
SAM = {"name": "Sam", "email": "sam@example.com"}


async def test_async_waitlist_promotion_books_with_the_hold(aclient: AsyncAstrocal) -> None:
    evt = await aclient.event_types.create(
        title="Call", slug="wl-call", duration_minutes=30, waitlist_hold_minutes=20
    )
    assert evt.waitlist_hold_minutes == 20
    open_ = await aclient.availability.list(event_type_id=evt.id, date=date(2026, 4, 14))
    start = open_.data[0].start
    booking = await aclient.bookings.create(event_type_id=evt.id, start=start, invitee=JO)
    entry = await aclient.waitlist.create(event_type_id=evt.id, start=start, invitee=SAM)
    assert isinstance(entry, types.WaitlistEntry)
    assert (entry.status, entry.position, entry.start) == ("waiting", 1, start)
    with pytest.raises(ConflictError) as twice:
        await aclient.waitlist.create(event_type_id=evt.id, start=start, invitee=SAM)
    assert twice.value.code == "waitlist_duplicate"
    with pytest.raises(ConflictError) as free:
        await aclient.waitlist.create(event_type_id=evt.id, start=open_.data[1].start, invitee=SAM)
    assert free.value.code == "slot_available"
    assert [e.id async for e in aclient.waitlist.list(invitee_email="sam@example.com")] == [
        entry.id
    ]

    await aclient.bookings.cancel(booking.id)
    promoted = await aclient.waitlist.retrieve(entry.id)
    assert promoted.status == "promoted" and promoted.hold_id is not None
    assert promoted.hold_expires_at is not None
    hold = await aclient.holds.retrieve(promoted.hold_id)
    assert hold.waitlist_entry_id == entry.id and hold.start == start
    assert hold.expires_at - hold.created_at == timedelta(minutes=20)
    rebooked = await aclient.bookings.create(hold_id=promoted.hold_id, invitee=SAM)
    assert rebooked.start == start
    booked = await aclient.waitlist.retrieve(entry.id)
    assert (booked.status, booked.booking_id) == ("booked", rebooked.id)


def test_sync_waitlist_join_list_and_leave(sync_client: Astrocal) -> None:
    evt = sync_client.event_types.create(title="Day", slug="wl-day", duration_minutes=30)
    start = (
        sync_client.availability.list(event_type_id=evt.id, date=date(2026, 4, 14)).data[0].start
    )
    sync_client.bookings.create(event_type_id=evt.id, start=start, invitee=JO)
    entry = sync_client.waitlist.create(event_type_id=evt.id, start=start, invitee=SAM)
    assert entry.status == "waiting"
    assert [e.id for e in sync_client.waitlist.list(event_type_id=evt.id)] == [entry.id]
    left = sync_client.waitlist.delete(entry.id)
    assert left.status == "cancelled"
    assert sync_client.waitlist.delete(entry.id).status == "cancelled"  # unchanged
    assert sync_client.waitlist.list(status="waiting", event_type_id=evt.id).data == []
