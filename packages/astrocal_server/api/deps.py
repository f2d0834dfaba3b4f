"""FastAPI dependencies: the app state, the database, the clock, the settings and the caller.

The caller dependency reads the ``Authorization: Bearer`` header here and leaves recognising the
key to the accounts service (through its per-process key cache: ``accounts/keycache.py``); then it counts the request against the rate limit of the key's
account and mode (``api/ratelimit.py``) and, for a POST, claims its ``Idempotency-Key`` (``api/idempotency.py``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request

from astrocal_server.accounts import service as accounts
from astrocal_server.accounts.plans import plan_of
from astrocal_server.api import idempotency, ratelimit
from astrocal_server.caller import Caller
from astrocal_server.clock import Clock
from astrocal_server.config import Settings
from astrocal_server.errors import AuthenticationFailed, invalid_param
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database, ReadConnection
from astrocal_server.storage.models import Account, ApiKey
from astrocal_server.storage.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest

__all__ = [
    "Caller",
    "CallerDep",
    "ClockDep",
    "DatabaseDep",
    "PageDep",
    "ReadCallerDep",
    "ReadConnDep",
    "SettingsDep",
    "StateDep",
    "get_caller",
    "get_caller_without_idempotency",
    "get_clock",
    "get_db",
    "get_read_caller",
    "get_read_conn",
    "get_settings",
    "get_state",
    "refuse_nul_params",
    "validate_idempotency_key",
]

_BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.astrocal
    return state


def get_db(request: Request) -> Database:
    return get_state(request).db


def get_clock(request: Request) -> Clock:
    return get_state(request).clock


def get_settings(request: Request) -> Settings:
    return get_state(request).settings


async def get_read_conn(request: Request) -> AsyncIterator[ReadConnection]:
    """One read connection per request, shared by authentication and the route (Core reads)."""
    async with get_db(request).connect_read() as conn:
        yield conn


ReadConnDep = Annotated[ReadConnection, Depends(get_read_conn)]


async def get_caller(request: Request) -> Caller:
    """The authenticated caller. A key this process already knows costs no query
    (``accounts/keycache.py``); otherwise the connection that checks it is released at once, so a
    route that then writes never holds two connections."""
    key, account = await _authenticate(request)
    return await _caller(request, key, account)


async def get_caller_without_idempotency(request: Request) -> Caller:
    """The authenticated caller, for an endpoint that is not an idempotent REST operation (``/mcp``).

    Like :func:`get_caller` (key check, rate limit) but an ``Idempotency-Key`` claims nothing and
    the request body is left unread, for the handler that streams it.
    """
    key, account = await _authenticate(request)
    return await _caller(request, key, account, idempotent=False)


async def get_read_caller(request: Request, conn: ReadConnDep) -> Caller:
    """The authenticated caller; a key not in the cache is checked on the request's shared read
    connection.

    For read-only routes (usage): one connection per request. Routes that write use
    :func:`get_caller` instead.
    """
    key, account = await _authenticate(request, conn)
    return await _caller(request, key, account)


async def _caller(
    request: Request, key: ApiKey, account: Account, *, idempotent: bool = True
) -> Caller:
    await _touch(request, key)
    request.scope.setdefault("state", {})["caller_key_id"] = key.id  # request.state, unwrapped
    caller = Caller(account=account, api_key=key, livemode=key.mode == "live")
    state = get_state(request)
    limit = plan_of(state.settings, account).plan.requests_per_minute
    await ratelimit.enforce(request.scope, state, account.id, livemode=caller.livemode, limit=limit)
    if idempotent and request.method == "POST":
        await idempotency.begin(request, state, account_id=account.id, livemode=caller.livemode)
    return caller


async def _authenticate(
    request: Request, conn: ReadConnection | None = None
) -> tuple[ApiKey, Account]:
    """The key and account of the request's ``Authorization: Bearer sk_…`` header."""
    header = None
    for name, value in request.scope["headers"]:  # the first one, as ``request.headers.get``
        if name == b"authorization":
            header = value.decode("latin-1")
            break
    if not header:
        raise AuthenticationFailed(
            "authentication_required",
            "No API key provided. Send it as `Authorization: Bearer sk_live_…` (or sk_test_…).",
        )
    match = _BEARER.match(header)
    secret = match.group(1) if match else ""
    if not secret.startswith(("sk_live_", "sk_test_")):
        raise AuthenticationFailed(
            "invalid_api_key",
            "The Authorization header must be `Bearer sk_live_…` or `Bearer sk_test_…`.",
        )
    return await accounts.recognise(get_state(request), secret, conn)


async def _touch(request: Request, key: ApiKey) -> None:
    state = get_state(request)
    await accounts.touch_key(state.db, key, now=state.clock.now(), touched=state.api_keys_touched)


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


async def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> PageRequest:
    """``limit`` and ``cursor`` of every list operation, declared once."""
    return PageRequest(limit=limit, cursor=cursor)


PageDep = Annotated[PageRequest, Depends(page_request)]


async def refuse_nul_params(request: Request) -> None:
    """Every route's path and query parameters: a NUL character is 400 ``parameter_invalid`` on
    that parameter (PostgreSQL text cannot hold it, so a lookup would fail in the driver).

    ``async`` so that FastAPI runs it inline: a plain ``def`` dependency costs every request a
    thread-pool hop."""
    scope = request.scope
    query = scope.get("query_string", b"")
    if not scope.get("path_params") and b"%00" not in query and b"\x00" not in query:
        return  # only a raw or percent-encoded NUL decodes to one
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if "\x00" in str(value) or "\x00" in name:
            raise invalid_param(name, "Text cannot contain the NUL character (\\u0000).")
