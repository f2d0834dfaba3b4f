"""Check the calendars an object names (``conflict_calendars``, ``destination_calendar``) against
the caller's calendar connections: event types and hosts name calendars alike.

Loads the connections named and applies :func:`~astrocal_server.event_types.rules.check_calendar_refs`
(404 naming ``….connection_id`` for a connection that is not the caller's, 400 naming
``….calendar_id`` for a calendar the connection does not have or cannot be written to).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.caller import Caller
from astrocal_server.event_types.rules import calendar_refs, check_calendar_refs
from astrocal_server.storage.models import CalendarConnection

__all__ = ["check_calendars"]


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
