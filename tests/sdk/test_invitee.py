"""The invitee side through the SDK (``client.invitee``, ``client.account.update`` and the event
type switches) against the reference server: the token alone opens, moves and cancels a booking,
whatever API key the client carries."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from astrocal_sdk import AsyncAstrocal, ConflictError, NotFoundError, SlotUnavailableError, types
from fastapi import FastAPI

from tests.support.invitee import token_of

WEDNESDAY = dt.date(2026, 4, 15)
NINE = dt.datetime(2026, 4, 15, 7, 0, tzinfo=dt.UTC)  # 09:00 Berlin, the default schedule's
INVITEE = {"name": "Jo Smith", "email": "jo@example.com", "time_zone": "Europe/London"}


@pytest.fixture
async def stranger(app: FastAPI) -> AsyncIterator[AsyncAstrocal]:
    """A client whose key is no key at all: the invitee routes do not look at it."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        yield AsyncAstrocal(api_key="sk_test_none", base_url="http://testserver", http_client=http)


async def test_the_token_alone_views_moves_and_cancels(
    aclient: AsyncAstrocal, stranger: AsyncAstrocal
) -> None:
    intro = await aclient.event_types.create(
        title="Intro", slug="intro-inv", duration_minutes=30, invitee_change_notice_minutes=60
    )
    assert intro.invitee_can_cancel is True and intro.invitee_change_notice_minutes == 60
    booking = await aclient.bookings.create(
        event_type_id=intro.id, start=NINE, invitee=INVITEE, metadata={"crm": "hidden"}
    )
    assert booking.manage_url and booking.cancel_url and booking.reschedule_url
    token = token_of(booking.model_dump())

    seen = await stranger.invitee.retrieve(token)
    assert isinstance(seen, types.InviteeBooking)
    assert seen.id == booking.id and seen.event_type.title == "Intro"
    assert seen.can_cancel and seen.can_reschedule
    assert seen.change_deadline == NINE - dt.timedelta(minutes=60)
    assert "crm" not in seen.model_dump_json()

    slots = await stranger.invitee.availability(token, date=WEDNESDAY, time_zone="Europe/Berlin")
    assert slots.data[0].start == NINE  # its own time is open to it
    with pytest.raises(SlotUnavailableError):
        await stranger.invitee.reschedule(token, start=NINE + dt.timedelta(minutes=10))
    moved = await stranger.invitee.reschedule(token, start=slots.data[1].start, reason="clash")
    assert moved.start == slots.data[1].start and moved.rescheduled_by == "invitee"
    cancelled = await stranger.invitee.cancel(token, reason="sorry")
    assert cancelled.status == "cancelled" and cancelled.cancelled_by == "invitee"
    keyed = await aclient.bookings.retrieve(booking.id)
    assert keyed.cancelled_by == "invitee" and keyed.rescheduled_by == "invitee"
    with pytest.raises(ConflictError) as refused:
        await stranger.invitee.reschedule(token, start=slots.data[2].start)
    assert refused.value.code == "booking_cancelled"
    with pytest.raises(NotFoundError) as missing:
        await stranger.invitee.retrieve("x" * 43)
    assert missing.value.code == "invitee_link_not_found"


async def test_event_type_switches_and_the_account_template(aclient: AsyncAstrocal) -> None:
    locked = await aclient.event_types.create(
        title="Locked", slug="locked", duration_minutes=30, invitee_can_cancel=False
    )
    assert locked.invitee_can_cancel is False
    opened = await aclient.event_types.update(
        locked.id, invitee_can_cancel=True, invitee_can_reschedule=False
    )
    assert opened.invitee_can_cancel is True and opened.invitee_can_reschedule is False

    account = await aclient.account.update(invitee_url_template="https://app.example.com/m/{token}")
    assert account.invitee_url_template == "https://app.example.com/m/{token}"
    booking = await aclient.bookings.create(event_type_id=locked.id, start=NINE, invitee=INVITEE)
    assert booking.manage_url == f"https://app.example.com/m/{token_of(booking.model_dump())}"
    assert booking.cancel_url == f"{booking.manage_url}?action=cancel"
    cleared = await aclient.account.update(invitee_url_template=None)
    assert "invitee_url_template" not in cleared.model_dump(exclude_unset=True)
