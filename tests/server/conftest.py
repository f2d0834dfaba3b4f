"""Fixtures for server tests: a database (SQLite, and PostgreSQL when configured), an app with a
pinned clock, an HTTP client on it, and accounts with keys.

Reuse them from any tests/server/** test:
- ``db_url``: module-scoped, parametrised over ``sqlite`` and ``postgres`` (postgres skips unless
  ``ASTROCAL_TEST_POSTGRES_URL`` is set; then each test module gets its own database, dropped after).
- ``clock``: a ``FixedClock`` at ``NOW`` (Monday 2026-04-13 08:00 UTC).
- ``settings``: ``Settings`` for the test database (signup on, private webhook targets allowed,
  email backend ``memory``, relay off).
- ``app``: ``create_app(settings, clock=clock)`` with its lifespan entered (migrated, state ready).
- ``client``: an ``httpx.AsyncClient`` talking to ``app`` in memory.
- ``make_account``: ``await make_account(time_zone=...)`` → ``NewAccount`` (keys' secrets on
  ``.live_key.secret`` / ``.test_key.secret``).
- ``account``: one account; ``api_key``: its test secret; ``live_api_key``: its live secret;
  ``auth_headers``: ``{"Authorization": "Bearer <api_key>"}``; ``live_headers`` likewise.
- ``other_headers``: headers of a second, unrelated account (cross-tenant tests).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from astrocal_server.accounts import NewAccount, create_account
from astrocal_server.app import create_app
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from fastapi import FastAPI

NOW = datetime(2026, 4, 13, 8, 0, tzinfo=UTC)  # a Monday
PG_SKIP = (
    "PostgreSQL tests skipped: set ASTROCAL_TEST_POSTGRES_URL="
    "postgresql+asyncpg://postgres@127.0.0.1:5432/test to run them"
)


def _pg_admin_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _pg_exec(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_pg_admin_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """Create a uniquely named database next to ``base_url``; return its URL and a dropper."""
    from sqlalchemy.engine import make_url

    name = f"astrocal_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(base_url, f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        asyncio.run(_pg_exec(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return url, drop


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "astrocal.db"
        yield f"sqlite+aiosqlite:///{path}"
        return
    base = os.environ.get("ASTROCAL_TEST_POSTGRES_URL")
    if not base:
        pytest.skip(PG_SKIP)
    url, drop = postgres_database(base)
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        signup_enabled=True,
        allow_private_webhook_targets=True,
        email_backend="memory",
        run_relay=False,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


MakeAccount = Callable[..., Awaitable[NewAccount]]


@pytest.fixture
def make_account(app: FastAPI, clock: FixedClock) -> MakeAccount:
    async def make(
        *,
        name: str = "Test Co",
        email: str = "owner@example.com",
        time_zone: str = "Europe/Berlin",
        plan: str | None = None,
    ) -> NewAccount:
        state = app.state.astrocal
        async with state.db.write() as session:
            return await create_account(
                session,
                name=name,
                email=email,
                time_zone=time_zone,
                plan=plan or state.settings.default_plan,
                clock=clock,
            )

    return make


@pytest.fixture
async def account(make_account: MakeAccount) -> NewAccount:
    return await make_account()


@pytest.fixture
def api_key(account: NewAccount) -> str:
    return account.test_key.secret


@pytest.fixture
def live_api_key(account: NewAccount) -> str:
    return account.live_key.secret


@pytest.fixture
def auth_headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


@pytest.fixture
def live_headers(live_api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {live_api_key}"}


@pytest.fixture
async def other_headers(make_account: MakeAccount) -> dict[str, str]:
    other = await make_account(name="Other Co", email="other@example.com")
    return {"Authorization": f"Bearer {other.test_key.secret}"}


AddBooking = Callable[..., Awaitable[str]]


@pytest.fixture
def add_booking(app: FastAPI, clock: FixedClock) -> AddBooking:
    """Insert a booking row directly: ``await add_booking(account, event_type_id, start, minutes=30)``.

    For tests that need existing bookings before the bookings API exists or without going through it.
    """
    from datetime import timedelta

    from astrocal_server.ids import new_id
    from astrocal_server.storage.models import Booking, EventType
    from sqlalchemy import select

    async def add(
        account: NewAccount,
        event_type_id: str,
        start: datetime,
        *,
        minutes: int | None = None,
        status: str = "confirmed",
        livemode: bool = False,
    ) -> str:
        state = app.state.astrocal
        async with state.db.write() as session:
            event_type = (
                await session.scalars(select(EventType).where(EventType.id == event_type_id))
            ).one()
            length = minutes or event_type.duration_minutes
            end = start + timedelta(minutes=length)
            booking = Booking(
                id=new_id("bk"),
                account_id=account.account.id,
                livemode=livemode,
                event_type_id=event_type_id,
                host_id=account.account.id,
                status=status,
                start_at=start,
                end_at=end,
                block_start=start - timedelta(minutes=event_type.buffer_before_minutes),
                block_end=end + timedelta(minutes=event_type.buffer_after_minutes),
                seat_key=f"{event_type_id}:{start.isoformat()}",
                duration_minutes=length,
                invitee_name="Jo Smith",
                invitee_email="jo@example.com",
                invitee_time_zone="Europe/London",
                cancelled_at=clock.now() if status == "cancelled" else None,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
            session.add(booking)
        return booking.id

    return add
