"""A database outage for an app in process: ``database_unreachable(app)`` swaps its database for
one nothing listens for (connection refused); ``database_busy(app)`` makes its own database refuse
every statement as busy (SQLite's "database is locked"). Both restore the database afterwards."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from astrocal_server.storage.db import Database
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

__all__ = ["closed_port", "database_busy", "database_unreachable"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port  # nothing listens once the socket is closed


@asynccontextmanager
async def database_unreachable(app: FastAPI) -> AsyncIterator[None]:
    state = app.state.astrocal
    real = state.db
    state.db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/test")
    try:
        yield
    finally:
        await state.db.dispose()
        state.db = real


@contextmanager
def _refusing(engine: Any) -> Iterator[None]:
    def refuse(*_: Any) -> None:
        raise sa_exc.OperationalError("<any>", {}, sqlite3.OperationalError("database is locked"))

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


@asynccontextmanager
async def database_busy(app: FastAPI) -> AsyncIterator[None]:
    with _refusing(app.state.astrocal.db.engine.sync_engine):
        yield
