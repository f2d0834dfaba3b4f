"""Holds: a slot reserved for a while, so a person can decide before it is booked.

A hold occupies its hosts exactly as a booking does — ``booking_hosts`` rows (status ``held``,
with ``expires_at``) that the availability engine reads with the bookings — and is placed through
the same write path (:func:`~astrocal_server.bookings.service.prepare_slot`, the host locks,
:func:`~astrocal_server.bookings.service.admit`), so a hold and a booking, or two holds, never get
one slot; on PostgreSQL the exclusion constraint covers held rows too.

Expiry needs no job for correctness: readers ignore a hold whose ``expires_at`` has passed, and
writers on PostgreSQL delete such rows of the hosts they lock before writing. Its status turns
``expired`` (and its rows go on SQLite) when the ``hold`` outbox row planned at ``expires_at``
runs (:func:`handle_expiry`); until then an active hold past its expiry is *shown* as expired.

A hold changes state only inside a write transaction holding its hosts' locks: release
(:func:`release_hold`), conversion into a booking
(:func:`~astrocal_server.bookings.service.create_booking_from_hold`), expiry.

Functions take the caller and typed inputs, return :class:`~astrocal_server.storage.models.Hold`
rows (with ``hosts`` loaded) and raise :mod:`astrocal_server.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from astrocal_server.bookings import service as bookings
from astrocal_server.bookings.rules import booking_seat_key
from astrocal_server.caller import Caller
from astrocal_server.holds.rules import hold_consumed, is_live
from astrocal_server.ids import new_id
from astrocal_server.outbox.handlers import OutboxItem, RetryLater
from astrocal_server.outbox.writer import enqueue
from astrocal_server.state import AppState
from astrocal_server.storage.models import BookingHost, Hold, Host
from astrocal_server.storage.owned import get_owned, reader_of
from astrocal_server.storage.pagination import Page, PageRequest, paginate
from astrocal_server.waitlist import service as waitlist

__all__ = [
    "HoldDraft",
    "HoldFilters",
    "create_hold",
    "drop_occupancy",
    "end_hold",
    "get_hold",
    "handle_expiry",
    "list_holds",
    "load_hosts",
    "place_hold",
    "release_hold",
    "retrieve_hold",
    "with_hosts",
]


@dataclass(frozen=True)
class HoldDraft:
    event_type_id: str
    start: datetime
    ttl_seconds: int
    duration: int | None = None
    host_id: str | None = None  # round robin only
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HoldFilters:
    """``GET /v1/holds`` filters; ``None`` means "not filtered". ``status`` is the shown status
    (an active hold past its expiry is ``expired``)."""

    status: str | None = None
    event_type_id: str | None = None
    host_id: str | None = None


async def get_hold(
    session: AsyncSession,
    caller: Caller,
    hold_id: str,
    *,
    for_update: bool = False,
    param: str | None = None,
) -> Hold:
    """The caller's hold with its hosts loaded, or 404 (another account's or mode's hold looks
    exactly like a missing one)."""
    hold = await get_owned(
        session, Hold, caller, hold_id, kind="hold", param=param, for_update=for_update
    )
    return await with_hosts(session, hold)


retrieve_hold = reader_of(get_hold)


async def list_holds(
    state: AppState, caller: Caller, filters: HoldFilters, page: PageRequest
) -> Page[Hold]:
    """The caller's holds matching ``filters``, by start (then id), one page at a time."""
    stmt = select(Hold).where(caller.owns(Hold))
    now = state.clock.now()
    if filters.status == "expired":
        stmt = stmt.where(
            (Hold.status == "expired") | ((Hold.status == "active") & (Hold.expires_at <= now))
        )
    elif filters.status == "active":
        stmt = stmt.where(Hold.status == "active", Hold.expires_at > now)
    elif filters.status is not None:
        stmt = stmt.where(Hold.status == filters.status)
    if filters.event_type_id is not None:
        stmt = stmt.where(Hold.event_type_id == filters.event_type_id)
    if filters.host_id is not None:
        # A hold's hosts outlive its occupancy rows in ``host_ids`` (a JSON list). Host ids are
        # ``host_`` plus [a-z0-9] (the API checks the pattern), so the quoted id matches exactly
        # one element of the list's text and holds no LIKE wildcard.
        stmt = stmt.where(cast(Hold.host_ids, String).like(f'%"{filters.host_id}"%'))
    async with state.db.read() as session:
        found = await paginate(session, stmt, order_by=[Hold.start_at, Hold.id], page=page)
        await load_hosts(session, found.items)
    return found


