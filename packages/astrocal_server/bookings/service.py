"""The booking lifecycle against the database: create, update, cancel, reschedule.

No double booking: every write that takes time (create, reschedule) runs in one write transaction
that first serialises on every host it may occupy — SQLite: ``BEGIN IMMEDIATE`` plus the
in-process write lock (``Database.write``); PostgreSQL: ``pg_advisory_xact_lock`` on each host, taken
in one global order (sorted host ids) so two writers never wait on each other in a cycle — then
re-checks the start with the availability engine (the same code path as ``GET /v1/availability``)
against the committed bookings of those hosts, then writes.

Team event types (``hosts``): a collective booking occupies every host (one ``booking_hosts`` row
each, in the event type's order); a round robin one goes to the free host
:func:`~astrocal_server.bookings.rules.pick_round_robin` picks (inside the lock), or to the host
the caller names (``host_id``). ``bookings.host_id`` is the assigned host, or the first one. On PostgreSQL the ``ex_booking_hosts_no_overlap`` exclusion constraint is the
backstop; an exclusion, deadlock or serialization error there becomes the same 409 a lost race gets.

External calendars are read before the transaction (a slow provider must not hold the write lock);
the database is re-checked inside it. Every change writes its outbox rows (webhook event, email,
calendar write-back) in the same transaction, so they exist exactly when the change committed;
their payload is the booking's API object (``serialize/bookings.py``), as the router answers.

Functions take the caller and typed inputs (:class:`BookingDraft`, :class:`BookingChanges`,
:class:`BookingFilters`), return :class:`~astrocal_server.storage.models.Booking` rows (or a page
of them) and raise :mod:`astrocal_server.errors`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal, TypeVar

from sqlalchemy import bindparam, case, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from astrocal_server.accounts.plans import check_booking_quota
from astrocal_server.availability import service as availability
from astrocal_server.availability import team as teams
from astrocal_server.availability.engine import (
    CHECK_HORIZON_DAYS,
    BusyInterval,
    StartCheck,
    TeamCheck,
    WorkingHours,
    check_start,
)
from astrocal_server.availability.inputs import event_type_inputs
from astrocal_server.availability.rules import (
    check_busy_range,
    pick_duration,
    rules_for,
    working_hours_of,
)
from astrocal_server.bookings import write
from astrocal_server.bookings.answers import check_answers
from astrocal_server.bookings.rules import (
    RoundRobinHost,
    block_interval,
    booking_seat_key,
    host_lock_key,
    is_conflict_error,
    month_start,
    pick_round_robin,
)
from astrocal_server.caller import Caller
from astrocal_server.errors import (
    Conflict,
    InvalidRequest,
    NotFound,
    conflict,
    invalid_param,
    not_found,
)
from astrocal_server.holds.rules import hold_consumed, hold_expired, hold_released, is_expired
from astrocal_server.idempotency import RETENTION
from astrocal_server.ids import new_id
from astrocal_server.invitee.links import issue_token, shown_links, stored_links
from astrocal_server.outbox.writer import BookingChange, enqueue_booking_change
from astrocal_server.reminders.plan import plan_reminders
from astrocal_server.serialize.availability import check_to_api
from astrocal_server.serialize.bookings import booking_to_api, shown_from_stored
from astrocal_server.serialize.common import format_datetime
from astrocal_server.state import AppState
from astrocal_server.storage.models import (
    Account,
    Booking,
    BookingHost,
    EventType,
    Hold,
    Host,
    Schedule,
)
from astrocal_server.storage.owned import get_owned, reader_of
from astrocal_server.storage.pagination import Page, PageRequest, paginate
from astrocal_server.validation import merge_metadata
from astrocal_server.waitlist import service as waitlist

# Every booking a service returns carries its hosts (``booking_to_api`` shows them): loaded for a
# whole page in one more query, whatever its size.
_WITH_HOSTS = selectinload(Booking.hosts)

# A booking's hosts in position order (what ``Booking.hosts`` holds).
_HOSTS_OF = (
    select(Host)
    .join(BookingHost, BookingHost.host_id == Host.id)
    .where(BookingHost.booking_id == bindparam("booking_id"))
    .order_by(BookingHost.position)
)

__all__ = [
    "Actor",
    "BookingChanges",
    "BookingDraft",
    "BookingFilters",
    "BookingGuard",
    "cancel_booking",
    "create_booking",
    "create_booking_shown",
    "get_booking",
    "list_bookings",
    "occupy",
    "record_join_url",
    "reschedule_booking",
    "retrieve_booking",
    "update_booking",
    "write_for",
]


# Who made a change: the account through an API key, or the invitee through their link.
Actor = Literal["host", "invitee"]
# Called inside the write transaction with the locked booking before a cancel or reschedule
# changes it; raises to refuse (the invitee's rules: allowed by the event type, not too late).
BookingGuard = Callable[[Booking], None]


@dataclass(frozen=True)
class BookingDraft:
    """A new booking. ``event_type_id`` and ``start`` are required unless ``hold_id`` names the
    hold to convert (then they, ``duration`` and ``host_id`` come from it, and must match it when
    given)."""

    event_type_id: str | None
    start: datetime | None
    invitee_name: str
    invitee_email: str
    invitee_time_zone: str | None
    guests: list[str]
    notes: str | None
    duration: int | None
    metadata: dict[str, Any]
    idempotency_key: str | None = None
    host_id: str | None = None  # round robin only: book this host
    # {question key: value} as sent; checked against the event type's questions once it is loaded.
    answers: dict[str, Any] = field(default_factory=dict)
    hold_id: str | None = None


@dataclass(frozen=True)
class BookingChanges:
    """A PATCH: ``None`` means "not sent"."""

    notes: str | None = None
    metadata: dict[str, Any] | None = None
    invitee_name: str | None = None
    invitee_time_zone: str | None = None
    guests: list[str] | None = None


@dataclass(frozen=True)
class BookingFilters:
    """``GET /v1/bookings`` filters; ``None`` means "not filtered". ``host_id``: bookings that
    occupy that host (any position); ``invitee_email`` matches case-insensitively;
    ``start_after`` is inclusive, ``start_before`` exclusive."""

    status: str | None = None
    event_type_id: str | None = None
    host_id: str | None = None
    invitee_email: str | None = None
    start_after: datetime | None = None
    start_before: datetime | None = None


async def get_booking(
    session: AsyncSession, caller: Caller, booking_id: str, *, for_update: bool = False
) -> Booking:
    """The caller's booking with its hosts loaded, or 404 (another account's booking looks exactly
    like a missing one)."""
    return await get_owned(
        session,
        Booking,
        caller,
        booking_id,
        kind="booking",
        for_update=for_update,
        options=[_WITH_HOSTS],
    )


retrieve_booking = reader_of(get_booking)


async def list_bookings(
    state: AppState, caller: Caller, filters: BookingFilters, page: PageRequest
) -> Page[Booking]:
    """The caller's bookings matching ``filters``, by start (then id), one page at a time."""
    stmt = select(Booking).where(caller.owns(Booking)).options(_WITH_HOSTS)
    if filters.status is not None:
        stmt = stmt.where(Booking.status == filters.status)
    if filters.event_type_id is not None:
        stmt = stmt.where(Booking.event_type_id == filters.event_type_id)
    if filters.host_id is not None:
        occupying = select(BookingHost.booking_id).where(BookingHost.host_id == filters.host_id)
        stmt = stmt.where(Booking.id.in_(occupying))
    if filters.invitee_email is not None:
        stmt = stmt.where(func.lower(Booking.invitee_email) == filters.invitee_email.lower())
    if filters.start_after is not None:
        stmt = stmt.where(Booking.start_at >= filters.start_after)
    if filters.start_before is not None:
        stmt = stmt.where(Booking.start_at < filters.start_before)
    async with state.db.read() as session:
        return await paginate(session, stmt, order_by=[Booking.start_at, Booking.id], page=page)


