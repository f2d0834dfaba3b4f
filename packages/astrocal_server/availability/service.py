"""Availability as a service: load what the slot engine needs, ask external calendars, call the engine.

The engine (:mod:`astrocal_server.availability.engine`) is pure; everything here does I/O. The two
operations, :func:`find_availability` (open slots of a date range) and :func:`check_availability`
(whether one start is open, why not, and the nearest alternatives), take the caller and typed
inputs, return engine results and raise :mod:`astrocal_server.errors`. Bookings reuse
:func:`check_start_in_session` to re-check a start inside their write transaction (one code path).

Both operations run on the request's one read connection (opened once the caller is known), so a
request never holds two connections. :func:`find_availability` may also be given none: then the
usual request (one host, its inputs cached by :mod:`~astrocal_server.availability.inputs`) is
one statement through :meth:`~astrocal_server.storage.db.Database.fetch_all`, and anything else
opens a read connection for itself.

What occupies a host is read on every request; the one-host engine's answer is then kept per
process by everything it depends on (``_kept_slots``: the inputs cache's working hours object, the
rules, the range, those occupants, the busy times, and the range clipped to what ``now`` allows),
so a repeated question with nothing new booked skips the engine, never the read.

Event types with ``hosts`` (teams) go through :mod:`astrocal_server.availability.team` and the
team engine: slots and checks then name the hosts free (``host_ids``) and each reason its host.
An event type without hosts keeps the one-host path (no ``host_ids``), unchanged. ``host_id``
narrows either to one of the event type's hosts (400 on ``host_id`` for any other).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from astrocal_server.availability import team as teams
from astrocal_server.availability.engine import (
    CHECK_HORIZON_DAYS,
    Booked,
    BusyInterval,
    Rules,
    Slot,
    SlotRun,
    StartCheck,
    TeamCheck,
    TeamSlot,
    WorkingHours,
    bookable_bounds,
    check_start,
    find_slots,
)
from astrocal_server.availability.external import BusyScope, fetch_external_busy
from astrocal_server.availability.inputs import event_type_inputs
from astrocal_server.availability.occupants import OCCUPANTS_OF_HOST
from astrocal_server.availability.rules import (
    booked_from_row,
    check_busy_range,
    occupancy_range,
    pick_duration,
    rules_for,
    slots_busy_range,
    utc_range_for_dates,
    working_hours_of,
)
from astrocal_server.caller import Caller
from astrocal_server.errors import not_found
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import EventType, Host, Schedule
from astrocal_server.storage.rows import fetch_all, instance, labelled

__all__ = [
    "AvailabilityQuery",
    "Hosted",
    "OpenSlots",
    "check_availability",
    "check_start_in_session",
    "external_busy_for_start",
    "find_availability",
    "find_slots_in_session",
    "load_event_type_and_schedule",
    "load_occupants",
    "owned_event_type_and_host",
    "owned_event_type_and_schedule",
]


@dataclass(frozen=True)
class AvailabilityQuery:
    """Open slots of ``event_type_id`` starting on ``start_date`` … ``end_date`` (inclusive) in
    ``time_zone`` (None: the schedule's zone), ``duration`` minutes long (None: the default);
    ``exclude_booking_id``'s own time blocks nothing (where that booking could move to)."""

    event_type_id: str
    start_date: date
    end_date: date
    time_zone: str | None
    duration: int | None
    host_id: str | None = None
    exclude_booking_id: str | None = None


@dataclass(frozen=True)
class OpenSlots:
    """The answer to an :class:`AvailabilityQuery`; ``warnings`` name skipped calendars."""

    slots: Sequence[Slot | TeamSlot]
    event_type_id: str
    time_zone: str
    start_date: date
    end_date: date
    warnings: list[dict[str, Any]] = field(default_factory=list)


# --- loading -----------------------------------------------------------------------------------


def _event_type_query(*host_columns: ColumnElement[Any]) -> Select[*tuple[Any, ...]]:
    """The caller's (not deleted) event type with its schedule and ``host_columns`` of the
    account's default host, in one statement."""
    return (
        select(*labelled(EventType, "e"), *labelled(Schedule, "s"), *host_columns)
        .outerjoin_from(EventType, Schedule, Schedule.id == EventType.schedule_id)
        .join(
            Host,
            and_(
                Host.account_id == EventType.account_id,
                Host.livemode == EventType.livemode,
                Host.is_default.is_(True),
            ),
        )
        .where(
            EventType.id == bindparam("event_type_id"),
            EventType.account_id == bindparam("account_id"),
            EventType.livemode == bindparam("livemode"),
            EventType.deleted_at.is_(None),
        )
    )


_EVENT_TYPE_AND_SCHEDULE = _event_type_query(Host.id.label("host_id"))
# The same with the whole default host: a booking shows its host, and a single-host create reads
# it here rather than once more inside the write lock.
_EVENT_TYPE_SCHEDULE_AND_HOST = _event_type_query(Host.id.label("host_id"), *labelled(Host, "h"))


class Hosted(NamedTuple):
    """An event type with its schedule (None: a team whose hosts work their own) and the
    account's default host (the one it books when it lists no ``hosts``)."""

    event_type: EventType
    schedule: Schedule | None
    host_id: str


async def _load_hosted(
    conn: AsyncConnection | AsyncSession,
    stmt: Select[*tuple[Any, ...]],
    *,
    account_id: str,
    livemode: bool,
    event_type_id: str,
) -> tuple[Hosted, dict[str, Any]] | None:
    rows = await fetch_all(
        conn,
        stmt,
        {"event_type_id": event_type_id, "account_id": account_id, "livemode": livemode},
    )
    if not rows:
        return None
    row = rows[0]
    schedule = instance(Schedule, row, "s") if row["s_id"] is not None else None
    return Hosted(instance(EventType, row, "e"), schedule, row["host_id"]), row


async def load_event_type_and_schedule(
    conn: AsyncConnection | AsyncSession, *, account_id: str, livemode: bool, event_type_id: str
) -> Hosted | None:
    """The caller's (not deleted) event type, its schedule and its host, or None (→ 404)."""
    found = await _load_hosted(
        conn,
        _EVENT_TYPE_AND_SCHEDULE,
        account_id=account_id,
        livemode=livemode,
        event_type_id=event_type_id,
    )
    return None if found is None else found[0]


async def _owned(
    conn: AsyncConnection | AsyncSession,
    caller: Caller,
    event_type_id: str,
    stmt: Select[*tuple[Any, ...]],
) -> tuple[Hosted, dict[str, Any]]:
    found = await _load_hosted(
        conn,
        stmt,
        account_id=caller.account_id,
        livemode=caller.livemode,
        event_type_id=event_type_id,
    )
    if found is None:
        raise not_found("event type", event_type_id, param="event_type_id")
    return found


async def owned_event_type_and_schedule(
    conn: AsyncConnection | AsyncSession, caller: Caller, event_type_id: str
) -> Hosted:
    """:func:`load_event_type_and_schedule` for the caller, or ``resource_missing`` on ``event_type_id``.

    One Core query joining the schedule (this is the availability hot path), hence not
    ``storage.owned.get_owned``; the 404 is the same.
    """
    return (await _owned(conn, caller, event_type_id, _EVENT_TYPE_AND_SCHEDULE))[0]


async def owned_event_type_and_host(
    conn: AsyncConnection | AsyncSession, caller: Caller, event_type_id: str
) -> tuple[Hosted, Host]:
    """:func:`owned_event_type_and_schedule` with the default host's row (a detached snapshot),
    in the same one statement."""
    found, row = await _owned(conn, caller, event_type_id, _EVENT_TYPE_SCHEDULE_AND_HOST)
    return found, instance(Host, row, "h")


async def load_occupants(
    conn: AsyncConnection | AsyncSession | Database,
    event_type: EventType,
    host_id: str,
    window: tuple[datetime, datetime],
    now: datetime,
    exclude_booking_id: str | None = None,
) -> list[Booked]:
    """What occupies ``host_id`` (bookings of any event type, holds active at ``now``) with blocked
    time (the stored ``block_*``) in ``window``. To judge starts in a span, pass
    :func:`~astrocal_server.availability.rules.occupancy_range` of it. ``conn`` a
    :class:`~astrocal_server.storage.db.Database`: the statement runs on its own (``fetch_all``)."""
    lo, hi = window
    params = {
        "host_id": host_id,
        "lo": lo.astimezone(UTC),
        "hi": hi.astimezone(UTC),
        "now": now.astimezone(UTC),
    }
    if isinstance(conn, Database):
        rows = await conn.fetch_all(OCCUPANTS_OF_HOST, params)
    else:
        rows = await fetch_all(conn, OCCUPANTS_OF_HOST, params)
    return [booked_from_row(row, event_type.id) for row in rows if row["id"] != exclude_booking_id]


# --- the engine against the database ------------------------------------------------------------


async def find_slots_in_session(
    conn: AsyncConnection | AsyncSession | Database,
    *,
    event_type: EventType,
    schedule: Schedule,
    host_id: str,
    now: datetime,
    span: tuple[datetime, datetime],
    busy: Sequence[BusyInterval],
    duration_minutes: int,
    exclude_booking_id: str | None = None,
    hours: WorkingHours | None = None,
    rules: Rules | None = None,
) -> Sequence[Slot]:
    """Open slots starting in ``span`` (UTC, half-open: :func:`~astrocal_server.availability.
    rules.utc_range_for_dates` of a query); ``hours``: the schedule already parsed, ``rules``:
    the event type's for ``duration_minutes`` already made. Slots
    without seats come as a :class:`~astrocal_server.availability.engine.SlotRun`."""
    if rules is None:
        rules = rules_for(event_type, duration_minutes)
    if not rules.active:
        return []
    bookings = await load_occupants(
        conn, event_type, host_id, occupancy_range(*span), now, exclude_booking_id
    )
    # Only the inputs cache's hours object can key the memo (a fresh parse is a new object).
    keep = hours is not None
    parsed = hours if hours is not None else working_hours_of(schedule)
    return _kept_slots(parsed, rules, now, span, bookings, busy, keep)


def _kept_slots(
    hours: WorkingHours,
    rules: Rules,
    now: datetime,
    span: tuple[datetime, datetime],
    bookings: Sequence[Booked],
    busy: Sequence[BusyInterval],
    keep: bool = True,
) -> Sequence[Slot]:
    """:func:`~astrocal_server.availability.engine.find_slots`, answered from this process's
    memo (``keep``) when the same inputs were asked about before: the same ``hours`` object (the
    inputs cache's, replaced whenever its generation moves), equal rules, range, occupants and
    busy times, and the range clipped to :func:`~astrocal_server.availability.engine.
    bookable_bounds` the same (the only way the engine reads ``now``). Kept: answers without seats
    (a :class:`SlotRun`, shared read-only) of at most a few occupants and slots."""
    range_start, range_end = span
    engine = partial(
        find_slots,
        hours,
        rules,
        now=now,
        range_start=range_start,
        range_end=range_end,
        bookings=bookings,
        busy=busy,
    )
    if not keep or rules.seats_per_slot > 1 or len(bookings) + len(busy) > _KEPT_MAX_OCCUPANTS:
        return engine()
    lo, hi = math.ceil(range_start.timestamp()), math.ceil(range_end.timestamp())
    earliest, latest = bookable_bounds(rules, now)
    clipped = (max(lo, earliest), min(hi, latest))
    if clipped[0] >= clipped[1]:
        clipped = (0, 0)  # nothing bookable in the range, whenever now is
    key = (id(hours), rules, lo, hi, clipped, tuple(bookings), tuple(busy))
    kept = _KEPT.get(key)
    if kept is not None and kept[0] is hours:  # the entry holds hours: its id is not reused
        return kept[1]
    found = engine()
    if isinstance(found, SlotRun) and len(found) <= _KEPT_MAX_SLOTS:
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        _KEPT[key] = (hours, found)
    return found


# find_slots' answers by their inputs (_kept_slots): a bounded memo, at most _KEPT_MAX answers
# of _KEPT_MAX_SLOTS starts each (a few megabytes); beyond a few occupants the key would cost
# about what the engine does.
_KEPT: dict[tuple[Any, ...], tuple[WorkingHours, SlotRun]] = {}
_KEPT_MAX = 256
_KEPT_MAX_SLOTS = 1024
_KEPT_MAX_OCCUPANTS = 16


async def check_start_in_session(
    conn: AsyncConnection | AsyncSession,
    *,
    event_type: EventType,
    schedule: Schedule,
    host_id: str,
    start: datetime,
    horizon_days: int = CHECK_HORIZON_DAYS,
    now: datetime,
    busy: Sequence[BusyInterval],
    duration_minutes: int,
    exclude_booking_id: str | None = None,
) -> StartCheck:
    """Whether ``start`` is open, why not, and the nearest alternatives (up to ``horizon_days``
    away) — the one check behind ``availability/check``, booking and reschedule. Run it inside
    the booking's write transaction (``conn`` may be that session) so it sees every committed
    booking; ``exclude_booking_id`` leaves out the booking being rescheduled, so its own old time
    does not block the new one."""
    span = check_busy_range(start, horizon_days)
    bookings = await load_occupants(
        conn, event_type, host_id, occupancy_range(*span), now, exclude_booking_id
    )
    return check_start(
        working_hours_of(schedule),
        rules_for(event_type, duration_minutes),
        now=now,
        start=start,
        bookings=bookings,
        busy=busy,
        horizon_days=horizon_days,
    )


# --- the two operations ------------------------------------------------------------------------


async def find_availability(
    state: AppState, conn: AsyncConnection | None, caller: Caller, query: AvailabilityQuery
) -> OpenSlots:
    """``GET|POST /v1/availability``: the open slots of the caller's event type in the query's
    range, read on ``conn`` or (None) as the module docstring says."""
    inputs = await event_type_inputs(
        state, conn, caller, query.event_type_id, owned_event_type_and_host
    )
    event_type, schedule, default_host_id = inputs.hosted
    duration = pick_duration(event_type, query.duration)
    reader: AsyncConnection | Database
    if conn is not None:
        reader = conn
        # Without hosts, only the default host may be named.
        host_ids = await teams.team_host_ids(conn, event_type, default_host_id, query.host_id)
    elif inputs.team is not None or query.host_id not in (None, default_host_id):
        # A team, or a host to look up: several statements, on one connection.
        async with state.db.connect_read() as own:
            return await find_availability(state, own, caller, query)
    else:
        reader, host_ids = state.db, [default_host_id]
    # inputs.team: read for exactly the event types teams.is_team names.
    team = inputs.team_of(host_ids) if inputs.team is not None else None
    zone = query.time_zone or teams.zone_of(schedule, team)
    span = utc_range_for_dates(query.start_date, query.end_date, zone)
    find: Callable[..., Awaitable[Sequence[Slot | TeamSlot]]]
    if team is None:
        assert schedule is not None  # is_team: an event type without a schedule is a team
        scope = inputs.busy_scope()
        busy: list[BusyInterval] = []
        warnings: list[dict[str, Any]] = []
        if scope.conflict_calendars:  # else no calendar to ask (fetch_external_busy: nothing)
            busy, warnings = await fetch_external_busy(
                state.busy_source,
                event_type,
                *slots_busy_range(*span),
                timeout_seconds=state.settings.calendar_timeout_seconds,
                scope=scope,
            )
        find = partial(
            find_slots_in_session,
            reader,
            event_type=event_type,
            schedule=schedule,
            host_id=default_host_id,
            busy=busy,
            hours=inputs.hours,
            rules=inputs.rules(duration),
        )
    else:
        by_host, warnings = await teams.team_busy(state, team, *slots_busy_range(*span))
        assert isinstance(reader, AsyncConnection)  # a team reads on a connection (above)
        find = partial(teams.find_team_slots_in, reader, team, busy=by_host)
    slots = await find(
        now=state.clock.now(),
        span=span,
        duration_minutes=duration,
        exclude_booking_id=query.exclude_booking_id,
    )
    return OpenSlots(slots, event_type.id, zone, query.start_date, query.end_date, warnings)


async def external_busy_for_start(
    state: AppState, event_type: EventType, schedule: Schedule, start: datetime
) -> list[BusyInterval]:
    """External busy times around one ``start`` (the range :func:`check_busy_range` gives); the
    start check and bookings both use it, so they see the same calendars. Warnings are dropped:
    a single start has no list of slots to annotate."""
    lo, hi = check_busy_range(start)
    busy, _warnings = await fetch_external_busy(
        state.busy_source,
        event_type,
        lo,
        hi,
        timeout_seconds=state.settings.calendar_timeout_seconds,
        scope=BusyScope.of(event_type, time_zone=schedule.time_zone),
    )
    return busy


async def check_availability(
    state: AppState,
    conn: AsyncConnection,
    caller: Caller,
    *,
    event_type_id: str,
    start: datetime,
    duration: int | None,
    host_id: str | None = None,
) -> StartCheck | TeamCheck:
    """``GET /v1/availability/check``: whether ``start`` is open for the caller's event type."""
    inputs = await event_type_inputs(state, conn, caller, event_type_id, owned_event_type_and_host)
    event_type, schedule, default_host_id = inputs.hosted
    duration_minutes = pick_duration(event_type, duration)
    host_ids = await teams.team_host_ids(conn, event_type, default_host_id, host_id)
    if teams.is_team(event_type, schedule):
        team = inputs.team_of(host_ids)
        by_host, _warnings = await teams.team_busy(state, team, *check_busy_range(start))
        return await teams.check_team_in(
            conn,
            team,
            start=start,
            now=state.clock.now(),
            busy=by_host,
            duration_minutes=duration_minutes,
        )
    assert schedule is not None  # is_team: an event type without a schedule is a team
    busy = await external_busy_for_start(state, event_type, schedule, start)
    return await check_start_in_session(
        conn,
        event_type=event_type,
        schedule=schedule,
        host_id=default_host_id,
        start=start,
        now=state.clock.now(),
        busy=busy,
        duration_minutes=duration_minutes,
    )
