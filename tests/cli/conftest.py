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

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from astrocal_cli.app import app as cli_app
from astrocal_cli.commands import register_all
from typer.testing import CliRunner, Result

from tests.support.app import server_settings
from tests.support.calendars import GOOGLE_CLIENT_ID, MICROSOFT_CLIENT_ID
from tests.support.cli import (
    Completed,
    Receiver,
    Run,
    RunningServer,
    RunProcess,
    delivery_receiver,
)
from tests.support.clocks import NOW
from tests.support.databases import sqlite_url
from tests.support.live import serve_app


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    from astrocal_server.app import create_app
    from astrocal_server.clock import FixedClock

    settings = server_settings(
        sqlite_url(tmp_path_factory.mktemp("cli-server")),
        allow_private_calendar_servers=True,
        run_relay=True,
        google_client_id=GOOGLE_CLIENT_ID,
        google_client_secret="google-secret",
        microsoft_client_id=MICROSOFT_CLIENT_ID,
        microsoft_client_secret="microsoft-secret",
        oauth_redirect_allowlist=["https://app.example"],
    )
    clock = FixedClock(NOW)
    application = create_app(settings, clock=clock)
    with serve_app(application) as url:
        yield RunningServer(
            url=url, database_url=settings.database_url, clock=clock, app=application
        )


@pytest.fixture
def account(server: RunningServer) -> dict[str, Any]:
    email = f"owner-{uuid.uuid4().hex[:10]}@example.com"
    response = httpx.post(
        f"{server.url}/v1/accounts",
        json={"name": "CLI Test Co", "email": email, "time_zone": "Europe/Berlin"},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.fixture
def api_key(account: dict[str, Any]) -> str:
    return str(account["test_key"]["secret"])


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


@pytest.fixture
def run(cli_env: dict[str, str | None]) -> Run:
    register_all()

    def invoke(
        *args: str, input: str | None = None, env: dict[str, str | None] | None = None
    ) -> Result:
        merged = {**cli_env, **(env or {})}
        return CliRunner().invoke(cli_app, list(args), input=input, env=merged)

    return invoke


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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with delivery_receiver() as r:
        yield r