_LOCK_HOST = text("SELECT pg_advisory_xact_lock(:k)")


async def _lock_host(
    session: AsyncSession | AsyncConnection | write.Executor, host_id: str
) -> None:
    await session.execute(_LOCK_HOST, {"k": host_lock_key(host_id)})


async def lock_hosts(session: AsyncSession, host_ids: Iterable[str], now: datetime) -> None:
    """On PostgreSQL, lock every host a write may touch, in the one global order (sorted ids):
    writers that share hosts queue in the same order, so they never deadlock. (SQLite's write
    transaction is already serialised: ``BEGIN IMMEDIATE``.)

    Then drop the rows of holds on those hosts that expired by ``now``: they no
    longer count, and the write about to happen must not meet them in the exclusion constraint.
    SQLite has no such constraint, and readers skip expired rows, so it is spared the statement;
    the hold's expiry row (``holds/service.py``) removes them there."""
    ids = sorted(set(host_ids))
    bind = session.bind
    if bind is None or bind.dialect.name != "postgresql":
        return
    for host_id in ids:
        await _lock_host(session, host_id)
    await session.execute(
        delete(BookingHost).where(
            BookingHost.host_id.in_(ids),
            BookingHost.status == "held",
            BookingHost.expires_at <= now,
        )
    )


def occupy(booking: Booking, host_ids: list[str]) -> list[BookingHost]:
    """The rows by which ``booking`` occupies each of ``host_ids`` (in order; the first is the
    booking's ``host_id``), carrying its event type, times, status, blocked interval and seat key."""
    return [
        BookingHost(
            booking_id=booking.id,
            host_id=host_id,
            position=position,
            event_type_id=booking.event_type_id,
            **write.occupancy_of(booking),
        )
        for position, host_id in enumerate(host_ids)
    ]


async def _sync_occupancy(session: AsyncSession, booking: Booking) -> None:
    """Copy :func:`_occupancy_of` the booking onto its host rows (after a change)."""
    await session.execute(
        update(BookingHost)
        .where(BookingHost.booking_id == booking.id)
        .values(**write.occupancy_of(booking))
    )


def _slot_unavailable(start: datetime, check: StartCheck | TeamCheck) -> Conflict:
    shown = check_to_api(check)
    first = shown["reasons"][0]["message"] if shown["reasons"] else "it is not open"
    when = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    return conflict(
        "slot_unavailable",
        f"{when} is not available: {first} Pick one of details.alternatives, or ask "
        "GET /v1/availability for open slots.",
        param="start",
        details={"reasons": shown["reasons"], "alternatives": shown["alternatives"]},
    )


@asynccontextmanager
async def write_for(state: AppState, start: datetime) -> AsyncIterator[AsyncSession]:
    """A write transaction that takes time at ``start``: an exclusion, deadlock or serialization
    error (a concurrent writer won) becomes the 409 a lost race gets."""
    try:
        async with state.db.write() as session:
            yield session
    except DBAPIError as exc:
        if is_conflict_error(exc):
            raise _lost_race(start) from None
        raise


async def _booking_to_move(
    session: AsyncSession, caller: Caller, booking_id: str, guard: BookingGuard | None
) -> Booking:
    """The booking, locked for the change, or 409 if it was cancelled meanwhile (or ``guard``
    refuses it now)."""
    booking = await get_booking(session, caller, booking_id, for_update=True)
    if booking.status == "cancelled":
        raise _booking_cancelled(booking_id)
    if guard is not None:
        guard(booking)
    return booking


