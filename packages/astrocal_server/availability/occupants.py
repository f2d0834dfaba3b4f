"""What occupies a host, as the slot engine reads it: one statement over ``booking_hosts``.

A row is a non-cancelled booking, or a hold active at the statement's ``now`` (an expired hold
simply stops counting; writers delete its rows before they write). Parameters: ``host_id``
(or ``host_ids``), ``lo``/``hi`` (the span the blocked time must touch) and ``now``, all UTC.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, or_, select

from astrocal_server.storage.models import BookingHost

__all__ = ["OCCUPANTS_OF_HOST", "OCCUPANTS_OF_HOSTS"]


def _occupants(host_filter: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    return select(
        BookingHost.host_id,
        BookingHost.booking_id.label("id"),
        BookingHost.event_type_id,
        BookingHost.start_at,
        BookingHost.end_at,
        BookingHost.block_start,
        BookingHost.block_end,
        BookingHost.expires_at,
    ).where(
        host_filter,
        BookingHost.status != "cancelled",
        BookingHost.block_end > bindparam("lo"),
        BookingHost.block_start < bindparam("hi"),
        or_(BookingHost.expires_at.is_(None), BookingHost.expires_at > bindparam("now")),
    )


# One host (``host_id``): compiled once by ``storage.rows.fetch_all``, which takes no expanding
# parameters. Typed loosely: ``fetch_all`` takes any one-statement select and returns dict rows.
OCCUPANTS_OF_HOST = _occupants(BookingHost.host_id == bindparam("host_id"))
# Several hosts (``host_ids``, expanding): a team's, in one statement.
OCCUPANTS_OF_HOSTS = _occupants(BookingHost.host_id.in_(bindparam("host_ids", expanding=True)))
