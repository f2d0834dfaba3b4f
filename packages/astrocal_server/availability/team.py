"""Team availability: the hosts an event type books, each host's hours, bookings and calendars'
busy time, loaded for the pure team engine (:func:`~astrocal_server.availability.engine.
find_team_slots`, :func:`~astrocal_server.availability.engine.check_team_start`).

A team is an event type with ``hosts`` (or, for the one event type that has no schedule of its own
and no hosts, which validation prevents, its default host). Each host works the event type's
schedule when it has one, else the host's default schedule. Its bookings are every non-cancelled
booking occupying it (any event type, through ``booking_hosts``), and its busy time comes from the
event type's conflict calendars plus the host's own.

Cost is flat in the number of hosts: one query for the hosts and their hours, one for every host's
bookings; external calendars are asked concurrently across hosts (hosts with the same calendars and
zone share one request), each provider with its own timeout, and ``on_calendar_error`` decides what
a failure means, as for one host.

A host that cannot be booked — deactivated, deleted, or without a schedule — stays in the team with
no working hours, so it is never free: a collective event type then has no open slots, a round
robin one books the other hosts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from astrocal_server.availability.engine import (
    CHECK_HORIZON_DAYS,
    Booked,
    BusyInterval,
    Member,
    TeamCheck,
    TeamSlot,
    WorkingHours,
    check_team_start,
    find_team_slots,
)
from astrocal_server.availability.engine import TeamAssignment as EngineAssignment
from astrocal_server.availability.external import BusyScope, fetch_external_busy
from astrocal_server.availability.occupants import OCCUPANTS_OF_HOSTS
from astrocal_server.availability.rules import (
    booked_from_row,
    check_busy_range,
    occupancy_range,
    rules_for,
    working_hours_of,
)
from astrocal_server.errors import invalid_param, not_found
from astrocal_server.state import AppState
from astrocal_server.storage.models import EventType, Host, Schedule

__all__ = [
    "Team",
    "TeamHost",
    "check_team_in",
    "find_team_slots_in",
    "is_team",
    "listed_host_ids",
    "load_team",
    "team_busy",
    "team_host_ids",
    "zone_of",
]

_NO_HOURS: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7


@dataclass(frozen=True)
class TeamHost:
    """One host as the engine sees it: its hours (none when it cannot be booked) and calendars."""

    host_id: str
    hours: WorkingHours
    conflict_calendars: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Team:
    """The hosts a request is about, in the event type's order, and how a start is open for
    them: ``collective`` (every host free) or ``round_robin`` (at least one)."""

    event_type: EventType
    hosts: tuple[TeamHost, ...]
    assignment: EngineAssignment

    @property
    def host_ids(self) -> list[str]:
        return [h.host_id for h in self.hosts]

    @property
    def time_zone(self) -> str:
        return self.hosts[0].hours.time_zone if self.hosts else "UTC"

    def only(self, host_ids: Sequence[str], assignment: EngineAssignment) -> Team:
        """The same team narrowed to ``host_ids`` (kept in that order)."""
        by_id = {h.host_id: h for h in self.hosts}
        return Team(self.event_type, tuple(by_id[i] for i in host_ids), assignment)


def is_team(event_type: EventType, schedule: Schedule | None) -> bool:
    """Whether the team path answers for ``event_type`` (it has hosts, or no schedule)."""
    return bool(event_type.hosts) or schedule is None


def zone_of(schedule: Schedule | None, team: Team | None) -> str:
    """The zone an event type's days are counted in: its schedule's, else (a team whose hosts
    work their own) its first host's."""
    if schedule is not None:
        return schedule.time_zone
    return team.time_zone if team is not None else "UTC"


def listed_host_ids(event_type: EventType, default_host_id: str) -> list[str]:
    """The event type's hosts in order (its default host when it lists none)."""
    return [str(h["host_id"]) for h in event_type.hosts] or [default_host_id]


