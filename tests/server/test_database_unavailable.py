"""A database that cannot be reached or is busy answers 503 + Retry-After (retryable), not a 500.

Every operation of openapi.yaml is driven with the database down (unreachable, and busy: every
statement refused with "database is locked"): an operation that declares 503 answers exactly its
declared 503 (``database_unavailable`` with ``Retry-After`` for the shared envelope), and one that
does not declare it answers its success status, because it never needs the database. This is the
test that makes each declared 503 reachable (see tests/server/test_declared_errors.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import exc as sa_exc

from tests.support.outage import closed_port, database_busy, database_unreachable
from tests.support.spec import Validate
from tests.support.spec_ops import resolve
from tests.support.spec_requests import CREDENTIALS, SpecOperation, example_request, operations


async def _postgres_refuses() -> None:
    await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{closed_port()}/test", timeout=5)


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


OUTAGES = {"unreachable": database_unreachable, "busy": database_busy}
# Well-formed ids of no object: with the database down, nothing gets as far as looking them up.
PLACEHOLDER_ID = "x_1"
# A well-formed invitee token (a malformed one is refused before the database is asked).
PLACEHOLDER_TOKEN = "A" * 43
# Query parameters a request needs but the contract leaves optional (one of them is required).
QUERY_NEEDS = {"invitee.availability": {"date": "2026-04-15"}}


@pytest.mark.parametrize("outage", sorted(OUTAGES))
@pytest.mark.parametrize("op", operations(), ids=str)
async def test_every_operation_answers_its_declared_503_when_the_database_is_down(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    validate: Validate,
    op: SpecOperation,
    outage: str,
) -> None:
    ids = {
        slot: PLACEHOLDER_TOKEN if slot.id_name in CREDENTIALS else PLACEHOLDER_ID
        for slot in op.id_slots
    }
    request = example_request(op, ids, query=QUERY_NEEDS.get(op.operation_id))
    headers = {} if op.public else auth_headers
    async with OUTAGES[outage](app):
        response = await client.request(
            request.method, request.path, params=request.params, json=request.json, headers=headers
        )
    declared = op.raw["responses"].get("503")
    if declared is None:
        success = [code for code in op.statuses if code.startswith("2")]
        assert str(response.status_code) in success, response.text
        return
    assert response.status_code == 503, response.text
    schema = resolve(declared)["content"]["application/json"]["schema"]
    assert validate(response.json(), schema["$ref"].removeprefix("#")) == []
    if schema["$ref"].endswith("/Error"):
        assert response.json()["error"]["code"] == "database_unavailable"
        assert int(response.headers["retry-after"]) >= 0
