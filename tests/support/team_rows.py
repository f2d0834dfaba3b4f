"""``insert_hosts``: extra hosts of an account written straight into the database, for tests of
team event types that must not depend on the hosts API.

Each host gets its own schedule (the default weekly hours, in the account's zone) as its
``default_schedule_id``; the account's default schedule stays the one ``is_default`` row.
"""

from __future__ import annotations

from datetime import datetime

from astrocal_server.accounts import DEFAULT_WEEKLY_HOURS
from astrocal_server.ids import new_id
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import Account, Host, Schedule
from sqlalchemy import select

__all__ = ["insert_hosts"]


async def insert_hosts(
    db: Database, account_id: str, names: list[str], *, now: datetime, livemode: bool = False
) -> list[str]:
    """One active host per name (``host_…`` ids, in the order of ``names``)."""
    ids: list[str] = []
    async with db.write() as session:
        account = (await session.scalars(select(Account).where(Account.id == account_id))).one()
        for name in names:
            host_id, schedule_id = new_id("host"), new_id("sch")
            session.add(
                Host(
                    id=host_id, account_id=account_id, livemode=livemode, name=name,
                    email=f"{name.lower().replace(' ', '.')}@example.com",
                    time_zone=account.time_zone, default_schedule_id=schedule_id,
                    conflict_calendars=[], destination_calendar=None, external_id=None,
                    metadata_={}, active=True, is_default=False, created_at=now, updated_at=now,
                    deleted_at=None,
                )
            )  # fmt: skip
            await session.flush()
            session.add(
                Schedule(
                    id=schedule_id, account_id=account_id, livemode=livemode, host_id=host_id,
                    name=f"{name}'s hours", time_zone=account.time_zone,
                    weekly_hours=[dict(w) for w in DEFAULT_WEEKLY_HOURS], date_overrides=[],
                    is_default=False, created_at=now, updated_at=now, deleted_at=None,
                )
            )  # fmt: skip
            ids.append(host_id)
    return ids