_HOST_EXISTS = select(Host.id).where(
    Host.id == bindparam("host_id"),
    Host.account_id == bindparam("account_id"),
    Host.livemode == bindparam("livemode"),
    Host.deleted_at.is_(None),
)


async def team_host_ids(
    conn: AsyncConnection | AsyncSession,
    event_type: EventType,
    default_host_id: str,
    host_id: str | None,
) -> list[str]:
    """:func:`listed_host_ids`, or just ``host_id`` when given — which must be one of them: a
    host of the account that the event type does not list is 400 on ``host_id``, an id that is
    no host of the account (another account's, another mode's, deleted) 404 on ``host_id``."""
    listed = listed_host_ids(event_type, default_host_id)
    if host_id is None:
        return listed
    if host_id in listed:
        return [host_id]
    params = {
        "host_id": host_id,
        "account_id": event_type.account_id,
        "livemode": event_type.livemode,
    }
    if await conn.scalar(_HOST_EXISTS, params) is None:
        raise not_found("host", host_id, param="host_id")
    raise invalid_param(
        "host_id",
        f"Host {host_id} is not a host of event type {event_type.id}; its hosts are "
        f"{', '.join(listed)}.",
    )


_HOSTS = (
    select(
        Host.id,
        Host.active,
        Host.deleted_at,
        Host.time_zone,
        Host.conflict_calendars,
        Schedule.time_zone.label("schedule_time_zone"),
        Schedule.weekly_hours,
        Schedule.date_overrides,
    )
    .select_from(Host)
    .outerjoin(
        Schedule,
        and_(
            Schedule.id
            == func.coalesce(bindparam("schedule_id", type_=String), Host.default_schedule_id),
            Schedule.deleted_at.is_(None),
        ),
    )
    .where(
        Host.id.in_(bindparam("host_ids", expanding=True)),
        Host.account_id == bindparam("account_id"),
        Host.livemode == bindparam("livemode"),
    )
)


async def load_team(
    conn: AsyncConnection | AsyncSession,
    event_type: EventType,
    schedule: Schedule | None,
    host_ids: Sequence[str],
    assignment: EngineAssignment | None = None,
) -> Team:
    """``host_ids`` of the event type's account with their hours and calendars (one query).

    ``assignment`` defaults to the event type's (``single`` is ``collective`` of its one host)."""
    result = await conn.execute(
        _HOSTS,
        {
            "host_ids": list(host_ids),
            "account_id": event_type.account_id,
            "livemode": event_type.livemode,
            "schedule_id": schedule.id if schedule is not None else None,
        },
    )
    rows = {row["id"]: row for row in result.mappings()}
    shared = working_hours_of(schedule) if schedule is not None else None
    hosts = []
    for host_id in host_ids:
        row = rows.get(host_id)
        if row is None or not row["active"] or row["deleted_at"] is not None:
            zone = row["time_zone"] if row is not None else "UTC"
            hosts.append(TeamHost(host_id, WorkingHours(zone, _NO_HOURS, {})))
            continue
        if shared is not None:
            hours = shared
        elif row["weekly_hours"] is not None:
            hours = WorkingHours.from_api(
                row["schedule_time_zone"], row["weekly_hours"], row["date_overrides"] or []
            )
        else:
            hours = WorkingHours(row["time_zone"], _NO_HOURS, {})
        hosts.append(TeamHost(host_id, hours, tuple(row["conflict_calendars"] or ())))
    if assignment is None:
        assignment = "round_robin" if event_type.assignment == "round_robin" else "collective"
    return Team(event_type, tuple(hosts), assignment)


