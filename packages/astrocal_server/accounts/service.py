"""Accounts, API keys and usage: sign-up, issuing/listing/revoking keys, recognising a key.

A secret is ``sk_live_``/``sk_test_`` + 43 base62 characters (256 bits). Only its SHA-256 is stored,
with a short display prefix; the secret itself is returned once, by the call that creates it.

Keys belong to the account, not to a mode; but a test-mode key manages only test-mode keys, so a
leaked test key can never mint a live one. An account holds at most its plan's ``api_keys``
unrevoked keys per mode (:mod:`astrocal_server.accounts.plans`). The session-level builders
(:func:`create_account`, :func:`create_api_key`, :func:`create_default_schedule`) also serve
first-run setup and tests; the caller-level functions open their own unit of work and raise
:mod:`astrocal_server.errors`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from astrocal_server.accounts.keycache import changing_cached
from astrocal_server.accounts.plans import Usage, check_api_key_limit, usage_of
from astrocal_server.caller import Caller
from astrocal_server.clock import Clock
from astrocal_server.config import Settings
from astrocal_server.contract.requests import AccountUpdate
from astrocal_server.errors import AuthenticationFailed, PermissionDenied, not_found
from astrocal_server.hosts.service import new_default_host, new_working_hours
from astrocal_server.ids import new_id
from astrocal_server.schedules.rules import DEFAULT_WEEKLY_HOURS
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import Account, ApiKey, Schedule
from astrocal_server.storage.pagination import Page, PageRequest, paginate
from astrocal_server.storage.rows import fetch_all, instance, labelled

__all__ = [
    "DEFAULT_WEEKLY_HOURS",
    "LAST_USED_RESOLUTION",
    "Mode",
    "NewAccount",
    "NewApiKey",
    "authenticate",
    "create_account",
    "create_api_key",
    "create_default_schedule",
    "ensure_signup_enabled",
    "find_api_key",
    "get_usage",
    "hash_secret",
    "issue_api_key",
    "list_api_keys",
    "open_account",
    "recognise",
    "revoke_api_key",
    "sign_up",
    "touch_key",
    "update_account",
]

_BASE62 = string.digits + string.ascii_letters
_SECRET_CHARS = 43  # 43 × log2(62) ≈ 256 bits
Mode = Literal["live", "test"]


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    secret: str


@dataclass(frozen=True)
class NewAccount:
    account: Account
    live_key: NewApiKey
    test_key: NewApiKey
    live_schedule: Schedule
    test_schedule: Schedule


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_secret(mode: Mode) -> str:
    return f"sk_{mode}_" + "".join(secrets.choice(_BASE62) for _ in range(_SECRET_CHARS))


async def create_api_key(
    session: AsyncSession, *, account_id: str, name: str, mode: Mode, clock: Clock
) -> NewApiKey:
    secret = _new_secret(mode)
    key = ApiKey(
        id=new_id("key"),
        account_id=account_id,
        name=name,
        mode=mode,
        prefix=secret[: len(f"sk_{mode}_") + 4],
        secret_hash=hash_secret(secret),
        created_at=clock.now(),
        last_used_at=None,
        revoked_at=None,
    )
    session.add(key)
    await session.flush()
    return NewApiKey(key=key, secret=secret)


async def create_default_schedule(
    session: AsyncSession, *, account: Account, livemode: bool, clock: Clock
) -> Schedule:
    """The mode's default host (the account owner) and its default schedule."""
    now = clock.now()
    schedule_id = new_id("sch")
    host = new_default_host(account, livemode=livemode, default_schedule_id=schedule_id, now=now)
    session.add(host)
    await session.flush()
    schedule = new_working_hours(host, now=now, schedule_id=schedule_id, is_default=True)
    session.add(schedule)
    await session.flush()
    return schedule