def _lost_race(start: datetime) -> Conflict:
    when = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    return conflict(
        "slot_unavailable",
        f"{when} was just booked by another request; pick another start from GET /v1/availability.",
        param="start",
        details={
            "reasons": [{"code": "booked", "message": f"Another booking took {when} just now."}],
            "alternatives": [],
        },
    )


_Check = TypeVar("_Check", StartCheck, TeamCheck)


async def _quick_then_full(check: Callable[..., Awaitable[_Check]]) -> _Check:
    """``check(horizon_days=…)`` inside the write transaction. Whether a start itself is open depends
    only on the days around it, so the engine first runs with a one-day horizon (under the write
    lock, that is most of the work saved); only a refused start pays for the full check, whose
    reasons and alternatives go into the 409."""
    quick = await check(horizon_days=1)
    return quick if quick.available else await check(horizon_days=CHECK_HORIZON_DAYS)


async def _check_start(
    session: AsyncSession,
    *,
    state: AppState,
    event_type: EventType,
    schedule: Schedule,
    host_id: str,
    start: datetime,
    busy: list[BusyInterval],
    duration: int,
    exclude_booking_id: str | None = None,
) -> None:
    conn = await session.connection()
    now = state.clock.now()
    full = partial(
        availability.check_start_in_session,
        conn,
        event_type=event_type,
        schedule=schedule,
        host_id=host_id,
        start=start,
        now=now,
        busy=busy,
        duration_minutes=duration,
        exclude_booking_id=exclude_booking_id,
    )
    rules = rules_for(event_type, duration)
    if rules.max_bookings_per_day is not None:
        check = await _quick_then_full(full)
    else:
        # Without a daily limit, only an occupant whose blocked time overlaps the start's own
        # (buffers included) can close it, or share its seats: the quick check reads just those
        # (the full check, for a refused start's reasons and alternatives, reads the days around).
        window = (
            start - timedelta(minutes=rules.buffer_before_minutes),
            start + timedelta(minutes=rules.duration_minutes + rules.buffer_after_minutes),
        )
        nearby = await availability.load_occupants(
            conn, event_type, host_id, window, now, exclude_booking_id
        )
        hours = working_hours_of(schedule)
        quick = check_start(
            hours, rules, now=now, start=start, bookings=nearby, busy=busy, horizon_days=1
        )
        check = quick if quick.available else await full(horizon_days=CHECK_HORIZON_DAYS)
    if not check.available:
        raise _slot_unavailable(start, check)


async def _check_team(
    session: AsyncSession,
    *,
    state: AppState,
    team: teams.Team,
    start: datetime,
    busy: dict[str, list[BusyInterval]],
    duration: int,
    exclude_booking_id: str | None = None,
) -> TeamCheck:
    """The team check inside the write transaction (:func:`_quick_then_full`)."""
    conn = await session.connection()
    now = state.clock.now()
    return await _quick_then_full(
        partial(
            teams.check_team_in,
            conn,
            team,
            start=start,
            now=now,
            busy=busy,
            duration_minutes=duration,
            exclude_booking_id=exclude_booking_id,
        )
    )


async def _pick_host(
    session: AsyncSession, *, now: datetime, event_type: EventType, free: Sequence[str]
) -> str:
    """The round robin pick among the ``free`` hosts, from their bookings of this event type."""
    if len(free) == 1:
        return free[0]
    since = month_start(now)
    rows = (
        await session.execute(
            select(
                BookingHost.host_id,
                func.sum(case((Booking.created_at >= since, 1), else_=0)),
                func.max(Booking.created_at),
            )
            .join_from(BookingHost, Booking, Booking.id == BookingHost.booking_id)
            .where(
                Booking.event_type_id == event_type.id,
                BookingHost.status == "confirmed",
                BookingHost.host_id.in_(list(free)),
            )
            .group_by(BookingHost.host_id)
        )
    ).all()
    stats = {row[0]: (int(row[1] or 0), row[2]) for row in rows}
    listed = {str(h["host_id"]): (i, h) for i, h in enumerate(event_type.hosts)}
    candidates = []
    for host_id in free:
        position, host = listed.get(host_id, (len(listed), {}))
        booked, last = stats.get(host_id, (0, None))
        candidates.append(
            RoundRobinHost(
                host_id=host_id,
                position=position,
                priority=int(host.get("priority", 0)),
                weight=int(host.get("weight", 1)),
                booked_this_month=booked,
                last_booked_at=last,
            )
        )
    return pick_round_robin(candidates)


async def _emit(
    state: AppState,
    session: AsyncSession,
    caller: Caller,
    change: BookingChange,
    booking: Booking,
    event_type: EventType,
    hosts: Sequence[Host] | None = None,
    notice: str | None = None,
    write_calendars: bool = True,
) -> Booking:
    """Write the change's outbox rows, carrying the booking's API object; return the booking.

    The booking's hosts are (re)read here, after the flush, so they are the rows this very
    transaction wrote or kept, and the returned booking carries them for the response. One
    statement (a refresh would take two), inside the write lock where every statement counts,
    so a create that already knows them (one host, read with the event type) passes ``hosts``.
    """
    if hosts is None:
        hosts = (await session.scalars(_HOSTS_OF, {"booking_id": booking.id})).all()
    set_committed_value(booking, "hosts", list(hosts))
    links = stored_links(
        booking.invitee_token_sealed,
        public_base_url=state.settings.public_base_url,
        template=caller.account.invitee_url_template,
    )
    enqueue_booking_change(
        session,
        change=change,
        booking=booking_to_api(booking, links),
        sequence=booking.ics_sequence,
        event_type=event_type,
        account=caller.account,
        hosts=booking.hosts,
        now=booking.updated_at,
        notice=notice,
        write_calendars=write_calendars,
    )
    await plan_reminders(
        session, change=change, booking=booking, event_type=event_type, now=booking.updated_at
    )
    return booking


