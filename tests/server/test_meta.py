"""Health, readiness, request ids, the error envelope for routing failures, and the published contract."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from fastapi import FastAPI


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.headers["x-request-id"].startswith("req_")
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "checks": {"database": "ok"}}


async def test_incoming_request_id_is_kept_and_insane_ones_replaced(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/healthz", headers={"X-Request-Id": "req_abc123"})
    assert r.headers["x-request-id"] == "req_abc123"
    r = await client.get("/healthz", headers={"X-Request-Id": "no spaces <allowed>"})
    assert r.headers["x-request-id"].startswith("req_")


async def test_unknown_route_is_an_enveloped_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/nothing-here")
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "route_not_found"
    assert error["request_id"] == r.headers["x-request-id"]


async def test_wrong_method_is_an_enveloped_405(client: httpx.AsyncClient) -> None:
    r = await client.put("/v1/schedules")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"


async def test_oversized_body_is_413(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    r = await client.post(
        "/v1/event_types", headers=auth_headers, content=b"{" + b" " * 2_000_000 + b"}"
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "request_too_large"


SPEC_BYTES = (Path(__file__).resolve().parents[2] / "openapi.yaml").read_bytes()


async def test_contract_is_served_as_written(client: httpx.AsyncClient) -> None:
    source = SPEC_BYTES
    r = await client.get("/v1/openapi.yaml")
    assert r.status_code == 200 and r.content == source
    assert r.headers["content-type"].startswith("application/yaml")
    r = await client.get("/v1/openapi.json")
    assert r.status_code == 200 and r.json() == yaml.safe_load(source)
    r = await client.get("/docs")
    assert r.status_code == 200 and "/v1/openapi.json" in r.text


async def test_unexpected_errors_are_a_500_envelope_without_traceback(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/v1/boom", boom)
    r = await client.get("/v1/boom")
    assert r.status_code == 500
    error = r.json()["error"]
    assert error["type"] == "api_error" and error["request_id"] == r.headers["x-request-id"]
    assert "secret internals" not in r.text and "Traceback" not in r.text
    assert any(error["request_id"] in rec.getMessage() for rec in caplog.records)


async def test_readyz_is_503_when_the_database_is_gone(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    from astrocal_server.storage.db import Database

    state = app.state.astrocal
    real = state.db
    state.db = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        r = await client.get("/readyz")
    finally:
        await state.db.dispose()
        state.db = real
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable", "checks": {"database": "failed"}}
