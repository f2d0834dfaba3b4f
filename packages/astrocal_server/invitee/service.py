"""The invitee's side of a booking: what their link shows and lets them do. The token is the
only credential, so every function starts from it.

An unknown, malformed or tampered token is the same 404 as a missing booking (it reveals nothing,
not even whether the token was well formed). Cancel and reschedule go through the bookings service
(same locks, re-checks, outbox rows and errors as with an API key) with ``by="invitee"`` and a
guard that re-decides :func:`~astrocal_server.invitee.rules.change_policy` inside the write
transaction, on the locked booking, so a change that raced the deadline or the host is refused
whole.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import selectinload

from astrocal_server.availability import service as availability
from astrocal_server.bookings import service as bookings
from astrocal_server.caller import Caller
from astrocal_server.errors import NotFound, conflict
from astrocal_server.invitee.links import InviteeLinks, issue_token, shown_links, token_hash
from astrocal_server.invitee.rules import ChangePolicy, change_policy
from astrocal_server.state import AppState
from astrocal_server.storage.models import Account, Booking, EventType

__all__ = [
    "InviteeBooking",
    "cancel",
    "digest_or_404",
    "invitee_caller",
    "invitee_lifespan",
    "issue_missing_tokens",
    "link_not_found",
    "links_of",
    "open_link",
    "reschedule",
    "slots",
]


logger = logging.getLogger("astrocal.invitee")


@dataclass(frozen=True)
class InviteeBooking:
    """A booking as its invitee sees it (``booking.hosts`` loaded)."""

    booking: Booking
    event_type: EventType
    account: Account
    links: InviteeLinks
    policy: ChangePolicy

    @property
    def caller(self) -> Caller:
        return invitee_caller(self.account, self.booking.livemode)


def invitee_caller(account: Account, livemode: bool) -> Caller:
    """``account`` acting for an invitee (no API key: their link's token is the credential)."""
    return Caller(account=account, api_key=None, livemode=livemode)


def link_not_found(message: str) -> NotFound:
    """The one 404 for every token an invitee link does not open (``message`` says which kind)."""
    return NotFound("invitee_link_not_found", message, param="token")


def digest_or_404(token: str, missing: Callable[[], NotFound]) -> str:
    """The lookup key of ``token`` (:func:`~astrocal_server.invitee.links.token_hash`), or
    ``missing()`` raised for a string that cannot be a token, before any query."""
    digest = token_hash(token)
    if digest is None:
        raise missing()
    return digest


def _link_not_found() -> NotFound:
    return link_not_found(
        "This booking link is not valid; check that the whole link was copied, or ask the host "
        "for a new one."
    )


def links_of(state: AppState, account: Account, booking: Booking) -> InviteeLinks | None:
    """``booking``'s invitee links as the API shows them (None for a booking without a token)."""
    return shown_links(
        state.secret_box,
        booking.id,
        booking.invitee_token_sealed,
        public_base_url=state.settings.public_base_url,
        template=account.invitee_url_template,
    )


def _policy(state: AppState, booking: Booking, event_type: EventType) -> ChangePolicy:
    return change_policy(
        status=booking.status,
        start=booking.start_at,
        now=state.clock.now(),
        can_cancel=event_type.invitee_can_cancel,
        can_reschedule=event_type.invitee_can_reschedule,
        notice_minutes=event_type.invitee_change_notice_minutes,
        event_type_deleted=event_type.deleted_at is not None,
    )


async def open_link(state: AppState, token: str) -> InviteeBooking:
    """The booking ``token`` opens, with what its invitee may do now; 404 for any other string."""
    digest = digest_or_404(token, _link_not_found)
    async with state.db.read() as session:
        booking = await session.scalar(
            select(Booking)
            .where(Booking.invitee_token_hash == digest)
            .options(selectinload(Booking.hosts))
        )
        if booking is None:
            raise _link_not_found()
        account = await session.get_one(Account, booking.account_id)
        event_type = await session.get_one(EventType, booking.event_type_id)
    links = links_of(state, account, booking)
    if links is None:  # sealed under a key no longer in the keyring: the link is dead
        raise _link_not_found()
    return InviteeBooking(booking, event_type, account, links, _policy(state, booking, event_type))


def _guard(state: AppState, event_type: EventType, action: str) -> bookings.BookingGuard:
    def check(booking: Booking) -> None:
        policy = _policy(state, booking, event_type)
        refusal = policy.cancel if action == "cancel" else policy.reschedule
        if refusal is not None:
            raise conflict(refusal.code, refusal.message)

    return check


async def _reopened(state: AppState, seen: InviteeBooking, booking: Booking) -> InviteeBooking:
    return InviteeBooking(
        booking,
        seen.event_type,
        seen.account,
        seen.links,
        _policy(state, booking, seen.event_type),
    )


async def cancel(state: AppState, token: str, reason: str | None) -> InviteeBooking:
    """Cancel through the link; a cancelled booking answers with itself (idempotent)."""
    seen = await open_link(state, token)
    if seen.policy.cancel is not None:
        raise conflict(seen.policy.cancel.code, seen.policy.cancel.message)
    booking = await bookings.cancel_booking(
        state,
        seen.caller,
        seen.booking.id,
        reason,
        by="invitee",
        guard=_guard(state, seen.event_type, "cancel"),
    )
    return await _reopened(state, seen, booking)


async def reschedule(
    state: AppState, token: str, start: datetime, reason: str | None
) -> InviteeBooking:
    """Move the booking through the link to ``start`` (an open slot, as for the keyed route); its
    host(s) keep it, round robin included. The same start again is answered with the booking."""
    seen = await open_link(state, token)
    if seen.policy.reschedule is not None:
        raise conflict(seen.policy.reschedule.code, seen.policy.reschedule.message)
    if start == seen.booking.start_at:
        return seen
    booking = await bookings.reschedule_booking(
        state,
        seen.caller,
        seen.booking.id,
        start,
        reason,
        by="invitee",
        guard=_guard(state, seen.event_type, "reschedule"),
    )
    return await _reopened(state, seen, booking)


async def slots(
    state: AppState, token: str, start_date: date, end_date: date, time_zone: str | None
) -> availability.OpenSlots:
    """The starts the booking can move to, from the same engine as ``GET /v1/availability`` for
    its event type, length and host(s); the booking's own time does not block them."""
    seen = await open_link(state, token)
    if seen.policy.reschedule is not None:
        raise conflict(seen.policy.reschedule.code, seen.policy.reschedule.message)
    booking = seen.booking
    query = availability.AvailabilityQuery(
        event_type_id=booking.event_type_id,
        start_date=start_date,
        end_date=end_date,
        time_zone=time_zone,
        duration=booking.duration_minutes,
        host_id=booking.host_id if seen.event_type.assignment == "round_robin" else None,
        exclude_booking_id=booking.id,
    )
    async with state.db.connect_read() as conn:
        return await availability.find_availability(state, conn, seen.caller, query)


async def issue_missing_tokens(state: AppState, *, batch: int = 500) -> int:
    """Give every booking made before invitee links existed its token; returns how many got one.

    Runs at start-up; several processes may run it at once: each row is written only while it
    still has no token, so a booking never gets two.
    """
    issued = 0
    while True:
        async with state.db.write() as session:
            ids = (
                await session.scalars(
                    select(Booking.id).where(Booking.invitee_token_hash.is_(None)).limit(batch)
                )
            ).all()
            for booking_id in ids:
                digest, sealed = issue_token(state.secret_box, booking_id)
                result: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
                    update(Booking)
                    .where(Booking.id == booking_id, Booking.invitee_token_hash.is_(None))
                    .values(invitee_token_hash=digest, invitee_token_sealed=sealed)
                )
                issued += result.rowcount
        if len(ids) < batch:
            return issued


@asynccontextmanager
async def invitee_lifespan(state: AppState) -> AsyncIterator[None]:
    """At start-up, give bookings made before invitee links existed their token (a no-op query
    once every booking has one), so every booking shows its links."""
    issued = await issue_missing_tokens(state)
    if issued:
        logger.info("issued invitee link tokens to %d older bookings", issued)
    yield
