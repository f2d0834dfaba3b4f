"""What availability reads about an event type before it looks at bookings, kept per process.

Every availability request needs the event type, its schedule parsed into the engine's working
hours, the account's default host and, for a team, each host's hours and calendars; a booking or
hold (``bookings.service.prepare_slot``) needs the same plus the default host's row: rows that
change only when someone edits an event type, a schedule or a host. :class:`InputsCache` keeps
them, per process, in a :class:`~astrocal_server.accounts.keycache.GenerationCache` on the same
generation as the key cache; every service write that changes any of those rows (the event type,
schedule and host services) runs in :func:`~astrocal_server.accounts.keycache.changing_cached`, so
the next availability request or booking of every process reads them again (SQLite: the generation file beside
the database; PostgreSQL: ``LISTEN``/``NOTIFY``). What occupies the hosts (bookings, holds) is never
kept: each request reads it, in one query.

Entries are read-only snapshots shared by the requests of a process; nothing may change them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from astrocal_server.accounts.keycache import GenerationCache
from astrocal_server.availability import team as teams
from astrocal_server.availability.engine import Rules, WorkingHours
from astrocal_server.availability.external import BusyScope
from astrocal_server.availability.rules import rules_for, working_hours_of
from astrocal_server.caller import Caller
from astrocal_server.storage.models import Host

if TYPE_CHECKING:
    from astrocal_server.availability.service import Hosted
    from astrocal_server.state import AppState

__all__ = ["Inputs", "InputsCache", "event_type_inputs"]

Loader = Callable[[AsyncConnection | AsyncSession, Caller, str], Awaitable[tuple["Hosted", Host]]]


@dataclass(frozen=True)
class Inputs:
    """An event type's availability inputs: the event type, its schedule and default host
    (``hosted``); the schedule as working hours (None without one); for a team (``is_team``),
    its listed hosts with their hours and calendars; the default host's row (``default_host``,
    a detached snapshot: hand a session :meth:`host_copy`, never the shared row). What is
    derived from them alone (:meth:`rules`, :meth:`busy_scope`) is kept with them."""

    hosted: Hosted
    hours: WorkingHours | None
    team: teams.Team | None
    default_host: Host
    _derived: dict[object, Any] = field(default_factory=dict, compare=False, repr=False)

    def rules(self, duration_minutes: int) -> Rules:
        """The event type's engine rules for ``duration_minutes`` (``rules.rules_for``)."""
        found: Rules | None = self._derived.get(duration_minutes)
        if found is None:
            found = self._derived[duration_minutes] = rules_for(
                self.hosted.event_type, duration_minutes
            )
        return found

    def busy_scope(self) -> BusyScope:
        """The calendars that block the event type's default host (one host: its schedule's
        zone); only asked of an event type with a schedule."""
        found: BusyScope | None = self._derived.get("scope")
        if found is None:
            event_type, schedule, _ = self.hosted
            assert schedule is not None
            found = self._derived["scope"] = BusyScope.of(event_type, time_zone=schedule.time_zone)
        return found

    def host_copy(self) -> Host:
        """A detached copy of ``default_host`` of the caller's own (a booking puts its hosts in its
        session, and one instance must not be in two sessions at once)."""
        copy: Host = inspect(Host).class_manager.new_instance()
        values = self.default_host.__dict__
        copy.__dict__.update({key: values[key] for key in _HOST_COLUMNS})
        return copy

    def team_of(self, host_ids: Sequence[str]) -> teams.Team:
        """The team narrowed to ``host_ids`` (some of its listed hosts), as ``load_team`` would
        load them."""
        team = self.team
        assert team is not None  # only asked of a team
        if list(host_ids) == team.host_ids:
            return team
        return team.only(host_ids, team.assignment)


_HOST_COLUMNS = tuple(attr.key for attr in inspect(Host).column_attrs)


class InputsCache(GenerationCache[tuple[str, bool, str], Inputs]):
    """:class:`Inputs` by (account, mode, event type id), valid for one generation."""


async def event_type_inputs(
    state: AppState,
    conn: AsyncConnection | AsyncSession | None,
    caller: Caller,
    event_type_id: str,
    load: Loader,
) -> Inputs:
    """The caller's event type's :class:`Inputs`: this process's copy when the generation it was
    read under is current, else read with ``load`` (which raises the 404 of a missing event
    type; a miss is never kept) and, for a team, one query for its hosts — on ``conn``, or
    (None) on a read connection opened for them and let go at once."""
    cache = state.availability_inputs
    key = (caller.account_id, caller.livemode, event_type_id)
    hit, generation = await cache.recall(key)
    if hit is not None:
        return hit
    if conn is None:
        async with state.db.connect_read() as own:
            found = await _read_inputs(own, caller, event_type_id, load)
    else:
        found = await _read_inputs(conn, caller, event_type_id, load)
    cache.remember(key, found, generation)
    return found


async def _read_inputs(
    conn: AsyncConnection | AsyncSession, caller: Caller, event_type_id: str, load: Loader
) -> Inputs:
    hosted, default_host = await load(conn, caller, event_type_id)
    event_type, schedule, default_host_id = hosted
    team = None
    if teams.is_team(event_type, schedule):
        listed = teams.listed_host_ids(event_type, default_host_id)
        team = await teams.load_team(conn, event_type, schedule, listed)
    hours = working_hours_of(schedule) if schedule is not None else None
    return Inputs(hosted, hours, team, default_host)
