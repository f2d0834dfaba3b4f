"""Fixtures for SDK tests: the reference server in-process (ASGI) and on a loopback port.

- The server fixtures of ``tests/server/conftest.py`` (``app``, ``make_account``, ``account``,
  ``api_key``, ``clock``, …) are reused as they are, on SQLite only: these tests are about the
  client, not the database.
- ``aclient``: an ``AsyncAstrocal`` talking to ``app`` in memory through ``httpx.ASGITransport``.
- ``live_server``: the server on ``127.0.0.1:<free port>`` in a thread (its own event loop),
  for the sync client and real HTTP; ``sync_client`` is an ``Astrocal`` on it with a fresh
  account's test key, made through the SDK's own signup call.
"""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from astrocal_sdk import Astrocal, AsyncAstrocal
from astrocal_server.clock import Clock
from fastapi import FastAPI


def _load_server_conftest() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "server" / "conftest.py"
    spec = importlib.util.spec_from_file_location("_astrocal_tests_server_conftest", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_server = _load_server_conftest()
NOW = _server.NOW
clock = _server.clock
settings = _server.settings
app = _server.app
make_account = _server.make_account
account = _server.account
api_key = _server.api_key
live_api_key = _server.live_api_key


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("db") / "astrocal.db"
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def aclient(app: FastAPI, api_key: str) -> AsyncIterator[AsyncAstrocal]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as http:
        client = AsyncAstrocal(api_key=api_key, base_url="http://testserver", http_client=http)
        client._sleep = _no_sleep
        yield client


async def _no_sleep(seconds: float) -> None:
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    def __init__(self, url: str) -> None:
        self.url = url

    def new_key(self) -> str:
        """A fresh account's test key, through the SDK's signup call."""
        signup = Astrocal(api_key="unused-for-signup", base_url=self.url)
        with signup:
            created = signup.accounts.create(
                name="SDK Test Co",
                email=f"sdk-{uuid.uuid4().hex[:10]}@example.com",
                time_zone="Europe/Berlin",
            )
        return created.test_key.secret


@contextlib.contextmanager
def serve(db_dir: Path, clock: Clock) -> Iterator[LiveServer]:
    """The reference server on a free loopback port, in a thread with its own event loop."""
    import uvicorn
    from astrocal_server.app import create_app
    from astrocal_server.config import Settings

    server_settings = Settings(
        database_url=f"sqlite+aiosqlite:///{db_dir / 'astrocal.db'}",
        signup_enabled=True,
        allow_private_webhook_targets=True,
        email_backend="memory",
        run_relay=False,
        _env_file=None,  # type: ignore[call-arg]
    )
    application = create_app(server_settings, clock=clock)
    port = free_port()
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # uvicorn sets ``started`` once it listens; wait on the thread (not the wall clock) meanwhile.
    for _ in range(400):
        if server.started or not thread.is_alive():
            break
        thread.join(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield LiveServer(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(10)


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
