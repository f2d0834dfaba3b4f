"""First run of a self-hosted server: an account, its keys, default schedules and a sample event type.

Both functions migrate first and open the database through
:func:`~astrocal_server.composition.open_services` without lifespan hooks (nothing starts in the
background). ``astrocal serve`` and ``astrocal init`` reach them through ``entrypoints.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypedDict, Unpack

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.accounts import NewAccount, create_account
from astrocal_server.clock import Clock
from astrocal_server.composition import open_services
from astrocal_server.config import Settings
from astrocal_server.ids import new_id
from astrocal_server.storage.models import Account, EventType

__all__ = ["FirstRun", "add_account", "ensure_initialised", "next_weekday"]

FIRST_ACCOUNT_NAME = "My Astrocal"

SAMPLE_SLUG = "intro-call"


@dataclass(frozen=True)
class FirstRun:
    created: NewAccount
    test_event_type_id: str
    live_event_type_id: str


def next_weekday(today: date) -> date:
    """The first Monday–Friday after ``today``."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def ensure_initialised(
    settings: Settings,
    clock: Clock,
    *,
    time_zone: str = "UTC",
    name: str = FIRST_ACCOUNT_NAME,
    email: str | None = None,
) -> FirstRun | None:
    """Migrate; on an empty database create the first account and sample data and return them.

    Returns None when the database already has an account (secrets cannot be shown again).
    """
    async with _migrated_session(settings, clock) as session:
        if (await session.scalar(select(func.count()).select_from(Account))) or 0:
            return None
        created = await _new_account(
            session, settings, clock, name=name, email=email, time_zone=time_zone
        )
        ids: dict[bool, str] = {}
        now = clock.now()
        for livemode, schedule in (
            (False, created.test_schedule),
            (True, created.live_schedule),
        ):
            event_type = EventType(
                id=new_id("evt"),
                account_id=created.account.id,
                livemode=livemode,
                title="Intro call",
                slug=SAMPLE_SLUG,
                description="A 30-minute introductory call.",
                duration_minutes=30,
                duration_options=None,
                slot_interval_minutes=None,
                buffer_before_minutes=0,
                buffer_after_minutes=0,
                minimum_notice_minutes=0,
                max_bookings_per_day=None,
                seats_per_slot=1,
                schedule_id=schedule.id,
                location={"type": "video", "value": "https://meet.example.com/intro"},
                conflict_calendars=[],
                destination_calendar=None,
                on_calendar_error="fail",
                active=True,
                metadata_={},
                created_at=now,
                updated_at=now,
                deleted_at=None,
            )
            session.add(event_type)
            ids[livemode] = event_type.id
        await session.flush()
    return FirstRun(created=created, test_event_type_id=ids[False], live_event_type_id=ids[True])


async def add_account(
    settings: Settings, clock: Clock, *, name: str, email: str | None, time_zone: str
) -> NewAccount:
    """Migrate, then one more account with its keys and default schedules (no sample data)."""
    async with _migrated_session(settings, clock) as session:
        return await _new_account(
            session, settings, clock, name=name, email=email, time_zone=time_zone
        )


@asynccontextmanager
async def _migrated_session(settings: Settings, clock: Clock) -> AsyncIterator[AsyncSession]:
    """A write session on the migrated database (no lifespan hooks run)."""
    async with (
        open_services(
            settings.with_overrides(migrate_on_start=True), clock=clock, hooks=()
        ) as state,
        state.db.write() as session,
    ):
        yield session


class _Who(TypedDict):
    name: str
    email: str | None
    time_zone: str


async def _new_account(
    session: AsyncSession, settings: Settings, clock: Clock, **who: Unpack[_Who]
) -> NewAccount:
    """An account on the settings' default plan."""
    return await create_account(session, plan=settings.default_plan, clock=clock, **who)
