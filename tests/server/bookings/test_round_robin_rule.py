"""The round robin pick (``bookings/rules.pick_round_robin``), as openapi.yaml's ``Assignment``
states it: fewest bookings this month ÷ weight, then higher priority, then least recently booked
(never booked first), then the order of ``hosts``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from astrocal_server.bookings.rules import RoundRobinHost, month_start, pick_round_robin

T = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


def host(
    host_id: str,
    position: int,
    *,
    booked: int = 0,
    weight: int = 1,
    priority: int = 0,
    last: datetime | None = None,
) -> RoundRobinHost:
    return RoundRobinHost(host_id, position, priority, weight, booked, last)


def test_fewest_bookings_per_weight_wins() -> None:
    assert pick_round_robin([host("a", 0, booked=3), host("b", 1, booked=2)]) == "b"
    # 3/2 < 2/1: the heavier host takes more.
    assert pick_round_robin([host("a", 0, booked=3, weight=2), host("b", 1, booked=2)]) == "a"
    # 4/2 == 2/1: a tie on the ratio, compared exactly, falls to the next rule (order).
    assert pick_round_robin([host("a", 0, booked=4, weight=2), host("b", 1, booked=2)]) == "a"
    assert pick_round_robin([host("b", 1, booked=2), host("a", 0, booked=4, weight=2)]) == "a"
    # 1/3 vs 1/3 with floats would be the same too; 2/6 vs 1/3 exactly equal as well.
    assert (
        pick_round_robin([host("a", 1, booked=2, weight=6), host("b", 0, booked=1, weight=3)])
        == "b"
    )


def test_then_priority_then_least_recent_then_order() -> None:
    assert pick_round_robin([host("a", 0, priority=1), host("b", 1, priority=5)]) == "b"
    never = host("a", 1)
    booked = host("b", 0, last=T)
    assert pick_round_robin([booked, never]) == "a"  # never booked first
    older = host("c", 2, last=T.replace(day=1))
    assert pick_round_robin([booked, older]) == "c"
    assert pick_round_robin([host("x", 3), host("y", 1), host("z", 2)]) == "y"


def test_weights_share_out_many_bookings() -> None:
    """Picking repeatedly and counting each pick gives a weight-2 host twice the bookings."""
    counts = {"a": 0, "b": 0, "c": 0}
    weights = {"a": 1, "b": 2, "c": 1}
    for _ in range(400):
        chosen = pick_round_robin(
            [host(h, i, booked=counts[h], weight=weights[h]) for i, h in enumerate(counts)]
        )
        counts[chosen] += 1
    assert counts == {"a": 100, "b": 200, "c": 100}


def test_no_free_host_is_an_error_and_month_start() -> None:
    with pytest.raises(ValueError, match="no free host"):
        pick_round_robin([])
    assert month_start(T) == datetime(2026, 4, 1, tzinfo=UTC)
