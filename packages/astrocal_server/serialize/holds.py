"""The API object of a hold (``GET /v1/holds/{id}``).

``hold.hosts`` must be loaded (the holds service loads it with every hold it returns). The status
shown depends on the instant (an active hold past ``expires_at`` is ``expired``), so ``now`` is
passed in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from astrocal_server.holds.rules import shown_status
from astrocal_server.serialize.bookings import booking_host_to_api
from astrocal_server.serialize.common import format_datetime
from astrocal_server.storage.models import Hold

__all__ = ["hold_to_api"]


def hold_to_api(hold: Hold, now: datetime) -> dict[str, Any]:
    return {
        "id": hold.id,
        "event_type_id": hold.event_type_id,
        "start": format_datetime(hold.start_at),
        "end": format_datetime(hold.end_at),
        "duration": hold.duration_minutes,
        "hosts": [booking_host_to_api(host) for host in hold.hosts],
        "expires_at": format_datetime(hold.expires_at),
        "status": shown_status(hold, now),
        "booking_id": hold.booking_id,
        "waitlist_entry_id": hold.waitlist_entry_id,
        "metadata": dict(hold.metadata_),
        "livemode": hold.livemode,
        "created_at": format_datetime(hold.created_at),
        "updated_at": format_datetime(hold.updated_at),
    }