async def team_busy(
    state: AppState, team: Team, lo: datetime, hi: datetime
) -> tuple[dict[str, list[BusyInterval]], list[dict[str, Any]]]:
    """Each host's external busy time in ``[lo, hi)`` and the warnings (each connection once)."""
    event_type = team.event_type
    scopes: dict[tuple[Any, ...], BusyScope] = {}
    key_of: dict[str, tuple[Any, ...]] = {}
    for host in team.hosts:
        scope = BusyScope.of(
            event_type, time_zone=host.hours.time_zone, host_calendars=host.conflict_calendars
        )
        key = (
            scope.time_zone,
            tuple(
                (str(c["connection_id"]), str(c["calendar_id"])) for c in scope.conflict_calendars
            ),
        )
        scopes.setdefault(key, scope)
        key_of[host.host_id] = key
    keys = list(scopes)
    answers = await asyncio.gather(
        *(
            fetch_external_busy(
                state.busy_source,
                event_type,
                lo,
                hi,
                timeout_seconds=state.settings.calendar_timeout_seconds,
                scope=scopes[key],
            )
            for key in keys
        )
    )
    by_key = dict(zip(keys, answers, strict=True))
    warnings: dict[str, dict[str, Any]] = {}
    for _busy, found in answers:
        for warning in found:
            warnings.setdefault(str(warning.get("connection_id")), warning)
    busy = {host_id: by_key[key][0] for host_id, key in key_of.items()}
    return busy, list(warnings.values())


async def _members(
    conn: AsyncConnection | AsyncSession,
    team: Team,
    busy: Mapping[str, Sequence[BusyInterval]],
    span: tuple[datetime, datetime],
    now: datetime,
    exclude_booking_id: str | None,
) -> list[Member]:
    """Every host with what occupies it that the engine needs to judge starts in ``span`` (one
    query for all of them)."""
    lo, hi = occupancy_range(*span)
    result = await conn.execute(
        OCCUPANTS_OF_HOSTS,
        {
            "host_ids": team.host_ids,
            "lo": lo.astimezone(UTC),
            "hi": hi.astimezone(UTC),
            "now": now.astimezone(UTC),
        },
    )
    own = team.event_type.id
    bookings: dict[str, list[Booked]] = {h.host_id: [] for h in team.hosts}
    for row in result.mappings():
        if row["id"] == exclude_booking_id:
            continue
        bookings[row["host_id"]].append(booked_from_row(row, own))
    return [
        Member(h.host_id, h.hours, bookings[h.host_id], busy.get(h.host_id, ())) for h in team.hosts
    ]


async def find_team_slots_in(
    conn: AsyncConnection | AsyncSession,
    team: Team,
    *,
    now: datetime,
    span: tuple[datetime, datetime],
    busy: Mapping[str, Sequence[BusyInterval]],
    duration_minutes: int,
    exclude_booking_id: str | None = None,
) -> list[TeamSlot]:
    """Open team slots starting in ``span`` (UTC, half-open); ``exclude_booking_id``'s own time
    blocks nothing (the slots it could be rescheduled to)."""
    rules = rules_for(team.event_type, duration_minutes)
    if not rules.active or not team.hosts:
        return []
    members = await _members(conn, team, busy, span, now, exclude_booking_id)
    range_start, range_end = span
    return find_team_slots(
        members,
        rules,
        assignment=team.assignment,
        now=now,
        range_start=range_start,
        range_end=range_end,
    )


async def check_team_in(
    conn: AsyncConnection | AsyncSession,
    team: Team,
    *,
    start: datetime,
    now: datetime,
    busy: Mapping[str, Sequence[BusyInterval]],
    duration_minutes: int,
    exclude_booking_id: str | None = None,
    horizon_days: int = CHECK_HORIZON_DAYS,
) -> TeamCheck:
    """Whether ``start`` is open for the team, each host's reasons, the nearest team slots. Run
    it inside a booking's write transaction to see every committed booking; ``exclude_booking_id``
    leaves out the booking being rescheduled."""
    span = check_busy_range(start, horizon_days)
    members = await _members(conn, team, busy, span, now, exclude_booking_id)
    return check_team_start(
        members,
        rules_for(team.event_type, duration_minutes),
        assignment=team.assignment,
        now=now,
        start=start,
        horizon_days=horizon_days,
    )
