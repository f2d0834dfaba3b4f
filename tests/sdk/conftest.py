"""Fixtures for SDK tests: the reference server in-process (ASGI) and on a loopback port.

- The server fixtures of ``tests/support/app.py`` (``app``, ``make_account``, ``account``,
  ``api_key``, ``clock``, …) are reused as they are, on SQLite only: these tests are about the
  client, not the database.
- ``aclient``: an ``AsyncAstrocal`` talking to ``app`` in memory through ``httpx.ASGITransport``.
- ``live_server``: the server on ``127.0.0.1:<free port>`` in a thread (its own event loop),
  for the sync client and real HTTP; ``sync_client`` is an ``Astrocal`` on it with a fresh
  account's test key, made through the SDK's own signup call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from astrocal_sdk import Astrocal, AsyncAstrocal
from fastapi import FastAPI

from tests.support.clocks import NOW
from tests.support.databases import sqlite_url
from tests.support.sdk import LiveServer, no_sleep, serve


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return sqlite_url(tmp_path_factory.mktemp("db"))


@pytest.fixture
async def aclient(app: FastAPI, api_key: str) -> AsyncIterator[AsyncAstrocal]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as http:
        client = AsyncAstrocal(api_key=api_key, base_url="http://testserver", http_client=http)
        client._sleep = no_sleep
        yield client


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The server with its clock pinned at ``NOW``."""
    from astrocal_server.clock import FixedClock

    with serve(tmp_path_factory.mktemp("live"), FixedClock(NOW)) as server:
        yield server


@pytest.fixture
def sync_client(live_server: LiveServer) -> Iterator[Astrocal]:
    client = Astrocal(api_key=live_server.new_key(), base_url=live_server.url)
    client._sleep = lambda seconds: None
    with client:
        yield client
