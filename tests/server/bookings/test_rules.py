"""Pure booking rules: blocked interval, seat keys, host lock keys, guest lists, conflict errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from astrocal_server.bookings.rules import (
    block_interval,
    booking_seat_key,
    check_guests,
    host_lock_key,
    is_conflict_error,
)

START = datetime(2026, 4, 14, 9, tzinfo=UTC)


def test_block_interval_widens_by_the_buffers() -> None:
    end = START + timedelta(minutes=30)
    assert block_interval(START, end, buffer_before_minutes=10, buffer_after_minutes=5) == (
        START - timedelta(minutes=10),
        end + timedelta(minutes=5),
    )


def test_only_seated_event_types_share_seat_keys() -> None:
    from zoneinfo import ZoneInfo

    def key(booking_id: str, event_type_id: str, start: datetime, seats: int) -> str:
        return booking_seat_key(
            booking_id=booking_id, event_type_id=event_type_id, start=start, seats_per_slot=seats
        )

    berlin = START.astimezone(ZoneInfo("Europe/Berlin"))
    assert key("bk_1", "evt_a", START, 3) == key("bk_2", "evt_a", berlin, 3)
    assert key("bk_1", "evt_a", START, 3) != key("bk_1", "evt_b", START, 3)
    # One seat: every booking is its own key, so any overlap violates the constraint.
    assert key("bk_1", "evt_a", START, 1) != key("bk_2", "evt_a", START, 1)


def test_host_lock_key_is_a_stable_signed_64_bit_integer() -> None:
    key = host_lock_key("acct_123")
    assert key == host_lock_key("acct_123") != host_lock_key("acct_124")
    assert -(2**63) <= key < 2**63


def test_guests_must_be_distinct() -> None:
    assert check_guests(["a@x.com", "b@x.com"]) == ["a@x.com", "b@x.com"]
    with pytest.raises(ValueError, match="twice"):
        check_guests(["a@x.com", "A@X.com"])


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


class _Wrapped(Exception):
    def __init__(self, orig: BaseException) -> None:
        super().__init__("wrapped")
        self.orig = orig


@pytest.mark.parametrize(
    ("sqlstate", "conflict"),
    [("23P01", True), ("40P01", True), ("40001", True), ("23505", False), ("42P01", False)],
)
def test_which_database_errors_mean_a_lost_race(sqlstate: str, conflict: bool) -> None:
    assert is_conflict_error(_Wrapped(_PgError(sqlstate))) is conflict
    # asyncpg's error sits behind SQLAlchemy's adapter as the cause.
    adapted = Exception("adapted")
    adapted.__cause__ = _PgError(sqlstate)
    assert is_conflict_error(_Wrapped(adapted)) is conflict
