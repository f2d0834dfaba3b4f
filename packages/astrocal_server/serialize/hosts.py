"""The host object."""

from __future__ import annotations

from typing import Any

from astrocal_server.serialize.common import format_datetime
from astrocal_server.storage.models import Host

__all__ = ["host_summary", "host_to_api"]


def host_summary(host: Host) -> dict[str, Any]:
    """What emails and outbox payloads carry of a host; the host object begins with it."""
    return {"id": host.id, "name": host.name, "email": host.email, "time_zone": host.time_zone}


def host_to_api(host: Host) -> dict[str, Any]:
    return {
        **host_summary(host),
        "default_schedule_id": host.default_schedule_id,
        "conflict_calendars": [dict(c) for c in host.conflict_calendars],
        "destination_calendar": (
            dict(host.destination_calendar) if host.destination_calendar else None
        ),
        "external_id": host.external_id,
        "metadata": dict(host.metadata_),
        "active": host.active,
        "is_default": host.is_default,
        "livemode": host.livemode,
        "created_at": format_datetime(host.created_at),
        "updated_at": format_datetime(host.updated_at),
    }
