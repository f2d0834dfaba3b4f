"""Fixtures for MCP tests: the reference server in process (pinned clock, tmp SQLite), an account
with a test key and an event type, an SDK client on it, and the MCP server built on that client.

- ``ref_app``: ``create_app(settings, clock=clock)`` with its lifespan entered.
- ``api_key`` / ``event_type_id``: a test-mode key of an account in Europe/Berlin (default
  schedule Mon–Fri 09:00–17:00 local) and a 30-minute event type.
- ``other_api_key``: a test-mode key of a second account.
- ``build``: ``build(default_event_type_id=..., api_key=...)`` → an ``MCPServer`` whose tools call
  the reference server through ``AsyncAstrocal`` over an in-memory ASGI transport.
- ``connect``: ``async with connect(server) as client`` → an ``mcp.Client`` talking to it in memory.
- ``mcp``: ``async with mcp(**build_options) as client``, the two above in one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from fastapi import FastAPI

from tests.support.agent import Mcp
from tests.support.app import BASE_URL, asgi_client, bearer, create_test_account, running_app
from tests.support.bookings import create_event_type
from tests.support.databases import sqlite_url

# ``clock`` (pinned at ``NOW``, Monday 10:00 in Berlin) comes from tests/support/clocks.py.


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=sqlite_url(tmp_path),
        email_backend="memory",
        run_relay=False,
        _env_file=None,
    )


@pytest.fixture
async def ref_app(settings: Settings, clock: FixedClock) -> AsyncIterator[FastAPI]:
    async with running_app(settings, clock) as application:
        yield application


@pytest.fixture
def http(ref_app: FastAPI) -> Callable[[], httpx.AsyncClient]:
    return lambda: asgi_client(ref_app)


@pytest.fixture
async def api_key(ref_app: FastAPI, clock: FixedClock) -> str:
    created = await create_test_account(ref_app, clock)
    return created.test_key.secret


@pytest.fixture
async def other_api_key(ref_app: FastAPI, clock: FixedClock) -> str:
    """A test-mode key of a second account (UTC), which must see none of the first's objects."""
    other = await create_test_account(
        ref_app, clock, name="Other", email="other@example.com", time_zone="UTC"
    )
    return other.test_key.secret


@pytest.fixture
async def event_type_id(api_key: str, http: Callable[[], httpx.AsyncClient]) -> str:
    async with http() as client:
        fields = {"title": "Intro call", "slug": "intro-call", "duration_minutes": 30}
        return str((await create_event_type(client, bearer(api_key), **fields))["id"])


Build = Callable[..., Any]


@pytest.fixture
def build(
    http: Callable[[], httpx.AsyncClient], api_key: str, event_type_id: str, clock: FixedClock
) -> Iterator[Build]:
    from astrocal_mcp.server import build_server
    from astrocal_sdk import AsyncAstrocal

    def make(*, default_event_type_id: str | None = event_type_id, key: str = api_key) -> Any:
        @asynccontextmanager
        async def clients() -> AsyncIterator[AsyncAstrocal]:
            async with http() as transport_client:
                yield AsyncAstrocal(
                    api_key=key, base_url=BASE_URL, http_client=transport_client, max_retries=0
                )

        return build_server(
            clients=clients,
            api_url=BASE_URL,
            default_event_type_id=default_event_type_id,
            clock=clock.now,
        )

    yield make


@pytest.fixture
def connect() -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    from mcp import Client

    def open_client(server: Any) -> AbstractAsyncContextManager[Any]:
        return Client(server)

    return open_client


@pytest.fixture
def mcp(build: Build, connect: Callable[[Any], AbstractAsyncContextManager[Any]]) -> Mcp:
    def open_client(**build_options: Any) -> AbstractAsyncContextManager[Any]:
        return connect(build(**build_options))

    return open_client
