"""A database that cannot be reached or is busy answers 503 + Retry-After (retryable), not a 500."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Awaitable, Callable

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import exc as sa_exc


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port  # nothing listens once the socket is closed


async def _postgres_refuses() -> None:
    await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{_closed_port()}/test", timeout=5)


async def _sqlite_locked() -> None:
    raise sa_exc.OperationalError(
        "BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")
    )


async def _pool_exhausted() -> None:
    raise sa_exc.TimeoutError("QueuePool limit of size 20 overflow 0 reached")


async def _bug() -> None:
    raise RuntimeError("a bug, not an outage")


async def _refused_elsewhere() -> None:
    raise ConnectionRefusedError("an HTTP peer, not the database")


FAILURES: dict[str, Callable[[], Awaitable[None]]] = {
    "postgres-refuses": _postgres_refuses,
    "sqlite-locked": _sqlite_locked,
    "pool-exhausted": _pool_exhausted,
    "bug": _bug,
    "refused-elsewhere": _refused_elsewhere,
}


@pytest.fixture
def failing(app: FastAPI) -> None:
    router = APIRouter()
    for name, fail in FAILURES.items():

        async def endpoint(fail: Callable[[], Awaitable[None]] = fail) -> None:
            await fail()

        router.add_api_route(f"/v1/_test/{name}", endpoint, methods=["GET"])
    app.include_router(router)


@pytest.mark.parametrize("name", ["postgres-refuses", "sqlite-locked", "pool-exhausted"])
async def test_an_unreachable_or_busy_database_is_a_retryable_503(
    client: httpx.AsyncClient, failing: None, name: str
) -> None:
    response = await client.get(f"/v1/_test/{name}")
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("api_error", "database_unavailable")
    assert error["request_id"] == response.headers["x-request-id"]
    assert "Retry" in error["message"]


@pytest.mark.parametrize("name", ["bug", "refused-elsewhere"])
async def test_anything_else_stays_a_500(
    client: httpx.AsyncClient, failing: None, name: str
) -> None:
    response = await client.get(f"/v1/_test/{name}")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "retry-after" not in response.headers
