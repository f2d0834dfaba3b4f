"""Webhook tests: a clock near real time (the ``standardwebhooks`` verifier checks timestamps
against the real clock) and a 5-second delivery timeout. The receiver and the event helpers are
in ``tests/support/webhooks.py``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings

from tests.support.app import server_settings


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings(db_url: str) -> Settings:
    return server_settings(db_url, webhook_timeout_seconds=5.0)