async def _created_with_key(session: AsyncSession, caller: Caller, key: str) -> Booking | None:
    """The booking an earlier attempt with this Idempotency-Key committed, if any.

    The idempotency middleware stores the response in a transaction of its own after the booking
    commits; a process killed in between leaves the key unanswered, and the retry lands here. Like
    the stored response, this holds for :data:`~astrocal_server.idempotency.RETENTION` only: later,
    the key is a fresh request whatever its body (the caller checks ``created_at``).
    """
    found: Booking | None = await session.scalar(
        select(Booking)
        .where(
            Booking.account_id == caller.account_id,
            Booking.livemode == caller.livemode,
            Booking.idempotency_key == key,
        )
        .options(_WITH_HOSTS)
    )
    return found


@dataclass(frozen=True)
class SlotRequest:
    """What a new booking or hold asks for: ``start`` of the caller's ``event_type_id``,
    ``duration`` minutes (None: the default), on ``host_id`` (round robin only)."""

    event_type_id: str
    start: datetime
    duration: int | None = None
    host_id: str | None = None


@dataclass(frozen=True)
class PreparedSlot:
    """A :class:`SlotRequest` with everything read before the write transaction: the event type,
    the team (or the one host), the external calendars' busy time, the hosts to lock and the
    interval the new occupant blocks."""

    request: SlotRequest
    event_type: EventType
    schedule: Schedule | None
    team: teams.Team | None
    default_host_id: str
    known_hosts: list[Host] | None
    duration: int
    busy: list[BusyInterval]
    busy_by_host: dict[str, list[BusyInterval]]
    lock_ids: list[str]
    end: datetime
    block_start: datetime
    block_end: datetime
    # The schedule's working hours, as the process's availability inputs parsed them once.
    hours: WorkingHours | None = None


async def prepare_slot(state: AppState, caller: Caller, request: SlotRequest) -> PreparedSlot:
    """Gather what :func:`admit` needs, outside the write transaction (a slow calendar provider must
    not hold the write lock): the event type, its schedule and, for a team, the hosts it may go
    to; without a team, the one host it occupies (the default host, so the write need not read
    it). They come from this process's availability inputs
    (:func:`~astrocal_server.availability.inputs.event_type_inputs`), so a booking on a known
    event type reads nothing here, and is exactly as fresh as availability: every write to the
    event type, its schedule or hosts, in any process, makes the next booking read them again.
    Only a ``host_id`` that is refused (not round robin, or not one of its hosts) is looked up."""
    inputs = await event_type_inputs(
        state, None, caller, request.event_type_id, availability.owned_event_type_and_host
    )
    event_type, schedule, default_host_id = inputs.hosted
    is_team = teams.is_team(event_type, schedule)
    listed = teams.listed_host_ids(event_type, default_host_id) if is_team else []
    if request.host_id is not None and (
        event_type.assignment != "round_robin" or (is_team and request.host_id not in listed)
    ):
        async with state.db.connect_read() as conn:
            # Another account's host is 404 like anywhere else; one of the caller's it does not
            # list, 400 (raised here); one it lists, 400 below unless round robin.
            await teams.team_host_ids(conn, event_type, default_host_id, request.host_id)
        raise invalid_param(
            "host_id",
            f"host_id picks a host of a round robin event type; event type {event_type.id} "
            f"is {event_type.assignment or 'single'}, so leave host_id out.",
        )
    team = None
    known_hosts: list[Host] | None = None
    if is_team:
        team = inputs.team_of([request.host_id] if request.host_id is not None else listed)
    else:
        known_hosts = [inputs.host_copy()]
    duration = pick_duration(event_type, request.duration)
    busy: list[BusyInterval] = []
    by_host: dict[str, list[BusyInterval]] = {}
    if team is None:
        assert schedule is not None  # is_team: an event type without a schedule is a team
        busy = await availability.external_busy_for_start(
            state, event_type, schedule, request.start
        )
        lock_ids = [default_host_id]
    else:
        by_host, _warnings = await teams.team_busy(state, team, *check_busy_range(request.start))
        lock_ids = team.host_ids
    end = request.start + timedelta(minutes=duration)
    block_start, block_end = block_interval(
        request.start,
        end,
        buffer_before_minutes=event_type.buffer_before_minutes,
        buffer_after_minutes=event_type.buffer_after_minutes,
    )
    return PreparedSlot(
        request=request,
        event_type=event_type,
        schedule=schedule,
        team=team,
        default_host_id=default_host_id,
        known_hosts=known_hosts,
        duration=duration,
        busy=busy,
        busy_by_host=by_host,
        lock_ids=lock_ids,
        end=end,
        block_start=block_start,
        block_end=block_end,
        hours=inputs.hours,
    )


async def admit(session: AsyncSession, state: AppState, slot: PreparedSlot) -> list[str]:
    """Inside the write transaction, with ``slot.lock_ids`` locked: re-check the start against
    everything committed (bookings and active holds) and return the hosts the new occupant takes
    (round robin: the one the assignment rule picks), or raise the 409 with reasons and
    alternatives."""
    start = slot.request.start
    if slot.team is None:
        assert slot.schedule is not None
        await _check_start(
            session,
            state=state,
            event_type=slot.event_type,
            schedule=slot.schedule,
            host_id=slot.default_host_id,
            start=start,
            busy=slot.busy,
            duration=slot.duration,
        )
        return [slot.default_host_id]
    check = await _check_team(
        session,
        state=state,
        team=slot.team,
        start=start,
        busy=slot.busy_by_host,
        duration=slot.duration,
    )
    if not check.available:
        raise _slot_unavailable(start, check)
    if slot.team.assignment != "round_robin":
        return slot.team.host_ids
    now = state.clock.now()
    return [await _pick_host(session, now=now, event_type=slot.event_type, free=check.host_ids)]


