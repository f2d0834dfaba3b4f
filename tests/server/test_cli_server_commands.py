"""`astrocal migrate`, the first-run bootstrap that `astrocal serve` uses, and the composition root
(``open_services``) that the app, the worker and the local commands share."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from astrocal_cli.app import app
from astrocal_cli.commands import register_all
from astrocal_server.bootstrap import ensure_initialised, next_weekday
from astrocal_server.clock import FixedClock
from astrocal_server.composition import open_services
from astrocal_server.config import Settings
from astrocal_server.state import AppState
from sqlalchemy import text
from typer.testing import CliRunner


def test_migrate_command_creates_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    register_all()
    db = tmp_path / "x.db"
    result = CliRunner().invoke(app, ["migrate", "--database-url", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    tables = {
        r[0]
        for r in sqlite3.connect(db).execute("select name from sqlite_master where type='table'")
    }
    assert {
        "accounts",
        "api_keys",
        "schedules",
        "event_types",
        "bookings",
        "alembic_version",
    } <= tables


def test_bad_database_url_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    register_all()
    result = CliRunner().invoke(app, ["migrate", "--database-url", "mysql://nope"])
    assert result.exit_code == 2
    assert "must be a SQLite URL" in result.output


async def test_bootstrap_runs_once(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", _env_file=None)  # type: ignore[call-arg]
    clock = FixedClock(datetime(2026, 4, 17, 12, 0, tzinfo=UTC))  # a Friday
    first = await ensure_initialised(settings, clock)
    assert first is not None
    assert first.created.test_key.secret.startswith("sk_test_")
    assert first.test_event_type_id.startswith("evt_") and first.live_event_type_id.startswith(
        "evt_"
    )
    assert await ensure_initialised(settings, clock) is None


def test_next_weekday() -> None:
    assert next_weekday(date(2026, 4, 17)) == date(2026, 4, 20)  # Friday → Monday
    assert next_weekday(date(2026, 4, 13)) == date(2026, 4, 14)
    assert next_weekday(date(2026, 4, 18)) == date(2026, 4, 20)


async def test_open_services_migrates_then_enters_the_hooks_and_leaves_them_in_reverse(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", _env_file=None)  # type: ignore[call-arg]
    events: list[str] = []

    def hook(name: str) -> Callable[[AppState], AbstractAsyncContextManager[None]]:
        @asynccontextmanager
        async def enter(state: AppState) -> AsyncIterator[None]:
            events.append(f"enter {name}")
            yield
            events.append(f"exit {name}")

        return enter

    clock = FixedClock(datetime(2026, 4, 17, 12, 0, tzinfo=UTC))
    async with open_services(settings, clock=clock, hooks=[hook("a"), hook("b")]) as state:
        assert state.clock is clock and state.relay is None
        async with state.db.read() as session:
            assert (await session.execute(text("select count(*) from accounts"))).scalar() == 0
        events.append("running")
    assert events == ["enter a", "enter b", "running", "exit b", "exit a"]
