"""Pure hold rules: the status a hold shows at an instant, and the refusals of using one.

No I/O and no clock reads: the instant is passed in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from astrocal_server.errors import Conflict, conflict
from astrocal_server.serialize.common import format_datetime
from astrocal_server.storage.models import Hold

__all__ = [
    "hold_consumed",
    "hold_expired",
    "hold_released",
    "is_expired",
    "is_live",
    "shown_status",
]


def is_expired(hold: Hold, now: datetime) -> bool:
    """Whether ``hold`` no longer reserves its slot at ``now`` because its time ran out (whether
    or not its expiry row has run yet)."""
    return hold.status == "expired" or (hold.status == "active" and hold.expires_at <= now)


def is_live(hold: Hold, now: datetime) -> bool:
    """Whether ``hold`` still reserves its slot at ``now`` (active, and its time not run out)."""
    return hold.status == "active" and hold.expires_at > now


def shown_status(hold: Hold, now: datetime) -> str:
    """The status as of ``now``: an active hold past ``expires_at`` is expired."""
    return "expired" if is_expired(hold, now) else hold.status


def _refused(code: str, message: str, **details: Any) -> Conflict:
    """Using a hold refused: a 409 on ``hold_id``, with ``details`` when there are any."""
    return conflict(code, message, param="hold_id", details=details or None)


def hold_consumed(hold: Hold) -> Conflict:
    return _refused(
        "hold_consumed",
        f"Hold {hold.id} already became booking {hold.booking_id}; retrieve or cancel that "
        "booking instead of using the hold again.",
        booking_id=hold.booking_id,
    )


def hold_released(hold: Hold) -> Conflict:
    return _refused(
        "hold_released",
        f"Hold {hold.id} was released, so its slot is no longer reserved; book with "
        "event_type_id and start if it is still open, or place a new hold.",
    )


def hold_expired(hold: Hold, alternatives: list[dict[str, Any]]) -> Conflict:
    return _refused(
        "hold_expired",
        f"Hold {hold.id} expired at {format_datetime(hold.expires_at)}, so its slot is no longer "
        "reserved; pick one of details.alternatives (or the same start, if it is still open) "
        "and book or hold it again.",
        alternatives=alternatives,
    )