async def create_account(
    session: AsyncSession,
    *,
    name: str,
    email: str | None,
    time_zone: str,
    plan: str,
    clock: Clock,
) -> NewAccount:
    """An account with a default schedule in each mode and a first live and test key."""
    account = Account(
        id=new_id("acct"),
        name=name,
        email=email,
        time_zone=time_zone,
        plan=plan,
        created_at=clock.now(),
    )
    session.add(account)
    await session.flush()
    live_key = await create_api_key(
        session, account_id=account.id, name="Default live key", mode="live", clock=clock
    )
    test_key = await create_api_key(
        session, account_id=account.id, name="Default test key", mode="test", clock=clock
    )
    live_schedule = await create_default_schedule(
        session, account=account, livemode=True, clock=clock
    )
    test_schedule = await create_default_schedule(
        session, account=account, livemode=False, clock=clock
    )
    return NewAccount(account, live_key, test_key, live_schedule, test_schedule)


# Built once: constructing a statement costs more than running it on SQLite.
_KEY_BY_HASH = (
    select(*labelled(ApiKey, "k"), *labelled(Account, "a"))
    .join_from(ApiKey, Account, Account.id == ApiKey.account_id)
    .where(ApiKey.secret_hash == bindparam("digest"))
)


async def find_api_key(
    conn: AsyncConnection | AsyncSession, secret: str
) -> tuple[ApiKey, Account] | None:
    """The key (revoked or not) and its account for a presented secret, or None.

    Returns detached instances read with a Core query (authentication runs on every request).
    """
    return await _find_by_digest(conn, hash_secret(secret))


async def _find_by_digest(
    conn: AsyncConnection | AsyncSession, digest: str
) -> tuple[ApiKey, Account] | None:
    rows = await fetch_all(conn, _KEY_BY_HASH, {"digest": digest})
    if not rows:
        return None
    row = rows[0]
    key, account = instance(ApiKey, row, "k"), instance(Account, row, "a")
    # The lookup went through an index on the hash; compare once more in constant time anyway.
    if not hmac.compare_digest(key.secret_hash, digest):
        return None
    return key, account


async def authenticate(conn: AsyncConnection | AsyncSession, secret: str) -> tuple[ApiKey, Account]:
    """The active key and its account for a presented ``sk_live_…``/``sk_test_…`` secret.

    Raises :class:`~astrocal_server.errors.AuthenticationFailed` for an unknown or revoked key.
    """
    return _active(await find_api_key(conn, secret), secret)


def _active(found: tuple[ApiKey, Account] | None, secret: str) -> tuple[ApiKey, Account]:
    if found is None:
        raise AuthenticationFailed(
            "invalid_api_key",
            f"The API key {secret[:12]}… is not valid; check that you copied it whole, or create a new key.",
        )
    key, account = found
    if key.revoked_at is not None:
        raise AuthenticationFailed(
            "api_key_revoked",
            f"The API key {key.prefix}… was revoked; use another key or create a new one.",
        )
    return key, account


async def recognise(
    state: AppState, secret: str, conn: AsyncConnection | None = None
) -> tuple[ApiKey, Account]:
    """:func:`authenticate` through this process's key cache (``accounts/keycache.py``): a key
    recognised under the current cache generation costs no query. ``conn``, if given, serves a
    lookup that does reach the database; otherwise one is opened for it."""
    digest = hash_secret(secret)
    cache = state.key_cache
    hit, generation = await cache.recall(digest)
    if hit is not None:
        return hit
    if conn is not None:
        found = await _find_by_digest(conn, digest)
    else:
        async with state.db.connect_read() as own:
            found = await _find_by_digest(own, digest)
    key, account = _active(found, secret)
    cache.put(digest, key, account, generation)
    return key, account


LAST_USED_RESOLUTION = timedelta(hours=1)


async def touch_key(
    db: Database, key: ApiKey, *, now: datetime, touched: MutableMapping[str, datetime]
) -> None:
    """Record ``last_used_at``, at most once per interval so reads do not turn into writes.

    ``touched`` remembers when this process last wrote each key: concurrent first requests with
    one key would all see the old value, and only one of them should write.
    """
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    previous = touched.get(key.id)
    if previous is not None and now - previous < LAST_USED_RESOLUTION:
        return
    touched[key.id] = now
    async with db.write() as session:
        await session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    key.last_used_at = now


