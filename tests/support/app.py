"""The app in process: settings, the app with its lifespan entered, a client, accounts and keys.

- ``server_settings(database_url, **overrides)``: the test ``Settings`` (signup on, private webhook
  targets allowed, email backend ``memory``, relay off, per-address limits out of the way, no
  ``.env``); ``settings`` is that for
  ``db_url``. A directory overrides ``settings`` by calling it with its own extras.
- ``override_settings(app, **overrides)``: the running app's settings changed for the rest of the
  test; ``settings_changed(app, **changes)``: the same for a ``with`` block.
- ``running_app(settings, clock)``: ``create_app`` with its lifespan entered (migrated, state ready);
  ``app`` is that for ``settings`` and ``clock``.
- ``client``: an ``httpx.AsyncClient`` talking to ``app`` in memory.
- ``make_account``: ``await make_account(time_zone=...)`` → ``NewAccount`` (keys' secrets on
  ``.live_key.secret`` / ``.test_key.secret``); ``create_test_account(app, clock)`` is the same
  without the fixture.
- ``account``: one account; ``api_key``: its test secret; ``live_api_key``: its live secret;
  ``auth_headers``: ``{"Authorization": "Bearer <api_key>"}``; ``live_headers`` likewise.
- ``other_headers``: headers of a second, unrelated account (cross-tenant tests).
- ``add_booking``: insert a booking row directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount, open_account
from astrocal_server.app import create_app
from astrocal_server.clock import Clock, FixedClock
from astrocal_server.config import Settings
from fastapi import FastAPI

BASE_URL = "http://testserver"
H = dict[str, str]


def server_settings(database_url: str, **overrides: Any) -> Settings:
    """The server test settings for ``database_url``; ``overrides`` add or replace fields."""
    fields: dict[str, Any] = {
        "database_url": database_url,
        "signup_enabled": True,
        "allow_private_webhook_targets": True,
        "email_backend": "memory",
        "run_relay": False,
        # Test servers sign up and call back from one address under a pinned clock (one window).
        "signup_limit_per_hour": 100_000,
        "oauth_callback_limit_per_minute": 100_000,
        **overrides,
    }
    return Settings(**fields, _env_file=None)


def override_settings(app: FastAPI, **overrides: Any) -> None:
    """The running app's settings, with ``overrides``, for the rest of the test."""
    state = app.state.astrocal
    state.settings = state.settings.with_overrides(**overrides)


@contextmanager
def settings_changed(app: FastAPI, **changes: Any) -> Iterator[None]:
    """The running app's settings with ``changes`` for the block; then the settings it had."""
    state = app.state.astrocal
    real = state.settings
    state.settings = real.model_copy(update=changes)
    try:
        yield
    finally:
        state.settings = real


def bearer(secret: str) -> H:
    return {"Authorization": f"Bearer {secret}"}


@asynccontextmanager
async def running_app(settings: Settings, clock: Clock) -> AsyncIterator[FastAPI]:
    """``create_app(settings, clock=clock)`` with its lifespan entered for the block."""
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


def asgi_client(app: FastAPI) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` on ``app`` in memory (the caller closes it)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)


async def create_test_account(
    app: FastAPI,
    clock: Clock,
    *,
    name: str = "Test Co",
    email: str = "owner@example.com",
    time_zone: str = "Europe/Berlin",
    plan: str | None = None,
) -> NewAccount:
    return await open_account(
        app.state.astrocal, name=name, email=email, time_zone=time_zone, plan=plan, clock=clock
    )


@pytest.fixture
def settings(db_url: str) -> Settings:
    return server_settings(db_url)


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[FastAPI]:
    async with running_app(settings, clock) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as c:
        yield c


MakeAccount = Callable[..., Awaitable[NewAccount]]


@pytest.fixture
def make_account(app: FastAPI, clock: FixedClock) -> MakeAccount:
    async def make(**fields: Any) -> NewAccount:
        return await create_test_account(app, clock, **fields)

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
def auth_headers(api_key: str) -> H:
    return bearer(api_key)


@pytest.fixture
def live_headers(live_api_key: str) -> H:
    return bearer(live_api_key)


@pytest.fixture
async def other_headers(make_account: MakeAccount) -> H:
    other = await make_account(name="Other Co", email="other@example.com")
    return bearer(other.test_key.secret)


AddBooking = Callable[..., Awaitable[str]]


@pytest.fixture
def add_booking(app: FastAPI, clock: FixedClock) -> AddBooking:
    """Insert a booking row directly: ``await add_booking(account, event_type_id, start, minutes=30)``,
    on the default host unless ``host_id=`` names another.

    For tests that need existing bookings without going through the bookings API.
    """
    from astrocal_server.bookings.service import occupy
    from astrocal_server.hosts.service import default_host_id
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
        host_id: str | None = None,
    ) -> str:
        state = app.state.astrocal
        async with state.db.write() as session:
            event_type = (
                await session.scalars(select(EventType).where(EventType.id == event_type_id))
            ).one()
            length = minutes or event_type.duration_minutes
            end = start + timedelta(minutes=length)
            host_id = host_id or await default_host_id(
                session, account_id=account.account.id, livemode=livemode
            )
            booking = Booking(
                id=new_id("bk"),
                account_id=account.account.id,
                livemode=livemode,
                event_type_id=event_type_id,
                host_id=host_id,
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
            session.add_all(occupy(booking, [host_id]))
        return booking.id

    return add
