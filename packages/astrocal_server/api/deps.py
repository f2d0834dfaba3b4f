"""FastAPI dependencies: the app state, the database, the clock, the settings and the caller."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import and_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from astrocal_server import idempotency, ratelimit
from astrocal_server.accounts import find_api_key
from astrocal_server.clock import Clock
from astrocal_server.config import Settings
from astrocal_server.errors import ApiError
from astrocal_server.plans import plan_of
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import Account, ApiKey

__all__ = [
    "Caller",
    "CallerDep",
    "ClockDep",
    "DatabaseDep",
    "ReadCallerDep",
    "ReadConnDep",
    "SettingsDep",
    "StateDep",
    "get_caller",
    "get_clock",
    "get_db",
    "get_read_caller",
    "get_read_conn",
    "get_settings",
    "get_state",
    "validate_idempotency_key",
]

LAST_USED_RESOLUTION = timedelta(hours=1)
_BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)
_AUTH_HEADERS = {"WWW-Authenticate": "Bearer"}


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.astrocal
    return state


def get_db(request: Request) -> Database:
    return get_state(request).db


def get_clock(request: Request) -> Clock:
    return get_state(request).clock


def get_settings(request: Request) -> Settings:
    return get_state(request).settings


@dataclass(frozen=True)
class Caller:
    """Who is calling: every query a route makes is scoped to ``account.id`` and ``livemode``."""

    account: Account
    api_key: ApiKey
    livemode: bool

    @property
    def account_id(self) -> str:
        return self.account.id

    def owns(self, model: Any) -> Any:
        """The WHERE clause that limits ``model`` rows to this caller's account and mode."""
        return and_(model.account_id == self.account.id, model.livemode == self.livemode)


async def get_read_conn(request: Request) -> AsyncIterator[AsyncConnection]:
    """One read connection per request, shared by authentication and the route (Core reads)."""
    async with get_db(request).connect_read() as conn:
        yield conn


ReadConnDep = Annotated[AsyncConnection, Depends(get_read_conn)]


async def get_caller(request: Request) -> Caller:
    """The authenticated caller; the connection used to check the key is released at once,
    so a route that then writes never holds two connections."""
    async with get_db(request).connect_read() as conn:
        key, account = await _authenticate(request, conn)
    return await _caller(request, key, account)


async def get_read_caller(request: Request, conn: ReadConnDep) -> Caller:
    """The authenticated caller, checked on the request's shared read connection.

    For read-only routes (availability): one connection per request. Routes that write use
    :func:`get_caller` instead.
    """
    key, account = await _authenticate(request, conn)
    return await _caller(request, key, account)


async def _caller(request: Request, key: ApiKey, account: Account) -> Caller:
    await _touch(request, key)
    request.state.caller_key_id = key.id
    caller = Caller(account=account, api_key=key, livemode=key.mode == "live")
    state = get_state(request)
    limit = plan_of(state.settings, account).plan.requests_per_minute
    await ratelimit.enforce(request.scope, state, key.id, limit)
    if request.method == "POST":
        await idempotency.begin(request, state, account_id=account.id, livemode=caller.livemode)
    return caller


async def _authenticate(request: Request, conn: AsyncConnection) -> tuple[ApiKey, Account]:
    header = request.headers.get("authorization")
    if not header:
        raise ApiError(
            401,
            "authentication_error",
            "authentication_required",
            "No API key provided. Send it as `Authorization: Bearer sk_live_…` (or sk_test_…).",
            headers=_AUTH_HEADERS,
        )
    match = _BEARER.match(header)
    secret = match.group(1) if match else ""
    if not secret.startswith(("sk_live_", "sk_test_")):
        raise ApiError(
            401,
            "authentication_error",
            "invalid_api_key",
            "The Authorization header must be `Bearer sk_live_…` or `Bearer sk_test_…`.",
            headers=_AUTH_HEADERS,
        )
    found = await find_api_key(conn, secret)
    if found is None:
        raise ApiError(
            401,
            "authentication_error",
            "invalid_api_key",
            f"The API key {secret[:12]}… is not valid; check that you copied it whole, or create a new key.",
            headers=_AUTH_HEADERS,
        )
    key, account = found
    if key.revoked_at is not None:
        raise ApiError(
            401,
            "authentication_error",
            "api_key_revoked",
            f"The API key {key.prefix}… was revoked; use another key or create a new one.",
            headers=_AUTH_HEADERS,
        )
    return key, account


async def _touch(request: Request, key: ApiKey) -> None:
    """Record ``last_used_at``, at most once per interval so reads do not turn into writes."""
    state = get_state(request)
    now = state.clock.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    # Concurrent first requests with one key would all see the old value: one of them writes.
    touched = state.api_keys_touched
    previous = touched.get(key.id)
    if previous is not None and now - previous < LAST_USED_RESOLUTION:
        return
    touched[key.id] = now
    async with state.db.write() as session:
        await session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    key.last_used_at = now


async def validate_idempotency_key(request: Request) -> None:
    """Refuse an ``Idempotency-Key`` header the contract does not allow (1–255 characters).

    Only the header's shape is checked here; replaying stored responses is the idempotency layer's job.
    """
    idempotency.key_of(request)


# FastAPI runs a plain ``def`` dependency in its thread pool (a thread hop per use per request);
# these trivial lookups are served by ``async def`` twins instead.


async def _state_dep(request: Request) -> AppState:
    return get_state(request)


async def _db_dep(request: Request) -> Database:
    return get_db(request)


async def _clock_dep(request: Request) -> Clock:
    return get_clock(request)


async def _settings_dep(request: Request) -> Settings:
    return get_settings(request)


StateDep = Annotated[AppState, Depends(_state_dep)]
DatabaseDep = Annotated[Database, Depends(_db_dep)]
ClockDep = Annotated[Clock, Depends(_clock_dep)]
SettingsDep = Annotated[Settings, Depends(_settings_dep)]
CallerDep = Annotated[Caller, Depends(get_caller)]
ReadCallerDep = Annotated[Caller, Depends(get_read_caller)]
