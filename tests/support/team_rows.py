"""``insert_hosts``: extra hosts of an account written straight into the database, for tests of
team event types that must not depend on the hosts API.

Each host gets its own schedule (the default weekly hours, in the account's zone) as its
``default_schedule_id``; the account's default schedule stays the one ``is_default`` row.
"""

from __future__ import annotations

from datetime import datetime

from astrocal_server.hosts.service import new_host, new_working_hours
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import Account
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
            email = f"{name.lower().replace(' ', '.')}@example.com"
            host = new_host(
                account_id, livemode, name=name, email=email, time_zone=account.time_zone, now=now
            )
            session.add(host)
            await session.flush()
            schedule = new_working_hours(host, now=now)
            session.add(schedule)
            host.default_schedule_id = schedule.id
            ids.append(host.id)
    return ids
