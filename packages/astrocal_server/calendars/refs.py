"""Check the calendars an object names (``conflict_calendars``, ``destination_calendar``) against
the caller's calendar connections: event types and hosts name calendars alike.

Loads the connections named and applies :func:`~astrocal_server.event_types.rules.check_calendar_refs`
(404 naming ``….connection_id`` for a connection that is not the caller's, 400 naming
``….calendar_id`` for a calendar the connection does not have or cannot be written to).

:func:`check_conference_calendar`: an event type whose location is a per-booking room (Meet,
Teams) is written to at least one destination calendar of that provider — the destinations a
booking gets (``outbox/writer.destinations``) of its listed hosts, or of the default host.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.caller import Caller
from astrocal_server.event_types.rules import (
    calendar_refs,
    check_calendar_refs,
    check_conference_destination,
)
from astrocal_server.locations import room_kind
from astrocal_server.storage.models import CalendarConnection, EventType, Host

__all__ = ["check_calendars", "check_conference_calendar"]


async def check_calendars(
    session: AsyncSession,
    caller: Caller,
    conflict_calendars: Sequence[dict[str, Any]],
    destination_calendar: dict[str, Any] | None,
) -> None:
    refs = calendar_refs(conflict_calendars, destination_calendar)
    if not refs:
        return
    ids = {ref["connection_id"] for _, ref in refs}
    connections = {
        c.id: c
        for c in (
            await session.scalars(
                select(CalendarConnection).where(
                    CalendarConnection.id.in_(ids), caller.owns(CalendarConnection)
                )
            )
        ).all()
    }
    check_calendar_refs(refs, connections)


async def check_conference_calendar(
    session: AsyncSession, caller: Caller, event_type: EventType
) -> None:
    if room_kind(event_type.location) is None:
        return
    from astrocal_server.hosts.service import caller_default_host_id
    from astrocal_server.outbox.writer import destinations

    host_ids = [str(h["host_id"]) for h in event_type.hosts] or [
        await caller_default_host_id(session, caller)
    ]
    hosts = (await session.scalars(select(Host).where(Host.id.in_(host_ids)))).all()
    ids = {str(d.get("connection_id")) for d in destinations(event_type, hosts)}
    providers = (
        await session.scalars(
            select(CalendarConnection.provider).where(
                CalendarConnection.id.in_(ids), caller.owns(CalendarConnection)
            )
        )
    ).all()
    check_conference_destination(event_type.location, list(providers))
