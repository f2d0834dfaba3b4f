"""An app factory for server subprocesses in tests: the real app with its clock pinned to
``ASTROCAL_TEST_NOW`` (RFC 3339), so separate processes agree on "now" without wall-clock luck,
and a small connection pool (``ASTROCAL_TEST_POOL_SIZE``, default 8), so several servers fit within
PostgreSQL's connection limit next to other test processes.

Run with ``uvicorn pinned_app:create --factory --app-dir tests/support``.
"""

from __future__ import annotations

import os
from datetime import datetime

from astrocal_server.app import create_app
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from fastapi import FastAPI

__all__ = ["create"]


def create() -> FastAPI:
    now = datetime.fromisoformat(os.environ["ASTROCAL_TEST_NOW"].replace("Z", "+00:00"))
    pool_size = int(os.environ.get("ASTROCAL_TEST_POOL_SIZE", "8"))
    return create_app(Settings(database_pool_size=pool_size), clock=FixedClock(now))