def ensure_signup_enabled(settings: Settings) -> None:
    """Self-service sign-up is a server setting; refuse it (403 ``signup_disabled``) when off."""
    if not settings.signup_enabled:
        raise PermissionDenied(
            "signup_disabled",
            "Sign-up is disabled on this server; ask its operator for an account "
            "(or set ASTROCAL_SIGNUP_ENABLED=true on a server you run).",
        )


async def sign_up(state: AppState, *, name: str, email: str, time_zone: str) -> NewAccount:
    """A new account on the default plan.

    The email need not be unique: it is the host's contact address in invitations, never a login
    (keys are the only credentials), so refusing a second account for it would only tell anyone
    which addresses have accounts. Every signup answers alike, whatever the email.
    """
    ensure_signup_enabled(state.settings)
    return await open_account(state, name=name, email=email, time_zone=time_zone)


async def open_account(
    state: AppState,
    *,
    name: str,
    email: str,
    time_zone: str,
    plan: str | None = None,
    clock: Clock | None = None,
) -> NewAccount:
    """:func:`create_account` in a transaction of its own, on ``plan`` (default: the server's
    default plan) and ``clock`` (default: the server's)."""
    async with state.db.write() as session:
        return await create_account(
            session,
            name=name,
            email=email,
            time_zone=time_zone,
            plan=plan or state.settings.default_plan,
            clock=clock if clock is not None else state.clock,
        )


async def update_account(state: AppState, caller: Caller, changes: AccountUpdate) -> Account:
    """Change the settings sent (``changes`` already checked); the others stay as they are. The
    link template applies to every invitee link shown from then on, old bookings' included."""
    sent = changes.model_dump()  # only the fields sent: MISSING ones are left out
    async with changing_cached(state) as session:  # cached callers carry the account
        account = await session.get_one(Account, caller.account_id)
        if "invitee_url_template" in sent:
            account.invitee_url_template = sent["invitee_url_template"]
        return account


def _visible_modes(caller: Caller) -> tuple[Mode, ...]:
    return ("live", "test") if caller.livemode else ("test",)


async def issue_api_key(state: AppState, caller: Caller, *, name: str, mode: Mode) -> NewApiKey:
    """A new key of the caller's account; a test-mode caller may only issue test keys."""
    if mode not in _visible_modes(caller):
        raise PermissionDenied(
            "permission_denied",
            "A test-mode key cannot create live keys; use a live key (sk_live_…).",
            param="mode",
        )
    async with state.db.write() as session:
        await check_api_key_limit(session, state.settings, caller.account, mode=mode)
        return await create_api_key(
            session, account_id=caller.account_id, name=name, mode=mode, clock=state.clock
        )


async def list_api_keys(state: AppState, caller: Caller, page: PageRequest) -> Page[ApiKey]:
    """The account's keys the caller may see (revoked ones included), newest first."""
    stmt = select(ApiKey).where(
        ApiKey.account_id == caller.account_id, ApiKey.mode.in_(_visible_modes(caller))
    )
    async with state.db.read() as session:
        return await paginate(
            session, stmt, order_by=[ApiKey.created_at, ApiKey.id], page=page, descending=True
        )


async def revoke_api_key(state: AppState, caller: Caller, key_id: str) -> ApiKey:
    """Revoke one of the caller's visible keys; revoking a revoked key changes nothing.
    Every process refuses the key from its next request on (``accounts/keycache.py``)."""
    async with changing_cached(state) as session:
        key = await session.scalar(
            select(ApiKey).where(
                ApiKey.id == key_id,
                ApiKey.account_id == caller.account_id,
                ApiKey.mode.in_(_visible_modes(caller)),
            )
        )
        if key is None:
            raise not_found("API key", key_id)
        if key.revoked_at is None:
            key.revoked_at = state.clock.now()
        return key


async def get_usage(
    state: AppState, caller: Caller, *, conn: AsyncConnection | AsyncSession
) -> Usage:
    """The caller's plan and this period's bookings in the caller's mode, read on ``conn``
    (the request's shared read connection)."""
    return await usage_of(
        conn,
        state.settings,
        caller.account,
        livemode=caller.livemode,
        now=state.clock.now(),
    )
