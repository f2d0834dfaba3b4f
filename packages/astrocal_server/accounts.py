"""Accounts and API keys: creating them and recognising a key (no HTTP here).

A secret is ``sk_live_``/``sk_test_`` + 43 base62 characters (256 bits). Only its SHA-256 is stored,
with a short display prefix; the secret itself is returned once, by the call that creates it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from astrocal_server.clock import Clock
from astrocal_server.ids import new_id
from astrocal_server.storage.models import Account, ApiKey, Schedule
from astrocal_server.storage.rows import fetch_all, instance, labelled

__all__ = [
    "DEFAULT_WEEKLY_HOURS",
    "NewAccount",
    "NewApiKey",
    "create_account",
    "create_api_key",
    "create_default_schedule",
    "find_api_key",
    "hash_secret",
]

_BASE62 = string.digits + string.ascii_letters
_SECRET_CHARS = 43  # 43 × log2(62) ≈ 256 bits
Mode = Literal["live", "test"]

DEFAULT_WEEKLY_HOURS = [
    {"day": day, "start": "09:00", "end": "17:00"}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
]


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
    now = clock.now()
    schedule = Schedule(
        id=new_id("sch"),
        account_id=account.id,
        livemode=livemode,
        name="Working hours",
        time_zone=account.time_zone,
        weekly_hours=[dict(w) for w in DEFAULT_WEEKLY_HOURS],
        date_overrides=[],
        is_default=True,
        created_at=now,
        updated_at=now,
        deleted_at=None,
    )
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
    digest = hash_secret(secret)
    rows = await fetch_all(conn, _KEY_BY_HASH, {"digest": digest})
    if not rows:
        return None
    row = rows[0]
    key, account = instance(ApiKey, row, "k"), instance(Account, row, "a")
    # The lookup went through an index on the hash; compare once more in constant time anyway.
    if not hmac.compare_digest(key.secret_hash, digest):
        return None
    return key, account
