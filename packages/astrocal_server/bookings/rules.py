"""Pure booking rules: the interval a booking blocks, seat keys, host lock keys, guest lists, and
which database errors mean "someone else got there first". No I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from astrocal_server.availability.engine import seat_key

__all__ = [
    "CONFLICT_SQLSTATES",
    "block_interval",
    "booking_seat_key",
    "check_guests",
    "host_lock_key",
    "is_conflict_error",
]

# exclusion_violation, deadlock_detected, serialization_failure: another writer won the slot.
CONFLICT_SQLSTATES = frozenset({"23P01", "40P01", "40001"})


def block_interval(
    start: datetime, end: datetime, *, buffer_before_minutes: int, buffer_after_minutes: int
) -> tuple[datetime, datetime]:
    """``[start - buffer_before, end + buffer_after)``: the time a booking keeps its host busy."""
    return (
        start - timedelta(minutes=buffer_before_minutes),
        end + timedelta(minutes=buffer_after_minutes),
    )


def booking_seat_key(
    *, booking_id: str, event_type_id: str, start: datetime, seats_per_slot: int
) -> str:
    """Bookings with equal seat keys are seats of one slot and may overlap each other.

    Only seated event types share keys (by slot); any other booking gets a key of its own, so the
    PostgreSQL exclusion constraint refuses every overlap with it — the same start included.
    """
    if seats_per_slot > 1:
        return seat_key(event_type_id, start)
    return booking_id


def host_lock_key(host_id: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock`` (the same in every process)."""
    digest = hashlib.blake2b(f"astrocal-host:{host_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def check_guests(guests: Iterable[str]) -> list[str]:
    """The guest list as given; ``ValueError`` if an address appears twice (case-insensitively)."""
    out = list(guests)
    seen: set[str] = set()
    for guest in out:
        folded = guest.casefold()
        if folded in seen:
            raise ValueError(f"guests lists {guest} twice; list each address once")
        seen.add(folded)
    return out


def _sqlstate(error: BaseException | None) -> str | None:
    while error is not None:
        code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if isinstance(code, str):
            return code
        error = error.__cause__
    return None


def is_conflict_error(error: Any) -> bool:
    """Whether a database error raised by a booking write means a concurrent writer won."""
    return _sqlstate(getattr(error, "orig", None) or error) in CONFLICT_SQLSTATES