async def _replay_or_release_key(
    session: AsyncSession, state: AppState, caller: Caller, key: str | None
) -> Booking | None:
    """The booking an earlier attempt with Idempotency-Key ``key`` created, while its stored
    response would still be replayed; after that the old booking gives the key up (a key is
    unique per account and mode) and stays as is, and the key names a new request."""
    if key is None:
        return None
    earlier = await _created_with_key(session, caller, key)
    if earlier is None:
        return None
    if earlier.created_at + RETENTION > state.clock.now():
        return earlier
    earlier.idempotency_key = None
    await session.flush()
    return None


def _new_booking(state: AppState, caller: Caller, draft: BookingDraft, **kwargs: Any) -> Booking:
    """The confirmed booking ``draft`` makes of ``start`` on ``host_ids``, with its invitee token."""
    return Booking(**_new_booking_values(state, caller, draft, **kwargs))


def _new_booking_values(
    state: AppState,
    caller: Caller,
    draft: BookingDraft,
    *,
    event_type: EventType,
    start: datetime,
    end: datetime,
    duration: int,
    block: tuple[datetime, datetime],
    host_ids: list[str],
    answers: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    """:func:`_new_booking`'s attribute values."""
    booking_id = new_id("bk")
    token_hash, token_sealed = issue_token(state.secret_box, booking_id)
    return dict(
        id=booking_id,
        account_id=caller.account_id,
        livemode=caller.livemode,
        event_type_id=event_type.id,
        host_id=host_ids[0],
        status="confirmed",
        start_at=start,
        end_at=end,
        block_start=block[0],
        block_end=block[1],
        seat_key=booking_seat_key(
            booking_id=booking_id,
            event_type_id=event_type.id,
            start=start,
            seats_per_slot=event_type.seats_per_slot,
        ),
        duration_minutes=duration,
        invitee_name=draft.invitee_name,
        invitee_email=draft.invitee_email,
        invitee_time_zone=draft.invitee_time_zone,
        guests=list(draft.guests),
        notes=draft.notes or None,
        metadata_=dict(draft.metadata),
        location=dict(event_type.location) if event_type.location else None,
        answers=answers,
        idempotency_key=draft.idempotency_key,
        invitee_token_hash=token_hash,
        invitee_token_sealed=token_sealed,
        created_at=now,
        updated_at=now,
    )


def _slot_booking_values(
    state: AppState,
    caller: Caller,
    draft: BookingDraft,
    slot: PreparedSlot,
    answers: list[dict[str, Any]],
    host_ids: list[str],
    now: datetime,
) -> dict[str, Any]:
    """:func:`_new_booking_values` of the booking ``draft`` makes of ``slot`` on ``host_ids``."""
    return _new_booking_values(
        state,
        caller,
        draft,
        event_type=slot.event_type,
        start=slot.request.start,
        end=slot.end,
        duration=slot.duration,
        block=(slot.block_start, slot.block_end),
        host_ids=host_ids,
        answers=answers,
        now=now,
    )


def _required(value: Any, param: str) -> Any:
    if value is None:
        raise InvalidRequest(
            "parameter_missing",
            f"{param} is required unless hold_id names a hold to book; add {param}.",
            param=param,
        )
    return value


async def create_booking(state: AppState, caller: Caller, draft: BookingDraft) -> Booking:
    """Book ``draft.start`` (or the hold ``draft.hold_id``); a retry whose Idempotency-Key already
    created one returns that one."""
    booking, _shown = await create_booking_shown(state, caller, draft)
    return booking


async def create_booking_shown(
    state: AppState, caller: Caller, draft: BookingDraft
) -> tuple[Booking, dict[str, Any] | None]:
    """:func:`create_booking`, and the booking's API object with its invitee links when the
    write built it already (the one-host write, from its outbox rows' copy), else None."""
    if draft.hold_id is not None:
        return await _book_hold(state, caller, draft.hold_id, draft), None
    start: datetime = _required(draft.start, "start")
    slot = await prepare_slot(
        state,
        caller,
        SlotRequest(
            _required(draft.event_type_id, "event_type_id"), start, draft.duration, draft.host_id
        ),
    )
    event_type = slot.event_type
    answers = check_answers(event_type.questions or [], draft.answers)
    if write.fits(state, caller, slot):
        return await _create_directly(state, caller, draft, slot, answers)
    async with write_for(state, start) as session:
        await lock_hosts(session, slot.lock_ids, state.clock.now())
        earlier = await _replay_or_release_key(session, state, caller, draft.idempotency_key)
        if earlier is not None:
            return earlier, None
        now = state.clock.now()
        await check_booking_quota(
            session, state.settings, caller.account, livemode=caller.livemode, now=now
        )
        host_ids = await admit(session, state, slot)
        booking = Booking(
            **_slot_booking_values(state, caller, draft, slot, answers, host_ids, now)
        )
        session.add(booking)
        session.add_all(occupy(booking, host_ids))
        await session.flush()
        created = await _emit(
            state, session, caller, "created", booking, event_type, slot.known_hosts
        )
        return created, None


async def _create_directly(
    state: AppState,
    caller: Caller,
    draft: BookingDraft,
    slot: PreparedSlot,
    answers: list[dict[str, Any]],
) -> tuple[Booking, dict[str, Any] | None]:
    """The create of a booking of one host without the ORM session (``bookings/write.py``): the
    same transaction, statements and outcomes as the path below it in :func:`create_booking`;
    a new booking comes with its API object, made from the one its outbox rows carry."""
    start = slot.request.start
    hosts = list(slot.known_hosts or [])

    def new_booking(now: datetime, host_ids: list[str]) -> Booking:
        values = _slot_booking_values(state, caller, draft, slot, answers, host_ids, now)
        return write.new_booking(values, hosts)

    steps = write.create_steps(
        postgres=state.db.dialect == "postgresql",
        clock=state.clock.now,
        slot=slot,
        key=draft.idempotency_key,
        account_id=caller.account_id,
        livemode=caller.livemode,
        new_booking=new_booking,
        # Looked up at call time, as ``_emit`` does (tests replace it to fail a create).
        outbox_rows=lambda booking: write.created_outbox_rows(
            state, caller, booking, slot.event_type, hosts, enqueue_booking_change
        ),
        refuse=lambda check: _slot_unavailable(start, check),
    )
    try:
        outcome = await write.run_create(
            state.db, steps, lambda run: _lock_host(run, slot.default_host_id)
        )
    except DBAPIError as exc:
        if is_conflict_error(exc):
            raise _lost_race(start) from None
        raise
    if isinstance(outcome, write.Replayed):
        return await retrieve_booking(state, caller, outcome.booking_id), None
    booking = outcome.booking
    links = shown_links(
        state.secret_box,
        booking.id,
        booking.invitee_token_sealed,
        public_base_url=state.settings.public_base_url,
        template=caller.account.invitee_url_template,
    )
    return booking, shown_from_stored(outcome.stored, links)


def _check_matches_hold(hold: Hold, draft: BookingDraft) -> None:
    """What the draft states beside ``hold_id`` must be what the hold holds (a 400 naming it)."""
    given = (
        ("event_type_id", draft.event_type_id, hold.event_type_id),
        ("start", draft.start, hold.start_at),
        ("duration", draft.duration, hold.duration_minutes),
    )
    for param, value, held in given:
        if value is not None and value != held:
            raise invalid_param(
                param,
                f"{param} does not match hold {hold.id}; leave {param} out when booking with "
                "hold_id (the hold's is used).",
            )
    if draft.host_id is not None and draft.host_id not in hold.host_ids:
        raise invalid_param(
            "host_id",
            f"host_id is not the host hold {hold.id} reserves; leave host_id out when booking "
            "with hold_id.",
        )


async def _alternatives_to(state: AppState, caller: Caller, hold: Hold) -> list[dict[str, Any]]:
    """Open starts near an expired hold's, as ``availability/check`` offers them (none when the
    event type is gone)."""
    try:
        async with state.db.connect_read() as conn:
            check = await availability.check_availability(
                state,
                conn,
                caller,
                event_type_id=hold.event_type_id,
                start=hold.start_at,
                duration=hold.duration_minutes,
            )
    except NotFound:
        return []
    alternatives: list[dict[str, Any]] = check_to_api(check)["alternatives"]
    if check.available:
        # Still open for everyone: the same start is the first alternative.
        alternatives.insert(
            0, {"start": format_datetime(hold.start_at), "end": format_datetime(hold.end_at)}
        )
    return alternatives


async def _taken_over(
    session: AsyncSession, hold: Hold, block_start: datetime, block_end: datetime, seat_key: str
) -> bool:
    """Whether another live occupant overlaps the hold's time on one of its hosts: the hold ran
    out for some writer and its slot went to someone else. (Seats of the same slot share the
    hold's seat key and overlap it by design; the engine counts them against ``seats_per_slot``.)
    """
    found = await session.scalar(
        select(BookingHost.booking_id)
        .where(
            BookingHost.host_id.in_(hold.host_ids),
            BookingHost.booking_id != hold.id,
            BookingHost.status.in_(("confirmed", "held")),
            BookingHost.block_start < block_end,
            BookingHost.block_end > block_start,
            BookingHost.seat_key != seat_key,
        )
        .limit(1)
    )
    return found is not None


async def _book_hold(state: AppState, caller: Caller, hold_id: str, draft: BookingDraft) -> Booking:
    """Turn the active hold ``hold_id`` into a booking in one write transaction under its hosts'
    locks: its occupancy rows become the booking's, so no other request can take the slot in
    between, and no availability re-check is needed (the hold already excluded everyone else;
    minimum notice passed meanwhile does not matter). A converted hold is 409 ``hold_consumed``
    (or the same booking for the same Idempotency-Key), a released one ``hold_released``, an
    expired one ``hold_expired`` with alternatives."""
    async with state.db.read() as session:
        found = await session.scalar(select(Hold).where(Hold.id == hold_id, caller.owns(Hold)))
    if found is None:
        raise not_found("hold", hold_id, param="hold_id")
    _check_matches_hold(found, draft)
    async with write_for(state, found.start_at) as session:
        await lock_hosts(session, found.host_ids, state.clock.now())
        earlier = await _replay_or_release_key(session, state, caller, draft.idempotency_key)
        if earlier is not None:
            return earlier
        hold = await session.scalar(select(Hold).where(Hold.id == hold_id).with_for_update())
        assert hold is not None  # holds are never deleted
        now = state.clock.now()
        if hold.status == "converted":
            raise hold_consumed(hold)
        if hold.status == "released":
            raise hold_released(hold)
        block = (
            await session.execute(
                select(BookingHost.block_start, BookingHost.block_end, BookingHost.seat_key)
                .where(BookingHost.booking_id == hold.id)
                .limit(1)
            )
        ).one_or_none()
        # No rows left while it is active: a writer whose clock is ahead of ours found it
        # expired and gave its time back (``lock_hosts``), so it has expired for us too. Rows
        # left but shared with a newer occupant: the same, where expired rows are not deleted
        # (SQLite). Neither depends on our clock agreeing with the other writer's.
        if (
            block is not None
            and not is_expired(hold, now)
            and not await _taken_over(session, hold, block[0], block[1], block[2])
        ):
            event_type = await session.get_one(EventType, hold.event_type_id)
            if event_type.deleted_at is not None:
                raise _event_type_deleted()
            answers = check_answers(event_type.questions or [], draft.answers)
            await check_booking_quota(
                session, state.settings, caller.account, livemode=caller.livemode, now=now
            )
            await session.execute(delete(BookingHost).where(BookingHost.booking_id == hold.id))
            booking = _new_booking(
                state,
                caller,
                draft,
                event_type=event_type,
                start=hold.start_at,
                end=hold.end_at,
                duration=hold.duration_minutes,
                block=(block[0], block[1]),
                host_ids=list(hold.host_ids),
                answers=answers,
                now=now,
            )
            hold.status = "converted"
            hold.booking_id = booking.id
            hold.updated_at = now
            session.add(booking)
            session.add_all(occupy(booking, list(hold.host_ids)))
            await waitlist.hold_converted(session, hold, now)
            await session.flush()
            return await _emit(state, session, caller, "created", booking, event_type)
    raise hold_expired(found, await _alternatives_to(state, caller, found))


async def update_booking(
    state: AppState, caller: Caller, booking_id: str, changes: BookingChanges
) -> Booking:
    async with state.db.write() as session:
        booking = await get_booking(session, caller, booking_id, for_update=True)
        if changes.notes is not None:
            booking.notes = changes.notes or None
        if changes.metadata is not None:
            try:
                booking.metadata_ = merge_metadata(booking.metadata_, changes.metadata)
            except ValueError as exc:
                raise InvalidRequest("parameter_invalid", f"{exc}.", param="metadata") from None
        if changes.invitee_name is not None:
            booking.invitee_name = changes.invitee_name
        if changes.invitee_time_zone is not None:
            booking.invitee_time_zone = changes.invitee_time_zone
        if changes.guests is not None:
            booking.guests = list(changes.guests)
        booking.updated_at = state.clock.now()
        event_type = await session.get_one(EventType, booking.event_type_id)
        await session.flush()
        return await _emit(state, session, caller, "updated", booking, event_type)


async def record_join_url(
    state: AppState, account_id: str, booking_id: str, join_url: str, *, tell_invitee: bool
) -> None:
    """Keep the link of the booking's video room (``location.join_url``) and fire
    ``booking.updated``. ``tell_invitee``: the confirmation went out without the link, so an
    updated invite (SEQUENCE + 1) follows with it, and the calendars written without the link are
    updated; otherwise the calendars not written yet read it when they are. A cancelled booking,
    or one whose link is already this one, owes nothing."""
    async with state.db.write() as session:
        account = await session.get_one(Account, account_id)
        found = await session.get(Booking, booking_id)
        if found is None:
            return
        caller = Caller(account=account, api_key=None, livemode=found.livemode)
        booking = await get_booking(session, caller, booking_id, for_update=True)
        location = dict(booking.location or {})
        if booking.status == "cancelled" or not location or location.get("join_url") == join_url:
            return
        booking.location = {**location, "join_url": join_url}
        if tell_invitee:
            booking.ics_sequence += 1
        booking.updated_at = state.clock.now()
        event_type = await session.get_one(EventType, booking.event_type_id)
        await session.flush()
        await _emit(
            state,
            session,
            caller,
            "updated",
            booking,
            event_type,
            notice="updated" if tell_invitee else None,
            write_calendars=tell_invitee,
        )


async def _promote_waitlist(
    session: AsyncSession,
    state: AppState,
    booking: Booking,
    freed: datetime | None,
    host_ids: list[str] | None = None,
    *,
    lock: bool = False,
) -> None:
    """The slot ``booking`` gave up at ``freed`` goes to the waitlist's next entry, in this
    transaction (``waitlist/service.py``)."""
    if freed is None or (freed == booking.start_at and booking.status != "cancelled"):
        return  # nothing freed (a move to the same start)
    await waitlist.promote_freed(
        session,
        state,
        account_id=booking.account_id,
        livemode=booking.livemode,
        event_type_id=booking.event_type_id,
        start=freed,
        host_ids=host_ids if host_ids is not None else await _host_ids_of(session, booking.id),
        lock=lock,
    )


async def cancel_booking(
    state: AppState,
    caller: Caller,
    booking_id: str,
    reason: str | None,
    *,
    by: Actor = "host",
    guard: BookingGuard | None = None,
) -> Booking:
    """Cancel; cancelling a cancelled booking returns it unchanged and owes nothing again."""
    async with state.db.write() as session:
        booking = await get_booking(session, caller, booking_id, for_update=True)
        if booking.status == "cancelled":
            return booking
        if guard is not None:
            guard(booking)
        now = state.clock.now()
        booking.status = "cancelled"
        booking.cancelled_at = now
        booking.cancelled_by = by
        booking.cancel_reason = reason or None
        booking.ics_sequence += 1
        booking.updated_at = now
        await _sync_occupancy(session, booking)
        event_type = await session.get_one(EventType, booking.event_type_id)
        await session.flush()
        await _promote_waitlist(session, state, booking, booking.start_at, lock=True)
        return await _emit(state, session, caller, "cancelled", booking, event_type)


def _booking_cancelled(booking_id: str) -> Conflict:
    return conflict(
        "booking_cancelled",
        f"Booking {booking_id} is cancelled and cannot be rescheduled; create a new booking instead.",
    )


def _event_type_deleted() -> Conflict:
    return conflict(
        "slot_unavailable",
        "The booking's event type was deleted, so the booking cannot be moved; cancel it and "
        "book another event type.",
        param="start",
        details={
            "reasons": [{"code": "event_type_inactive", "message": "The event type was deleted."}],
            "alternatives": [],
        },
    )


def _move(
    booking: Booking,
    event_type: EventType,
    start: datetime,
    reason: str | None,
    now: datetime,
    by: Actor,
) -> None:
    """Give ``booking`` its new time (the old one kept as ``previous_*``)."""
    end = start + timedelta(minutes=booking.duration_minutes)
    booking.previous_start, booking.previous_end = booking.start_at, booking.end_at
    booking.start_at, booking.end_at = start, end
    booking.block_start, booking.block_end = block_interval(
        start,
        end,
        buffer_before_minutes=event_type.buffer_before_minutes,
        buffer_after_minutes=event_type.buffer_after_minutes,
    )
    booking.seat_key = booking_seat_key(
        booking_id=booking.id,
        event_type_id=event_type.id,
        start=start,
        seats_per_slot=event_type.seats_per_slot,
    )
    booking.rescheduled_at = now
    booking.rescheduled_by = by
    booking.reschedule_reason = reason or None
    booking.ics_sequence += 1
    booking.updated_at = now


async def _host_ids_of(session: AsyncSession, booking_id: str) -> list[str]:
    """The hosts a booking occupies, assigned or first host first."""
    rows = await session.scalars(
        select(BookingHost.host_id)
        .where(BookingHost.booking_id == booking_id)
        .order_by(BookingHost.position)
    )
    return list(rows.all())


async def reschedule_booking(
    state: AppState,
    caller: Caller,
    booking_id: str,
    start: datetime,
    reason: str | None,
    *,
    reassign: bool = False,
    by: Actor = "host",
    guard: BookingGuard | None = None,
) -> Booking:
    """Move a booking, keeping its host(s) when they are free at ``start``; with ``reassign``
    (round robin only) a busy host hands it to the free host the assignment rule picks."""
    async with state.db.read() as session:
        current = await get_booking(session, caller, booking_id)
        current_hosts = await _host_ids_of(session, booking_id)
    if current.status == "cancelled":
        raise _booking_cancelled(booking_id)
    async with state.db.connect_read() as conn:
        found = await availability.load_event_type_and_schedule(
            conn,
            account_id=caller.account_id,
            livemode=caller.livemode,
            event_type_id=current.event_type_id,
        )
        if found is None:
            raise _event_type_deleted()
        event_type, schedule, default_host_id = found
        is_team = teams.is_team(event_type, schedule)
        if reassign and not (is_team and event_type.assignment == "round_robin"):
            raise invalid_param(
                "reassign",
                "reassign moves round robin bookings to another host; this booking's event type "
                f"is {event_type.assignment or 'single'}, so leave reassign out.",
            )
        team = None
        pool: list[str] = []
        if is_team:
            pool = teams.listed_host_ids(event_type, default_host_id) if reassign else []
            loaded = current_hosts + [h for h in pool if h not in current_hosts]
            team = await teams.load_team(conn, event_type, schedule, loaded)
    if team is None:
        assert schedule is not None  # is_team: an event type without a schedule is a team
        return await _reschedule_one(
            state, caller, booking_id, event_type, schedule, start, reason, by=by, guard=guard
        )
    by_host, _warnings = await teams.team_busy(state, team, *check_busy_range(start))
    async with write_for(state, start) as session:
        booking = await _booking_to_move(session, caller, booking_id, guard)
        await lock_hosts(session, team.host_ids, state.clock.now())
        if await _host_ids_of(session, booking_id) != current_hosts:
            raise _lost_race(start)  # reassigned meanwhile: its hosts are not the ones checked
        now = state.clock.now()
        keep = team.only(current_hosts, "collective")
        check = await _check_team(
            session,
            state=state,
            team=keep,
            start=start,
            busy=by_host,
            duration=booking.duration_minutes,
            exclude_booking_id=booking.id,
        )
        new_hosts = current_hosts
        if not check.available:
            if not reassign:
                raise _slot_unavailable(start, check)
            others = await _check_team(
                session,
                state=state,
                team=team.only(pool, "round_robin"),
                start=start,
                busy=by_host,
                duration=booking.duration_minutes,
                exclude_booking_id=booking.id,
            )
            if not others.available:
                raise _slot_unavailable(start, others)
            new_hosts = [
                await _pick_host(session, now=now, event_type=event_type, free=others.host_ids)
            ]
        _move(booking, event_type, start, reason, now, by)
        if new_hosts != current_hosts:
            await session.execute(delete(BookingHost).where(BookingHost.booking_id == booking.id))
            booking.host_id = new_hosts[0]
            session.add_all(occupy(booking, new_hosts))
        else:
            await _sync_occupancy(session, booking)
        await session.flush()
        await _promote_waitlist(session, state, booking, booking.previous_start, current_hosts)
        return await _emit(state, session, caller, "rescheduled", booking, event_type)


async def _reschedule_one(
    state: AppState,
    caller: Caller,
    booking_id: str,
    event_type: EventType,
    schedule: Schedule,
    start: datetime,
    reason: str | None,
    *,
    by: Actor,
    guard: BookingGuard | None,
) -> Booking:
    """Reschedule a booking of an event type without hosts: its one host keeps it."""
    busy = await availability.external_busy_for_start(state, event_type, schedule, start)
    async with write_for(state, start) as session:
        booking = await _booking_to_move(session, caller, booking_id, guard)
        await lock_hosts(session, [booking.host_id], state.clock.now())
        await _check_start(
            session,
            state=state,
            event_type=event_type,
            schedule=schedule,
            host_id=booking.host_id,
            start=start,
            busy=busy,
            duration=booking.duration_minutes,
            exclude_booking_id=booking.id,
        )
        _move(booking, event_type, start, reason, state.clock.now(), by)
        await _sync_occupancy(session, booking)
        await session.flush()
        await _promote_waitlist(session, state, booking, booking.previous_start, [booking.host_id])
        return await _emit(state, session, caller, "rescheduled", booking, event_type)
