"""Pure booking rules: the interval a booking blocks, seat keys, host lock keys, guest lists, the
round robin pick, and which database errors mean "someone else got there first". No I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from astrocal_server.availability.engine import seat_key

__all__ = [
    "CONFLICT_SQLSTATES",
    "RoundRobinHost",
    "block_interval",
    "booking_seat_key",
    "check_guests",
    "host_lock_key",
    "is_conflict_error",
    "month_start",
    "pick_round_robin",
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


@dataclass(frozen=True, slots=True)
class RoundRobinHost:
    """A free host of a round robin event type, with what the pick weighs: its place in the event
    type's ``hosts``, ``priority`` and ``weight``, its confirmed bookings of the event type made
    this calendar month (UTC), and when it was last given one (None: never)."""

    host_id: str
    position: int
    priority: int
    weight: int
    booked_this_month: int
    last_booked_at: datetime | None


def month_start(now: datetime) -> datetime:
    """00:00 UTC on the first day of ``now``'s calendar month (UTC)."""
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _rank(host: RoundRobinHost) -> tuple[Fraction, int, bool, datetime, int]:
    never = host.last_booked_at is None
    last = host.last_booked_at or datetime.min.replace(tzinfo=UTC)
    return (
        Fraction(host.booked_this_month, max(host.weight, 1)),
        -host.priority,
        not never,  # never booked comes first
        last,
        host.position,
    )


def pick_round_robin(free: Sequence[RoundRobinHost]) -> str:
    """The host a round robin booking goes to (openapi.yaml's ``Assignment``): the fewest
    confirmed bookings of the event type this calendar month divided by ``weight`` (compared
    exactly), then the higher ``priority``, then the least recently booked (never booked first),
    then the order of ``hosts``. ``free`` must not be empty."""
    if not free:
        raise ValueError("no free host to pick from")
    return min(free, key=_rank).host_id
