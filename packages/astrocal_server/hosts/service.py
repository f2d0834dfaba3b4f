"""Hosts against the database.

Invariants: every account has exactly one default host per mode (``is_default``; a partial unique
index holds it), created with the account; it is never deleted. Event types without ``hosts``,
schedules and calendar connections made without a ``host_id`` belong to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from astrocal_server.caller import Caller
from astrocal_server.ids import new_id
from astrocal_server.storage.models import Account, Host

__all__ = ["caller_default_host_id", "default_host_id", "new_default_host"]

_DEFAULT_HOST = select(Host.id).where(
    Host.account_id == bindparam("account_id"),
    Host.livemode == bindparam("livemode"),
    Host.is_default.is_(True),
)


async def default_host_id(
    conn: AsyncConnection | AsyncSession, *, account_id: str, livemode: bool
) -> str:
    """The id of the account's default host in that mode (it always exists)."""
    found = await conn.scalar(_DEFAULT_HOST, {"account_id": account_id, "livemode": livemode})
    if found is None:  # pragma: no cover - create_account and migration 0004 make one per mode
        raise LookupError(f"account {account_id} has no default host (livemode={livemode})")
    return str(found)


async def caller_default_host_id(conn: AsyncConnection | AsyncSession, caller: Caller) -> str:
    return await default_host_id(conn, account_id=caller.account_id, livemode=caller.livemode)


def new_default_host(
    account: Account, *, livemode: bool, default_schedule_id: str | None, now: datetime
) -> Host:
    """The account owner as a host: its name, email and time zone."""
    return Host(
        id=new_id("host"),
        account_id=account.id,
        livemode=livemode,
        name=account.name,
        email=account.email,
        time_zone=account.time_zone,
        default_schedule_id=default_schedule_id,
        conflict_calendars=[],
        destination_calendar=None,
        external_id=None,
        metadata_={},
        active=True,
        is_default=True,
        created_at=now,
        updated_at=now,
        deleted_at=None,
    )
