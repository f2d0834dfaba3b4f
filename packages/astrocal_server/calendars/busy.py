"""The :class:`~astrocal_server.availability.ExternalBusySource` backed by connected calendars.

Every availability request and booking check asks each conflict-calendar connection of the scope
(one host's calendars, :class:`~astrocal_server.availability.BusyScope`) at once, each under the provider timeout; one connection failing never hides the others'
answers, it is reported in ``failures`` (the caller applies ``on_calendar_error``). A reference to a
deleted connection is skipped: deleting a connection stops its calendars being checked.
:func:`install` (run from the lifespan hook) installs the source and the :class:`CalendarService` on the app state.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from astrocal_server.availability import BusyFailure, BusyScope, ExternalBusyResult
from astrocal_server.availability.engine import BusyInterval
from astrocal_server.calendars import ical
from astrocal_server.calendars.base import BusyPeriod, ProviderError
from astrocal_server.calendars.connections import CalendarService, calendars_of
from astrocal_server.storage.models import Booking, CalendarConnection

__all__ = [
    "CalendarBusySource",
    "calendars_lifespan",
]


class CalendarBusySource:
    def __init__(self, service: CalendarService) -> None:
        self.service = service

    async def busy(self, scope: BusyScope, start: datetime, end: datetime) -> ExternalBusyResult:
        wanted: dict[str, list[str]] = defaultdict(list)
        for ref in scope.conflict_calendars:
            ids = wanted[str(ref["connection_id"])]
            if str(ref["calendar_id"]) not in ids:
                ids.append(str(ref["calendar_id"]))
        if not wanted:
            return ExternalBusyResult()
        connections, own = await self._load(scope, list(wanted), start, end)
        tasks = [
            self._one(connections[cid], ids, start, end, scope.time_zone, own)
            for cid, ids in wanted.items()
            if cid in connections
        ]
        result = ExternalBusyResult()
        for outcome in await asyncio.gather(*tasks):
            if isinstance(outcome, list):
                result.busy.extend(outcome)
            else:
                result.failures.append(outcome)
        result.busy.sort(key=lambda b: (b.start, b.end))
        return result

    async def _load(
        self, scope: BusyScope, ids: list[str], start: datetime, end: datetime
    ) -> tuple[dict[str, CalendarConnection], list[_OwnEvent]]:
        async with self.service.state.db.read() as session:
            rows = (
                await session.scalars(
                    select(CalendarConnection).where(
                        CalendarConnection.id.in_(ids),
                        CalendarConnection.account_id == scope.account_id,
                        CalendarConnection.livemode == scope.livemode,
                    )
                )
            ).all()
            # The account's bookings in range, any status: the events written for them are not
            # external busy time (the bookings block by themselves, and a cancelled one's event is
            # only waiting for the relay to delete it).
            own = [
                _OwnEvent(row.id, row.start_at, row.end_at, dict(row.external_events or {}))
                for row in (
                    await session.execute(
                        select(
                            Booking.id, Booking.start_at, Booking.end_at, Booking.external_events
                        ).where(
                            Booking.account_id == scope.account_id,
                            Booking.livemode == scope.livemode,
                            Booking.start_at < end,
                            Booking.end_at > start,
                        )
                    )
                ).all()
            ]
        return {row.id: row for row in rows}, own

    async def _one(
        self,
        connection: CalendarConnection,
        calendar_ids: list[str],
        start: datetime,
        end: datetime,
        zone: str,
        own: list[_OwnEvent],
    ) -> list[BusyInterval] | BusyFailure:
        calendars = calendars_of(connection, calendar_ids)
        timeout = self.service.settings.calendar_timeout_seconds
        own_uids = frozenset(f"{event.booking_id}@astrocal" for event in own)

        async def fetch(provider: Any) -> list[BusyPeriod]:
            periods: list[BusyPeriod] = await provider.free_busy(
                calendars, start, end, ignore_uids=own_uids
            )
            if connection.provider != "caldav":
                # Free/busy APIs cannot skip single events: take out the time of the events we
                # wrote to this connection.
                written = [
                    BusyPeriod(e.start, e.end) for e in own if connection.id in e.external_events
                ]
                periods = ical.subtract_periods(periods, written)
            return periods

        try:
            periods = await asyncio.wait_for(
                self.service.call(connection, fetch, default_zone=zone), timeout
            )
        except TimeoutError:
            return _failure(
                connection, f"{connection.provider} did not answer within {timeout:g} s"
            )
        except ProviderError as exc:
            return _failure(connection, exc.message)
        await self.service.mark_working(connection)
        return [BusyInterval(p.start, p.end, connection.id) for p in periods]


@dataclass(frozen=True)
class _OwnEvent:
    booking_id: str
    start: datetime
    end: datetime
    external_events: dict[str, Any]


def _failure(connection: CalendarConnection, reason: str) -> BusyFailure:
    return {"connection_id": connection.id, "reason": reason, "provider": connection.provider}


@asynccontextmanager
async def calendars_lifespan(state: Any) -> AsyncIterator[None]:
    """The ``LIFESPAN_HOOKS`` entry for calendars: one calendar service per process, and the busy
    source on the state, closed on shutdown."""
    from astrocal_server.availability import NoExternalBusy

    service = state.calendars
    # A source passed to create_app explicitly (tests, benchmarks) wins over the default.
    if isinstance(state.busy_source, NoExternalBusy):
        state.busy_source = CalendarBusySource(service)
    try:
        yield
    finally:
        await service.aclose()
        del state.calendars  # a later use (after shutdown) builds a fresh one, not a closed one
