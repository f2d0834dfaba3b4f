"""An app factory for server subprocesses in tests: the real app with its clock pinned to
``ASTROCAL_TEST_NOW`` (RFC 3339), so separate processes agree on "now" without wall-clock luck.

Run with ``uvicorn pinned_app:create --factory --app-dir tests/server/bookings``.
"""

from __future__ import annotations

import os
from datetime import datetime

from astrocal_server.app import create_app
from astrocal_server.clock import FixedClock
from fastapi import FastAPI

__all__ = ["create"]


def create() -> FastAPI:
    now = datetime.fromisoformat(os.environ["ASTROCAL_TEST_NOW"].replace("Z", "+00:00"))
    return create_app(clock=FixedClock(now))
