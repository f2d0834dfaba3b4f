"""The pinned test clock: ``NOW`` is Monday 2026-04-13 08:00 UTC; ``clock`` is a ``FixedClock`` at it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from astrocal_server.clock import FixedClock

NOW = datetime(2026, 4, 13, 8, 0, tzinfo=UTC)  # a Monday (10:00 in Berlin)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)