def place_hold(
    session: AsyncSession,
    slot: bookings.PreparedSlot,
    host_ids: list[str],
    *,
    account_id: str,
    livemode: bool,
    expires_at: datetime,
    now: datetime,
    metadata: dict[str, Any] | None = None,
    waitlist_entry_id: str | None = None,
) -> Hold:
    """Add an active hold of ``slot`` on ``host_ids`` to ``session``, with its occupancy rows and
    its expiry row. The caller holds the hosts' locks and has admitted the slot
    (:func:`~astrocal_server.bookings.service.admit`, which chose ``host_ids``)."""
    event_type, start, end, duration = slot.event_type, slot.request.start, slot.end, slot.duration
    block = (slot.block_start, slot.block_end)
    hold_id = new_id("hold")
    hold = Hold(
        id=hold_id,
        account_id=account_id,
        livemode=livemode,
        event_type_id=event_type.id,
        host_id=host_ids[0],
        host_ids=list(host_ids),
        status="active",
        start_at=start,
        end_at=end,
        duration_minutes=duration,
        expires_at=expires_at,
        booking_id=None,
        waitlist_entry_id=waitlist_entry_id,
        metadata_=dict(metadata or {}),
        created_at=now,
        updated_at=now,
    )
    seat_key = booking_seat_key(
        booking_id=hold_id,
        event_type_id=event_type.id,
        start=start,
        seats_per_slot=event_type.seats_per_slot,
    )
    session.add(hold)
    session.add_all(
        BookingHost(
            booking_id=hold_id,
            host_id=host_id,
            position=position,
            status="held",
            event_type_id=event_type.id,
            start_at=start,
            end_at=end,
            block_start=block[0],
            block_end=block[1],
            seat_key=seat_key,
            expires_at=expires_at,
        )
        for position, host_id in enumerate(host_ids)
    )
    enqueue(
        session,
        account_id=account_id,
        livemode=livemode,
        kind="hold",
        topic="hold.expire",
        payload={"hold_id": hold_id},
        now=now,
        available_at=expires_at,
    )
    return hold


async def drop_occupancy(session: AsyncSession, hold: Hold) -> None:
    """Give the hold's time back: delete its occupancy rows (the caller holds its hosts' locks)."""
    await session.execute(delete(BookingHost).where(BookingHost.booking_id == hold.id))


async def end_hold(
    session: AsyncSession, state: AppState, hold: Hold, status: str, now: datetime
) -> None:
    """Mark an active hold ``released`` or ``expired`` at ``now``, give its time back and settle
    the waitlist entry it was placed for (then the next one is promoted); the caller holds the
    hold's row and its hosts' locks."""
    hold.status = status
    hold.updated_at = now
    await drop_occupancy(session, hold)
    await session.flush()
    await waitlist.hold_ended(session, state, hold)


async def load_hosts(session: AsyncSession, holds: Sequence[Hold]) -> None:
    """Give each hold its ``hosts`` as its ``host_ids`` name them, in one query for all of them
    (not through its occupancy rows: those are gone once it is released, expired or converted)."""
    wanted = {host_id for hold in holds for host_id in hold.host_ids}
    found = (await session.scalars(select(Host).where(Host.id.in_(wanted)))).all() if wanted else []
    by_id = {host.id: host for host in found}
    for hold in holds:
        set_committed_value(hold, "hosts", [by_id[h] for h in hold.host_ids if h in by_id])


async def with_hosts(session: AsyncSession, hold: Hold) -> Hold:
    """``hold`` with its ``hosts`` loaded (:func:`load_hosts`)."""
    await load_hosts(session, [hold])
    return hold


async def create_hold(state: AppState, caller: Caller, draft: HoldDraft) -> Hold:
    """Hold ``draft.start`` for ``draft.ttl_seconds``: the same checks as a booking, under the
    same locks; 409 ``slot_unavailable`` with reasons and alternatives when it is not free."""
    slot = await bookings.prepare_slot(
        state,
        caller,
        bookings.SlotRequest(draft.event_type_id, draft.start, draft.duration, draft.host_id),
    )
    async with bookings.write_for(state, draft.start) as session:
        await bookings.lock_hosts(session, slot.lock_ids, state.clock.now())
        host_ids = await bookings.admit(session, state, slot)
        now = state.clock.now()
        hold = place_hold(
            session,
            slot,
            host_ids,
            account_id=caller.account_id,
            livemode=caller.livemode,
            expires_at=now + timedelta(seconds=draft.ttl_seconds),
            now=now,
            metadata=draft.metadata,
        )
        await session.flush()
        return await with_hosts(session, hold)


async def release_hold(state: AppState, caller: Caller, hold_id: str) -> Hold:
    """Release an active hold at once; a released or expired one is returned unchanged, a
    converted one is a 409 ``hold_consumed``."""
    async with state.db.read() as session:
        found = await get_hold(session, caller, hold_id)
    async with state.db.write() as session:
        await bookings.lock_hosts(session, found.host_ids, state.clock.now())
        hold = await get_hold(session, caller, hold_id, for_update=True)
        now = state.clock.now()
        if hold.status == "converted":
            raise hold_consumed(hold)
        if is_live(hold, now):
            await end_hold(session, state, hold, "released", now)
        return await with_hosts(session, hold)


async def handle_expiry(item: OutboxItem, state: AppState) -> None:
    """The ``hold`` outbox row planned at a hold's ``expires_at``: mark the hold expired and give
    its time back, under its hosts' locks. Idempotent: a hold no longer active is left alone, and
    a row that runs early (a clock behind the writer's) waits until the expiry."""
    hold_id = str(item.payload["hold_id"])
    async with state.db.read() as session:
        found = await session.get(Hold, hold_id)
    if found is None or found.status != "active":
        return
    now = state.clock.now()
    if found.expires_at > now:
        raise RetryLater("the hold has not expired yet", delay=found.expires_at - now)
    async with state.db.write() as session:
        await bookings.lock_hosts(session, found.host_ids, now)
        hold = await session.get(Hold, hold_id, with_for_update=True)
        if hold is None or hold.status != "active":
            return
        await end_hold(session, state, hold, "expired", state.clock.now())
