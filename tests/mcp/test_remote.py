"""The reference server's ``/mcp`` endpoint: streamable HTTP, authenticated with the API's keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from fastapi import FastAPI
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.support.app import asgi_client, create_test_account, running_app

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


@asynccontextmanager
async def remote_client(app: FastAPI, key: str) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app),
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {key}"},
    )
    async with http, Client(streamable_http_client("http://testserver/mcp", http_client=http)) as c:
        yield c


async def test_mcp_endpoint_serves_the_tools_with_the_callers_key(
    ref_app: FastAPI, api_key: str, event_type_id: str
) -> None:
    async with remote_client(ref_app, api_key) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"check_availability", "create_booking", "cancel_booking"} <= names
        now = await client.call_tool("get_current_time", {"time_zone": "Europe/Berlin"})
        assert now.structured_content["now"] == "2026-04-13T10:00:00+02:00"  # the server's clock
        listed = await client.call_tool("list_event_types", {})
        assert not listed.is_error, listed.content
        assert [e["id"] for e in listed.structured_content["event_types"]] == [event_type_id]
        # No default event type on the hosted endpoint: the model is told to pick one.
        missing = await client.call_tool(
            "check_availability", {"start_date": "2026-04-14", "end_date": "2026-04-14"}
        )
        assert missing.is_error and "list_event_types" in missing.content[0].text


async def test_mcp_endpoint_refuses_missing_and_bad_keys(
    http: Callable[[], httpx.AsyncClient], api_key: str
) -> None:
    async with http() as client:
        missing = await client.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
        assert missing.status_code == 401
        # RFC 9728: the challenge names the resource's metadata document.
        assert missing.headers["www-authenticate"] == (
            'Bearer resource_metadata="http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp"'
        )
        error = missing.json()["error"]
        assert error["code"] == "authentication_required"
        assert error["request_id"] == missing.headers["x-request-id"]

        wrong = await client.post(
            "/mcp",
            json=INITIALIZE,
            headers={**MCP_HEADERS, "Authorization": "Bearer sk_test_wrongwrongwrong"},
        )
        assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "invalid_api_key")

        ok = await client.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": f"Bearer {api_key}"}
        )
        assert ok.status_code == 200, ok.text
        body: dict[str, Any] = ok.json()
        assert body["result"]["serverInfo"]["name"] == "astrocal"


@pytest.mark.parametrize(
    "path", ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]
)
async def test_mcp_publishes_protected_resource_metadata(
    http: Callable[[], httpx.AsyncClient], path: str
) -> None:
    async with http() as client:
        response = await client.get(path)  # no key: clients read it before they have one
    assert response.status_code == 200
    assert response.json() == {
        "resource": "http://127.0.0.1:8000/mcp",
        "resource_name": "Astrocal MCP",
        "bearer_methods_supported": ["header"],
        "resource_documentation": "http://127.0.0.1:8000/docs",
    }


async def test_mcp_ignores_an_idempotency_key_and_answers_promptly(
    http: Callable[[], httpx.AsyncClient], api_key: str
) -> None:
    # /mcp is not an idempotent REST operation: the header claims nothing and the body stays
    # for the MCP handler (it used to be read by the idempotency layer, and /mcp hung).
    import anyio

    headers = {**MCP_HEADERS, "Authorization": f"Bearer {api_key}", "Idempotency-Key": "mcp-1"}
    async with http() as client:
        for _ in range(2):  # a second request with the same key is not a "replay" either
            with anyio.fail_after(10):
                ok = await client.post("/mcp", json=INITIALIZE, headers=headers)
            assert ok.status_code == 200, ok.text
            assert ok.json()["result"]["serverInfo"]["name"] == "astrocal"
            assert "idempotent-replayed" not in ok.headers
        with anyio.fail_after(10):
            listed = await client.post(
                "/mcp", json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers=headers
            )
        assert listed.status_code == 200, listed.text


async def test_keys_of_one_account_see_only_its_objects(
    ref_app: FastAPI, event_type_id: str, other_api_key: str
) -> None:
    async with remote_client(ref_app, other_api_key) as client:
        listed = await client.call_tool("list_event_types", {})
        assert listed.structured_content["event_types"] == []


async def test_another_accounts_event_type_is_not_found(
    ref_app: FastAPI, event_type_id: str, other_api_key: str
) -> None:
    async with remote_client(ref_app, other_api_key) as client:
        foreign = await client.call_tool(
            "check_availability",
            {"event_type_id": event_type_id, "start_date": "2026-04-14", "end_date": "2026-04-14"},
        )
        assert foreign.is_error and "resource_missing" in foreign.content[0].text


async def test_without_the_mcp_extra_the_server_starts_and_mcp_answers_501(
    settings: Any, clock: Any, monkeypatch: Any
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "astrocal_mcp.hosted", None)  # as if not installed
    async with running_app(settings, clock) as app, asgi_client(app) as client:
        created = await create_test_account(app, clock)
        headers = {**MCP_HEADERS, "Authorization": f"Bearer {created.test_key.secret}"}
        response = await client.post("/mcp", json=INITIALIZE, headers=headers)
    assert response.status_code == 501
    assert response.json()["error"]["code"] == "mcp_unavailable"
