"""The schedule lifecycle against the database: create, list, retrieve, update, delete.

Every account has exactly one default schedule per mode: the first schedule created becomes it,
``is_default: true`` moves it, and it can be neither unset directly nor deleted. It is the default
host's ``default_schedule_id`` (the two move together), so only a schedule of the default host can
become it. A schedule belongs to a host (``host_id``, default the default host). A schedule that
live event types still use, or that another host works by (its ``default_schedule_id``), cannot be
deleted either.
"""

from __future__ import annotations

from typing import Any

from pydantic import MISSING
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.accounts.keycache import changing_cached
from astrocal_server.caller import Caller
from astrocal_server.contract.requests import ScheduleCreate, ScheduleUpdate
from astrocal_server.errors import conflict, invalid_param
from astrocal_server.hosts.service import (
    caller_default_host_id,
    host_id_or_default,
    make_default_schedule,
)
from astrocal_server.ids import new_id
from astrocal_server.schedules.rules import DEFAULT_WEEKLY_HOURS, check_overrides, check_weekly
from astrocal_server.state import AppState
from astrocal_server.storage.models import EventType, Host, Schedule
from astrocal_server.storage.owned import get_owned, owned_lister, owned_reader

__all__ = [
    "create_schedule",
    "default_schedule_id",
    "delete_schedule",
    "get_schedule",
    "list_schedules",
    "retrieve_schedule",
    "update_schedule",
]


async def get_schedule(
    session: AsyncSession, caller: Caller, schedule_id: str, *, param: str | None = None
) -> Schedule:
    """The caller's (non-deleted) schedule, or 404."""
    return await get_owned(session, Schedule, caller, schedule_id, kind="schedule", param=param)


async def default_schedule_id(session: AsyncSession, caller: Caller) -> str | None:
    """The id of the caller's default schedule (None only before the first one exists)."""
    return await session.scalar(
        select(Schedule.id).where(
            caller.owns(Schedule), Schedule.is_default.is_(True), Schedule.deleted_at.is_(None)
        )
    )


async def _make_default(session: AsyncSession, caller: Caller, schedule: Schedule) -> None:
    if schedule.host_id != await caller_default_host_id(session, caller):
        raise invalid_param(
            "is_default",
            f"Schedule {schedule.id} belongs to host {schedule.host_id}; only a schedule of the "
            "account's default host can be the account's default schedule. To make it that "
            "host's working hours, set default_schedule_id on the host instead.",
        )
    await make_default_schedule(session, caller, schedule)


async def create_schedule(state: AppState, caller: Caller, new: ScheduleCreate) -> Schedule:
    """A new schedule; a field not sent (``MISSING``) takes its default."""
    weekly = (
        check_weekly(new.weekly_hours)
        if new.weekly_hours is not MISSING
        else [dict(w) for w in DEFAULT_WEEKLY_HOURS]
    )
    overrides = check_overrides(new.date_overrides if new.date_overrides is not MISSING else [])
    time_zone = new.time_zone if new.time_zone is not MISSING else caller.account.time_zone
    now = state.clock.now()
    async with changing_cached(state) as session:
        has_default = await default_schedule_id(session, caller)
        schedule = Schedule(
            id=new_id("sch"),
            account_id=caller.account_id,
            livemode=caller.livemode,
            host_id=await host_id_or_default(session, caller, new.host_id),
            name=new.name,
            time_zone=time_zone,
            weekly_hours=weekly,
            date_overrides=overrides,
            is_default=False,
            created_at=now,
            updated_at=now,
            deleted_at=None,
        )
        session.add(schedule)
        await session.flush()
        if new.is_default is True or has_default is None:
            await _make_default(session, caller, schedule)
    return schedule


list_schedules = owned_lister(Schedule)


retrieve_schedule = owned_reader(Schedule, kind="schedule")


async def update_schedule(
    state: AppState, caller: Caller, schedule_id: str, changes: ScheduleUpdate
) -> Schedule:
    """Change the fields sent; a field not sent (``MISSING``) is left as it is."""
    weekly = check_weekly(changes.weekly_hours) if changes.weekly_hours is not MISSING else None
    overrides = (
        check_overrides(changes.date_overrides) if changes.date_overrides is not MISSING else None
    )
    async with changing_cached(state) as session:
        schedule = await get_schedule(session, caller, schedule_id)
        if changes.is_default is False and schedule.is_default:
            raise invalid_param(
                "is_default",
                "A schedule stops being the default when another one becomes it; set is_default: true on that one instead.",
            )
        if changes.name is not MISSING:
            schedule.name = changes.name
        if changes.time_zone is not MISSING:
            schedule.time_zone = changes.time_zone
        if weekly is not None:
            schedule.weekly_hours = weekly
        if overrides is not None:
            schedule.date_overrides = overrides
        if changes.is_default is True:
            await _make_default(session, caller, schedule)
        schedule.updated_at = state.clock.now()
    return schedule


async def _first_ids(session: AsyncSession, model: Any, *where: Any) -> list[str]:
    """The ids of the first few live rows of ``model`` matching ``where`` (oldest first), to name
    in a 409."""
    found = await session.scalars(
        select(model.id)
        .where(model.deleted_at.is_(None), *where)
        .order_by(model.created_at, model.id)
        .limit(20)
    )
    return list(found.all())


async def delete_schedule(state: AppState, caller: Caller, schedule_id: str) -> None:
    """Soft-delete; refused while event types use the schedule, while another host works by it
    or while it is the default."""
    async with changing_cached(state) as session:
        schedule = await get_schedule(session, caller, schedule_id)
        users = await _first_ids(session, EventType, EventType.schedule_id == schedule.id)
        if users:
            raise conflict(
                "schedule_in_use",
                f"Event type(s) {', '.join(users)} use this schedule; move them to another schedule first.",
                details={"event_type_ids": users},
            )
        # The default host works by the account's default schedule, refused below on its own.
        hosts = await _first_ids(
            session, Host, Host.default_schedule_id == schedule.id, Host.is_default.is_(False)
        )
        if hosts:
            raise conflict(
                "schedule_in_use",
                f"Host(s) {', '.join(hosts)} work by this schedule (their default_schedule_id); "
                "point them at another of their schedules first.",
                details={"host_ids": hosts},
            )
        if schedule.is_default:
            raise conflict(
                "default_schedule",
                "This is the account's default schedule; make another schedule the default (is_default: true) first.",
            )
        schedule.deleted_at = state.clock.now()
