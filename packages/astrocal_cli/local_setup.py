"""``astrocal init``'s work on the database: the server package does the writing (imported lazily
by the command, since a CLI-only install has no server)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["InitResult", "create_local_account"]


@dataclass(frozen=True)
class InitResult:
    body: dict[str, Any]  # shaped like POST /v1/accounts' response: account, live_key, test_key
    sample_event_type_id: str | None  # the test-mode sample, when this was the first account


async def create_local_account(
    database_url: str | None, *, name: str, email: str | None, time_zone: str
) -> InitResult:
    """Migrate, then create an account with keys. On an empty database this is exactly the first run
    that ``astrocal serve`` would do (sample event type included); otherwise one more account."""
    from astrocal_server.accounts import create_account
    from astrocal_server.bootstrap import ensure_initialised
    from astrocal_server.clock import SystemClock
    from astrocal_server.serialize.accounts import account_to_api, api_key_to_api
    from astrocal_server.storage.db import Database
    from astrocal_server.storage.models import Account
    from sqlalchemy import update

    from astrocal_cli.commands.serve import load_settings

    settings = load_settings(database_url)
    clock = SystemClock()
    first = await ensure_initialised(settings, clock, time_zone=time_zone)
    if first is not None:
        created, sample = first.created, first.test_event_type_id
        if name != created.account.name or email:
            db = Database(settings.database_url)
            try:
                async with db.write() as session:
                    await session.execute(
                        update(Account)
                        .where(Account.id == created.account.id)
                        .values(name=name, email=email)
                    )
                created.account.name, created.account.email = name, email
            finally:
                await db.dispose()
    else:
        db = Database(settings.database_url)
        try:
            async with db.write() as session:
                created = await create_account(
                    session,
                    name=name,
                    email=email,
                    time_zone=time_zone,
                    plan=settings.default_plan,
                    clock=clock,
                )
        finally:
            await db.dispose()
        sample = None
    body = {
        "account": account_to_api(created.account),
        "live_key": api_key_to_api(created.live_key.key, secret=created.live_key.secret),
        "test_key": api_key_to_api(created.test_key.key, secret=created.test_key.secret),
    }
    return InitResult(body=body, sample_event_type_id=sample)
