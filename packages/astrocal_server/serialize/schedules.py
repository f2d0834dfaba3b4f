"""The schedule object."""

from __future__ import annotations

from typing import Any

from astrocal_server.serialize.common import format_datetime
from astrocal_server.storage.models import Schedule

__all__ = ["schedule_to_api"]


def schedule_to_api(schedule: Schedule) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "host_id": schedule.host_id,
        "name": schedule.name,
        "time_zone": schedule.time_zone,
        "weekly_hours": [dict(w) for w in schedule.weekly_hours],
        "date_overrides": [
            {"date": o["date"], "intervals": [dict(i) for i in o["intervals"]]}
            for o in schedule.date_overrides
        ],
        "is_default": schedule.is_default,
        "livemode": schedule.livemode,
        "created_at": format_datetime(schedule.created_at),
        "updated_at": format_datetime(schedule.updated_at),
    }
