"""The waitlist against the database: join, list with positions, retrieve, leave; promotion.

An entry waits for one ``start`` or for any start on a ``date`` (the event type's zone) that was
not open when it joined (409 ``slot_available`` otherwise). The same invitee email cannot wait
twice for one event type and start (or date): ``dedupe_key`` is unique while the entry is waiting
or promoted, NULL afterwards (409 ``waitlist_duplicate``).

Promotion happens inside the transaction that frees a slot (:func:`promote_freed`, called by the
bookings cancel and reschedule, the holds release and expiry, and :func:`leave`): the first
waiting entry in queue order (``created_at``, ``id``) for which the freed start is admissible
again (the same engine check as a booking, on the freed hosts only, whose locks that transaction
holds) gets a hold for the event type's ``waitlist_hold_minutes``, a confirm token (hashed and
sealed, as invitee links are: ``invitee/links.py``) and the ``waitlist.promoted`` webhook and
email as outbox rows. So a promotion exists exactly when the freeing committed, and its side
effects are delivered by the relay: a process killed anywhere neither loses one nor promotes two
people for one seat (one freed seat, at most one promotion). External calendars are not read
inside that transaction (a slow provider must not hold the locks): the hold is placed on the
database's view, as the freed booking was.

A promotion hold's fate settles the entry in the same transaction: converted → ``booked``,
expired → ``expired`` (``waitlist.expired``, then the next entry is promoted), released →
``cancelled`` (then the next entry is promoted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from astrocal_server.availability import service as availability
from astrocal_server.availability import team as teams
from astrocal_server.availability.rules import pick_duration, utc_range_for_dates
from astrocal_server.bookings import service as bookings
from astrocal_server.bookings.rules import block_interval
from astrocal_server.caller import Caller
from astrocal_server.errors import Conflict, NotFound, conflict, invalid_param
from astrocal_server.holds import service as holds
from astrocal_server.holds.rules import is_live
from astrocal_server.ids import new_id
from astrocal_server.invitee import service as invitee
from astrocal_server.invitee.links import PLACEHOLDER, SEALED_KEY, issue_token, open_token
from astrocal_server.outbox.writer import (
    enqueue,
    enqueue_webhook_event,
    event_type_summary,
    host_summary,
)
from astrocal_server.serialize.waitlist import entry_to_api
from astrocal_server.state import AppState
from astrocal_server.storage.models import (
    Account,
    EventType,
    Hold,
    Host,
    Schedule,
    WaitlistEntry,
)
from astrocal_server.storage.owned import get_owned
from astrocal_server.storage.pagination import Page, PageRequest, paginate

__all__ = [
    "EntryDraft",
    "EntryFilters",
    "EntryView",
    "Promotion",
    "confirm",
    "confirm_url",
    "create_entry",
    "hold_converted",
    "hold_ended",
    "leave",
    "list_entries",
    "open_promotion",
    "promote_freed",
    "retrieve_entry",
]

# Waiting entries looked at per freed start: beyond these the slot stays free for booking.
_CANDIDATES = 50
_OPEN = ("waiting", "promoted")


@dataclass(frozen=True)
class EntryDraft:
    """A new entry: exactly one of ``start`` and ``day``."""

    event_type_id: str
    start: datetime | None
    day: date | None
    invitee_name: str
    invitee_email: str
    invitee_time_zone: str | None = None
    host_id: str | None = None  # round robin only
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EntryFilters:
    status: str | None = None
    event_type_id: str | None = None
    invitee_email: str | None = None


@dataclass(frozen=True)
class EntryView:
    """An entry with what its API object shows beside the row."""

    entry: WaitlistEntry
    position: int | None
    hold_expires_at: datetime | None
    confirm_url: str | None

    def to_api(self) -> dict[str, Any]:
        return entry_to_api(
            self.entry,
            position=self.position,
            hold_expires_at=self.hold_expires_at,
            confirm_url=self.confirm_url,
        )


def confirm_url(state: AppState, token: str) -> str:
    """The invitee page where a promotion is confirmed (this server's: ``api/pages.py``)."""
    return f"{state.settings.public_base_url.rstrip('/')}/waitlist/{token}"


def _dedupe_key(event_type_id: str, start: datetime | None, day: date | None, email: str) -> str:
    when = start.isoformat() if start is not None else str(day)
    return f"{event_type_id}|{when}|{email.lower()}"


def _duplicate() -> Conflict:
    return conflict(
        "waitlist_duplicate",
        "This invitee email is already on the waitlist for this event type and start (or date); "
        "retrieve that entry (GET /v1/waitlist?invitee_email=…) instead of joining again.",
        param="invitee.email",
    )


def _slot_available(param: str, what: str) -> Conflict:
    return conflict(
        "slot_available",
        f"{what} is open now, so there is nothing to wait for; book it with POST /v1/bookings "
        "(or hold it with POST /v1/holds) instead.",
        param=param,
    )


# --- reading -----------------------------------------------------------------------------------


async def _positions(session: AsyncSession, entries: Sequence[WaitlistEntry]) -> dict[str, int]:
    """Each waiting entry's place among the waiting entries for its event type and start (or
    date): 1 is promoted next."""
    waiting = [e for e in entries if e.status == "waiting"]
    if not waiting:
        return {}
    rows = (
        await session.execute(
            select(
                WaitlistEntry.id,
                WaitlistEntry.event_type_id,
                WaitlistEntry.start_at,
                WaitlistEntry.wait_date,
            )
            .where(
                WaitlistEntry.event_type_id.in_({e.event_type_id for e in waiting}),
                WaitlistEntry.status == "waiting",
            )
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        )
    ).all()
    counts: dict[tuple[Any, ...], int] = {}
    positions: dict[str, int] = {}
    for entry_id, event_type_id, start_at, wait_date in rows:
        key = (event_type_id, start_at, wait_date)
        counts[key] = counts.get(key, 0) + 1
        positions[entry_id] = counts[key]
    return positions


async def _views(
    state: AppState, session: AsyncSession, entries: Sequence[WaitlistEntry]
) -> list[EntryView]:
    positions = await _positions(session, entries)
    hold_ids = [e.hold_id for e in entries if e.hold_id is not None]
    expiry: dict[str, datetime] = {}
    if hold_ids:
        expiry = {
            hold_id: expires_at
            for hold_id, expires_at in (
                await session.execute(select(Hold.id, Hold.expires_at).where(Hold.id.in_(hold_ids)))
            ).all()
        }
    out = []
    for entry in entries:
        url = None
        if entry.status == "promoted" and entry.token_sealed is not None:
            token = open_token(state.secret_box, entry.id, entry.token_sealed)
            url = None if token is None else confirm_url(state, token)
        out.append(
            EntryView(
                entry,
                positions.get(entry.id),
                expiry.get(entry.hold_id) if entry.hold_id is not None else None,
                url,
            )
        )
    return out


async def _get(
    session: AsyncSession, caller: Caller, entry_id: str, *, for_update: bool = False
) -> WaitlistEntry:
    return await get_owned(
        session, WaitlistEntry, caller, entry_id, kind="waitlist entry", for_update=for_update
    )


async def retrieve_entry(state: AppState, caller: Caller, entry_id: str) -> EntryView:
    async with state.db.read() as session:
        entry = await _get(session, caller, entry_id)
        return (await _views(state, session, [entry]))[0]


async def list_entries(
    state: AppState, caller: Caller, filters: EntryFilters, page: PageRequest
) -> Page[EntryView]:
    """The caller's entries matching ``filters``, in queue order, one page at a time."""
    stmt = select(WaitlistEntry).where(caller.owns(WaitlistEntry))
    if filters.status is not None:
        stmt = stmt.where(WaitlistEntry.status == filters.status)
    if filters.event_type_id is not None:
        stmt = stmt.where(WaitlistEntry.event_type_id == filters.event_type_id)
    if filters.invitee_email is not None:
        stmt = stmt.where(func.lower(WaitlistEntry.invitee_email) == filters.invitee_email.lower())
    async with state.db.read() as session:
        found = await paginate(
            session, stmt, order_by=[WaitlistEntry.created_at, WaitlistEntry.id], page=page
        )
        views = await _views(state, session, found.items)
    return Page(views, found.has_more, found.next_cursor)


# --- joining -----------------------------------------------------------------------------------


async def _check_not_open(state: AppState, caller: Caller, draft: EntryDraft) -> None:
    """404/400 for an unknown event type or host; 409 ``slot_available`` for a start (or a day
    with any start) that is open now: the same engine answers as ``/v1/availability``."""
    async with state.db.connect_read() as conn:
        event_type, schedule, default_host_id = await availability.owned_event_type_and_schedule(
            conn, caller, draft.event_type_id
        )
        if draft.host_id is not None:
            await teams.team_host_ids(conn, event_type, default_host_id, draft.host_id)
            if event_type.assignment != "round_robin":
                raise invalid_param(
                    "host_id",
                    f"host_id picks a host of a round robin event type; event type "
                    f"{event_type.id} is {event_type.assignment or 'single'}, so leave host_id out.",
                )
        if draft.start is not None:
            check = await availability.check_availability(
                state,
                conn,
                caller,
                event_type_id=draft.event_type_id,
                start=draft.start,
                duration=None,
                host_id=draft.host_id,
            )
            if check.available:
                raise _slot_available("start", draft.start.strftime("%Y-%m-%dT%H:%M:%SZ"))
            return
        assert draft.day is not None
        if await _day_is_over(conn, event_type, schedule, draft.day, state.clock.now()):
            raise conflict(
                "slot_unavailable",
                f"date {draft.day.isoformat()} is over in the event type's zone, so no start on "
                "it will ever free; wait for a date still to come.",
                param="date",
            )
        found = await availability.find_availability(
            state,
            conn,
            caller,
            availability.AvailabilityQuery(
                event_type_id=draft.event_type_id,
                start_date=draft.day,
                end_date=draft.day,
                time_zone=None,
                duration=None,
                host_id=draft.host_id,
            ),
        )
        if found.slots:
            raise _slot_available("date", f"A start on {draft.day.isoformat()}")


async def _day_is_over(
    conn: AsyncConnection,
    event_type: EventType,
    schedule: Schedule | None,
    day: date,
    now: datetime,
) -> bool:
    """Whether ``day`` has ended in the zone the event type counts its days in (its schedule's;
    a team's without one: its first listed host's, as ``/v1/availability`` counts them)."""
    zone = schedule.time_zone if schedule is not None else None
    if zone is None and event_type.hosts:
        first = str(event_type.hosts[0]["host_id"])
        zone = await conn.scalar(select(Host.time_zone).where(Host.id == first))
    _, end = utc_range_for_dates(day, day, zone or "UTC")
    return end <= now


async def create_entry(state: AppState, caller: Caller, draft: EntryDraft) -> EntryView:
    now = state.clock.now()
    if draft.start is not None and draft.start <= now:
        # Schema-valid but nothing will ever free there: the conflict a booking of it gets.
        raise conflict(
            "slot_unavailable",
            "start is in the past, so it will never free; wait for a start still to come.",
            param="start",
        )
    await _check_not_open(state, caller, draft)
    key = _dedupe_key(draft.event_type_id, draft.start, draft.day, draft.invitee_email)
    entry = WaitlistEntry(
        id=new_id("wl"),
        account_id=caller.account_id,
        livemode=caller.livemode,
        event_type_id=draft.event_type_id,
        start_at=draft.start,
        wait_date=draft.day,
        host_id=draft.host_id,
        invitee_name=draft.invitee_name,
        invitee_email=draft.invitee_email,
        invitee_time_zone=draft.invitee_time_zone,
        status="waiting",
        hold_id=None,
        booking_id=None,
        dedupe_key=key,
        token_hash=None,
        token_sealed=None,
        metadata_=dict(draft.metadata),
        created_at=now,
        updated_at=now,
        promoted_at=None,
    )
    try:
        async with state.db.write() as session:
            taken = await session.scalar(
                select(WaitlistEntry.id).where(WaitlistEntry.dedupe_key == key)
            )
            if taken is not None:
                raise _duplicate()
            session.add(entry)
            await session.flush()
            return (await _views(state, session, [entry]))[0]
    except IntegrityError:  # a concurrent join of the same person won the unique key
        raise _duplicate() from None


# --- promotion ---------------------------------------------------------------------------------


def _close(entry: WaitlistEntry, status: str, now: datetime) -> None:
    entry.status = status
    entry.dedupe_key = None
    entry.updated_at = now


def _stored_view(state: AppState, entry: WaitlistEntry, hold: Hold | None) -> dict[str, Any]:
    """The entry's API object as stored payloads carry it: the confirm link with the token left
    as a placeholder and its sealed copy beside it (``invitee.links.reveal``)."""
    data = entry_to_api(
        entry,
        position=None,
        hold_expires_at=None if hold is None else hold.expires_at,
        confirm_url=None,
    )
    if entry.status == "promoted" and entry.token_sealed is not None:
        data["confirm_url"] = confirm_url(state, PLACEHOLDER)
        data[SEALED_KEY] = entry.token_sealed
    return data


async def _event_type_slot(
    session: AsyncSession,
    *,
    account_id: str,
    livemode: bool,
    event_type_id: str,
) -> tuple[EventType, Any, str, teams.Team | None] | None:
    found = await availability.load_event_type_and_schedule(
        session, account_id=account_id, livemode=livemode, event_type_id=event_type_id
    )
    if found is None:
        return None
    event_type, schedule, default_host_id = found
    team = None
    if teams.is_team(event_type, schedule):
        listed = teams.listed_host_ids(event_type, default_host_id)
        team = await teams.load_team(session, event_type, schedule, listed)
    return event_type, schedule, default_host_id, team


async def promote_freed(
    session: AsyncSession,
    state: AppState,
    *,
    account_id: str,
    livemode: bool,
    event_type_id: str,
    start: datetime,
    host_ids: Sequence[str],
    lock: bool = False,
) -> WaitlistEntry | None:
    """Promote the first waiting entry that ``start`` (just freed on ``host_ids``) fits, inside
    the freeing transaction; None when nobody waits for it or it is not admissible for anyone.

    The hold goes only on ``host_ids``: the freeing transaction holds their locks (``lock``: take
    them now, for a transaction that did not need them to free the slot; a cancel, which holds
    only the booking's row lock, in the order a reschedule takes them)."""
    now = state.clock.now()
    if start <= now:
        return None
    # Most freed slots have nobody waiting: one indexed lookup, then nothing more.
    anyone = await session.scalar(
        select(WaitlistEntry.id)
        .where(WaitlistEntry.event_type_id == event_type_id, WaitlistEntry.status == "waiting")
        .limit(1)
    )
    if anyone is None:
        return None
    loaded = await _event_type_slot(
        session, account_id=account_id, livemode=livemode, event_type_id=event_type_id
    )
    if loaded is None:
        return None  # the event type was deleted: nothing to promote into
    event_type, schedule, default_host_id, team = loaded
    zone = teams.zone_of(schedule, team)
    day = start.astimezone(ZoneInfo(zone)).date()
    candidates = (
        await session.scalars(
            select(WaitlistEntry)
            .where(
                WaitlistEntry.account_id == account_id,
                WaitlistEntry.livemode == livemode,
                WaitlistEntry.event_type_id == event_type_id,
                WaitlistEntry.status == "waiting",
                or_(WaitlistEntry.start_at == start, WaitlistEntry.wait_date == day),
            )
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
            .limit(_CANDIDATES)
            .with_for_update()
        )
    ).all()
    if not candidates:
        return None
    freed = list(dict.fromkeys(host_ids))
    if lock:
        await bookings.lock_hosts(session, freed, now)
    duration = pick_duration(event_type, None)
    end = start + timedelta(minutes=duration)
    block = block_interval(
        start,
        end,
        buffer_before_minutes=event_type.buffer_before_minutes,
        buffer_after_minutes=event_type.buffer_after_minutes,
    )
    refused: set[str | None] = set()
    for entry in candidates:
        if entry.host_id in refused:
            continue
        slot = _slot_for(
            event_type, schedule, default_host_id, team, freed, entry, start, duration, end, block
        )
        if slot is None:
            refused.add(entry.host_id)
            continue
        try:
            chosen = await bookings.admit(session, state, slot)
        except Conflict:
            refused.add(entry.host_id)
            continue
        await _promote(session, state, entry, event_type, slot, chosen)
        return entry
    return None


def _slot_for(
    event_type: EventType,
    schedule: Any,
    default_host_id: str,
    team: teams.Team | None,
    freed: list[str],
    entry: WaitlistEntry,
    start: datetime,
    duration: int,
    end: datetime,
    block: tuple[datetime, datetime],
) -> bookings.PreparedSlot | None:
    """What :func:`~astrocal_server.bookings.service.admit` checks for ``entry``, on the freed
    hosts only; None when the entry cannot go there (another host, a team not all freed)."""
    if team is None:
        if default_host_id not in freed:
            return None
        lock_ids = [default_host_id]
    elif team.assignment == "round_robin":
        pool = [h for h in team.host_ids if h in freed]
        if entry.host_id is not None:
            pool = [entry.host_id] if entry.host_id in pool else []
        if not pool:
            return None
        team = team.only(pool, "round_robin")
        lock_ids = pool
    else:
        if not set(team.host_ids) <= set(freed):
            return None
        lock_ids = team.host_ids
    return bookings.PreparedSlot(
        request=bookings.SlotRequest(event_type.id, start, None, entry.host_id),
        event_type=event_type,
        schedule=schedule,
        team=team,
        default_host_id=default_host_id,
        known_hosts=None,
        duration=duration,
        busy=[],
        busy_by_host={h: [] for h in lock_ids},
        lock_ids=lock_ids,
        end=end,
        block_start=block[0],
        block_end=block[1],
    )


async def _promote(
    session: AsyncSession,
    state: AppState,
    entry: WaitlistEntry,
    event_type: EventType,
    slot: bookings.PreparedSlot,
    host_ids: list[str],
) -> None:
    now = state.clock.now()
    start = slot.request.start
    hold = holds.place_hold(
        session,
        slot,
        host_ids,
        account_id=entry.account_id,
        livemode=entry.livemode,
        expires_at=now + timedelta(minutes=event_type.waitlist_hold_minutes),
        now=now,
        waitlist_entry_id=entry.id,
    )
    entry.token_hash, entry.token_sealed = issue_token(state.secret_box, entry.id)
    entry.status = "promoted"
    entry.hold_id = hold.id
    entry.promoted_at = now
    entry.updated_at = now
    await session.flush()
    data = _stored_view(state, entry, hold)
    enqueue_webhook_event(
        session,
        account_id=entry.account_id,
        livemode=entry.livemode,
        topic="waitlist.promoted",
        data=data,
        now=now,
    )
    if not entry.livemode:
        return  # test mode: no email is sent
    hosts = (await session.scalars(select(Host).where(Host.id.in_(host_ids)))).all()
    by_id = {h.id: h for h in hosts}
    enqueue(
        session,
        account_id=entry.account_id,
        livemode=True,
        kind="email",
        topic="waitlist.promoted",
        payload={
            "notice": "waitlist_promoted",
            "entry": data,
            "start": data["start"] or start.isoformat(),
            "end": slot.end.isoformat(),
            "event_type": event_type_summary(event_type),
            "hosts": [host_summary(by_id[h]) for h in host_ids if h in by_id],
        },
        now=now,
    )


async def hold_converted(session: AsyncSession, hold: Hold, now: datetime) -> None:
    """In the conversion's transaction: the promoted entry the hold was placed for is booked."""
    if hold.waitlist_entry_id is None:
        return
    entry = await session.get(WaitlistEntry, hold.waitlist_entry_id, with_for_update=True)
    if entry is not None and entry.status == "promoted":
        _close(entry, "booked", now)
        entry.booking_id = hold.booking_id


async def hold_ended(session: AsyncSession, state: AppState, hold: Hold) -> None:
    """In the transaction that released or expired ``hold`` (its hosts locked): settle the entry
    it was placed for (``expired`` with ``waitlist.expired``, or ``cancelled``), then promote the
    next entry for the freed start."""
    now = state.clock.now()
    if hold.waitlist_entry_id is not None:
        entry = await session.get(WaitlistEntry, hold.waitlist_entry_id, with_for_update=True)
        if entry is not None and entry.status == "promoted":
            expired = hold.status == "expired"
            _close(entry, "expired" if expired else "cancelled", now)
            if expired:
                await session.flush()
                enqueue_webhook_event(
                    session,
                    account_id=entry.account_id,
                    livemode=entry.livemode,
                    topic="waitlist.expired",
                    data=entry_to_api(
                        entry, position=None, hold_expires_at=hold.expires_at, confirm_url=None
                    ),
                    now=now,
                )
    await promote_freed(
        session,
        state,
        account_id=hold.account_id,
        livemode=hold.livemode,
        event_type_id=hold.event_type_id,
        start=hold.start_at,
        host_ids=hold.host_ids,
    )


async def leave(state: AppState, caller: Caller, entry_id: str) -> EntryView:
    """Take the entry off the queue; a promoted one's hold is released (and the next entry
    promoted). An entry no longer waiting or promoted is returned unchanged."""
    async with state.db.read() as session:
        found = await _get(session, caller, entry_id)
        hold = None if found.hold_id is None else await session.get(Hold, found.hold_id)
    async with state.db.write() as session:
        if found.status == "promoted" and hold is not None:
            await bookings.lock_hosts(session, hold.host_ids, state.clock.now())
        entry = await _get(session, caller, entry_id, for_update=True)
        now = state.clock.now()
        if entry.status == "waiting":
            _close(entry, "cancelled", now)
        elif entry.status == "promoted" and entry.hold_id is not None:
            held = await session.get(Hold, entry.hold_id, with_for_update=True)
            _close(entry, "cancelled", now)
            if held is not None and is_live(held, now):
                await holds.end_hold(session, state, held, "released", now)
        await session.flush()
        return (await _views(state, session, [entry]))[0]


# --- the invitee's confirm link ----------------------------------------------------------------


@dataclass(frozen=True)
class Promotion:
    """A promoted (or since settled) entry as its confirm link opens it."""

    entry: WaitlistEntry
    event_type: EventType
    account: Account
    hold: Hold | None
    can_confirm: bool

    @property
    def caller(self) -> Caller:
        return invitee.invitee_caller(self.account, self.entry.livemode)


def _link_not_found() -> NotFound:
    return invitee.link_not_found(
        "This waitlist link is not valid; check that the whole link was copied from the email."
    )


async def open_promotion(state: AppState, token: str) -> Promotion:
    """The entry ``token`` opens; the same 404 for any other string."""
    digest = invitee.digest_or_404(token, _link_not_found)
    async with state.db.read() as session:
        entry = await session.scalar(
            select(WaitlistEntry).where(WaitlistEntry.token_hash == digest)
        )
        if entry is None or entry.token_sealed is None:
            raise _link_not_found()
        if open_token(state.secret_box, entry.id, entry.token_sealed) != token:
            raise _link_not_found()
        account = await session.get_one(Account, entry.account_id)
        event_type = await session.get_one(EventType, entry.event_type_id)
        hold = None if entry.hold_id is None else await session.get(Hold, entry.hold_id)
    now = state.clock.now()
    can = entry.status == "promoted" and hold is not None and is_live(hold, now)
    return Promotion(entry, event_type, account, hold, can)


async def confirm(state: AppState, token: str) -> invitee.InviteeBooking:
    """Book the promotion's hold for the entry's invitee, as ``POST /v1/bookings`` with
    ``hold_id`` would; a booked entry answers with its booking (confirming twice is harmless).
    The answer is the booking as its invitee sees it (``GET /v1/invitee/bookings/{token}``)."""
    seen = await open_promotion(state, token)
    entry = seen.entry
    if entry.status == "booked" and entry.booking_id is not None:
        return await _as_invitee(state, seen.caller, entry.booking_id)
    if entry.hold_id is None:
        raise _link_not_found()
    draft = bookings.BookingDraft(
        event_type_id=None,
        start=None,
        invitee_name=entry.invitee_name,
        invitee_email=entry.invitee_email,
        invitee_time_zone=entry.invitee_time_zone,
        guests=[],
        notes=None,
        duration=None,
        metadata=dict(entry.metadata_),
        hold_id=entry.hold_id,
    )
    try:
        booking = await bookings.create_booking(state, seen.caller, draft)
    except Conflict as exc:
        if exc.code != "hold_consumed":
            raise
        # Confirmed meanwhile (a double click): the booking the hold became.
        booking_id = (exc.details or {}).get("booking_id")
        if not isinstance(booking_id, str):
            raise
        return await _as_invitee(state, seen.caller, booking_id)
    return await _as_invitee(state, seen.caller, booking.id)


async def _as_invitee(state: AppState, caller: Caller, booking_id: str) -> invitee.InviteeBooking:
    booking = await bookings.retrieve_booking(state, caller, booking_id)
    sealed = booking.invitee_token_sealed
    token = None if sealed is None else open_token(state.secret_box, booking.id, sealed)
    if token is None:
        raise _link_not_found()
    return await invitee.open_link(state, token)
