"""Fixtures for CLI tests: a real reference server on a free loopback port, and ways to run the CLI.

- ``server``: uvicorn serving ``create_app`` (tmp SQLite, pinned clock at ``NOW``, relay on, private
  webhook targets allowed) in a background thread; ``server.url``; one per xdist worker.
- ``account``: a fresh account on it (``account.test_key`` etc., the POST /v1/accounts body).
- ``api``: an ``httpx.Client`` on the server with the account's test key (what the CLI's ``--json``
  output is compared against).
- ``run``: ``run("bookings", "list", "--json")`` → Click ``Result`` via Typer's ``CliRunner`` with an
  isolated config dir and the account's key in ``ASTROCAL_API_KEY``.
- ``run_process``: the same as a real ``python -m astrocal_cli`` subprocess.
- ``receiver``: a loopback HTTP endpoint that records webhook deliveries.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from astrocal_cli.app import app as cli_app
from astrocal_cli.commands import register_all
from click.testing import Result
from typer.testing import CliRunner

# The real CalDAV server fixture of the calendar tests, reused as is.
from ..server.calendars.conftest import radicale_server  # noqa: F401

NOW = datetime(2026, 4, 13, 8, 0, tzinfo=UTC)  # a Monday, as in tests/server


@dataclass
class RunningServer:
    url: str
    database_url: str
    clock: Any
    app: Any


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    import uvicorn
    from astrocal_server.app import create_app
    from astrocal_server.clock import FixedClock
    from astrocal_server.config import Settings

    db = tmp_path_factory.mktemp("cli-server") / "astrocal.db"
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{db}",
        signup_enabled=True,
        allow_private_webhook_targets=True,
        allow_private_calendar_servers=True,
        email_backend="memory",
        run_relay=True,
        google_client_id="123.apps.googleusercontent.com",
        google_client_secret="google-secret",
        microsoft_client_id="00000000-aaaa-bbbb-cccc-111111111111",
        microsoft_client_secret="microsoft-secret",
        _env_file=None,  # type: ignore[call-arg]
    )
    clock = FixedClock(NOW)
    application = create_app(settings, clock=clock)
    sock = _free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(application, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    # Wait for readiness by asking the server, not by sleeping a guessed amount.
    with httpx.Client(base_url=url, timeout=5) as probe:
        for _ in range(500):
            if uv.started:
                try:
                    if probe.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
            threading.Event().wait(0.01)
        else:
            raise RuntimeError("the test server did not start")
    try:
        yield RunningServer(
            url=url, database_url=settings.database_url, clock=clock, app=application
        )
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def account(server: RunningServer) -> dict[str, Any]:
    email = f"owner-{uuid.uuid4().hex[:10]}@example.com"
    response = httpx.post(
        f"{server.url}/v1/accounts",
        json={"name": "CLI Test Co", "email": email, "time_zone": "Europe/Berlin"},
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def api_key(account: dict[str, Any]) -> str:
    return account["test_key"]["secret"]


@pytest.fixture
def api(server: RunningServer, api_key: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {api_key}"}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    path = tmp_path / "astrocal-config"
    return path


@pytest.fixture
def cli_env(server: RunningServer, api_key: str, config_dir: Path) -> dict[str, str | None]:
    """The CLI's environment; ``None`` unsets a variable."""
    return {
        "ASTROCAL_CONFIG_DIR": str(config_dir),
        "ASTROCAL_API_KEY": api_key,
        "ASTROCAL_BASE_URL": server.url,
        "ASTROCAL_API_URL": None,
        "ASTROCAL_PROFILE": None,
        "ASTROCAL_DATABASE_URL": None,
        "COLUMNS": "200",
        "TZ": "UTC",
    }


Run = Callable[..., Result]


@pytest.fixture
def run(cli_env: dict[str, str | None]) -> Run:
    register_all()

    def invoke(
        *args: str, input: str | None = None, env: dict[str, str | None] | None = None
    ) -> Result:
        merged = {**cli_env, **(env or {})}
        return CliRunner().invoke(cli_app, list(args), input=input, env=merged)

    return invoke


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


RunProcess = Callable[..., Completed]


@pytest.fixture
def run_process(cli_env: dict[str, str | None]) -> RunProcess:
    def invoke(
        *args: str, input: str | None = None, env: dict[str, str | None] | None = None
    ) -> Completed:
        merged = {
            k: v for k, v in {**os.environ, **cli_env, **(env or {})}.items() if v is not None
        }
        proc = subprocess.run(
            [sys.executable, "-m", "astrocal_cli", *args],
            input=input,
            capture_output=True,
            text=True,
            env=merged,
            timeout=60,
            check=False,
        )
        return Completed(proc.returncode, proc.stdout, proc.stderr)

    return invoke


@dataclass
class Receiver:
    url: str
    deliveries: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)

    def next(self, timeout: float = 10.0) -> dict[str, Any]:
        return self.deliveries.get(timeout=timeout)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    deliveries: queue.Queue[dict[str, Any]] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            deliveries.put({"headers": dict(self.headers.items()), "body": body})
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(
            url=f"http://127.0.0.1:{httpd.server_address[1]}/hook", deliveries=deliveries
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
