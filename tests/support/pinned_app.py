"""An app factory for server subprocesses in tests: the real app with its clock pinned to
``ASTROCAL_TEST_NOW`` (RFC 3339), so separate processes agree on "now" without wall-clock luck,
and a small connection pool (``ASTROCAL_TEST_POOL_SIZE``, default 8), so several servers fit within
PostgreSQL's connection limit next to other test processes.

Run with ``uvicorn pinned_app:create --factory --app-dir tests/support``.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import astrocal_server.app as app_module
from astrocal_server.app import create_app
from astrocal_server.clock import FixedClock
from astrocal_server.storage.db import Database
from fastapi import FastAPI

__all__ = ["create"]


class _SmallPoolDatabase(Database):
    def __init__(self, url: str, **kwargs: Any) -> None:
        kwargs.setdefault("pool_size", int(os.environ.get("ASTROCAL_TEST_POOL_SIZE", "8")))
        super().__init__(url, **kwargs)


def create() -> FastAPI:
    now = datetime.fromisoformat(os.environ["ASTROCAL_TEST_NOW"].replace("Z", "+00:00"))
    app_module.Database = _SmallPoolDatabase  # type: ignore[attr-defined]  # swapped for the pool size
    return create_app(clock=FixedClock(now))
