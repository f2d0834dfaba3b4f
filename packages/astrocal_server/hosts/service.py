"""Hosts against the database: the people whose time is booked, and their lifecycle.

Invariants: every account has exactly one default host per mode (``is_default``; a partial unique
index holds it), created with the account; it is never deleted nor deactivated, and its
``default_schedule_id`` is the account's default schedule (:func:`make_default_schedule` moves
both together). Event types without ``hosts``, schedules and calendar connections made without a
``host_id`` belong to it.

Any other host gets its own schedule (Monday to Friday 09:00–17:00 in its zone) when it is created,
so it is bookable at once; its ``default_schedule_id`` may only name one of its own schedules.
``external_id`` is unique per account and mode among hosts not deleted (the partial unique index
``uq_hosts_external_id`` backs the check against a concurrent write). A host with upcoming
confirmed bookings (its ``booking_hosts`` rows) or listed by an event type is not deleted: that is a
409, or with ``force`` a deactivation that keeps it and its bookings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import MISSING
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from astrocal_server.accounts.keycache import changing_cached
from astrocal_server.calendars.refs import check_calendars
from astrocal_server.caller import Caller
from astrocal_server.contract.requests import HostCreate, HostUpdate
from astrocal_server.errors import Conflict, conflict, invalid_param
from astrocal_server.ids import new_id
from astrocal_server.schedules.rules import DEFAULT_WEEKLY_HOURS
from astrocal_server.state import AppState
from astrocal_server.storage.models import Account, BookingHost, EventType, Host, Schedule
from astrocal_server.storage.owned import get_owned, list_owned, owned_reader
from astrocal_server.storage.pagination import Page, PageRequest
from astrocal_server.validation import patched_metadata

__all__ = [
    "caller_default_host_id",
    "create_host",
    "default_host_id",
    "delete_host",
    "get_host",
    "host_id_or_default",
    "list_hosts",
    "make_default_schedule",
    "new_default_host",
    "new_host",
    "new_working_hours",
    "retrieve_host",
    "update_host",
]

_DEFAULT_HOST = select(Host.id).where(
    Host.account_id == bindparam("account_id"),
    Host.livemode == bindparam("livemode"),
    Host.is_default.is_(True),
)
# The hours a new host starts with (its own copy, so changing them changes no one else's).
NEW_HOST_SCHEDULE_NAME = "Working hours"
# How many blocking event types a 409 names.
_NAMED = 20


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


def new_host(
    account_id: str,
    livemode: bool,
    *,
    name: str,
    email: str | None,
    time_zone: str,
    now: datetime,
    is_default: bool = False,
    active: bool = True,
    default_schedule_id: str | None = None,
    conflict_calendars: list[dict[str, Any]] | None = None,
    destination_calendar: dict[str, Any] | None = None,
    external_id: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Host:
    """A new host row (not added to any session)."""
    return Host(
        id=new_id("host"),
        account_id=account_id,
        livemode=livemode,
        name=name,
        email=email,
        time_zone=time_zone,
        default_schedule_id=default_schedule_id,
        conflict_calendars=list(conflict_calendars or []),
        destination_calendar=destination_calendar,
        external_id=external_id,
        metadata_=dict(metadata or {}),
        active=active,
        is_default=is_default,
        created_at=now,
        updated_at=now,
        deleted_at=None,
    )


def new_working_hours(
    host: Host, *, now: datetime, schedule_id: str | None = None, is_default: bool = False
) -> Schedule:
    """A schedule of ``host`` with the default weekly hours in the host's zone (not added to any
    session): what a new host, and an account's owner, start with."""
    return Schedule(
        id=schedule_id or new_id("sch"),
        account_id=host.account_id,
        livemode=host.livemode,
        host_id=host.id,
        name=NEW_HOST_SCHEDULE_NAME,
        time_zone=host.time_zone,
        weekly_hours=[dict(w) for w in DEFAULT_WEEKLY_HOURS],
        date_overrides=[],
        is_default=is_default,
        created_at=now,
        updated_at=now,
        deleted_at=None,
    )


def new_default_host(
    account: Account, *, livemode: bool, default_schedule_id: str | None, now: datetime
) -> Host:
    """The account owner as a host: its name, email and time zone."""
    return new_host(
        account.id,
        livemode,
        name=account.name,
        email=account.email,
        time_zone=account.time_zone,
        now=now,
        is_default=True,
        default_schedule_id=default_schedule_id,
    )


async def get_host(
    session: AsyncSession, caller: Caller, host_id: str, *, param: str | None = None
) -> Host:
    """The caller's (non-deleted) host, or 404 naming ``param``."""
    return await get_owned(session, Host, caller, host_id, kind="host", param=param)


async def host_id_or_default(session: AsyncSession, caller: Caller, host_id: Any) -> str:
    """The ``host_id`` a request sent (which must be the caller's: 404 naming ``host_id``), or the
    default host's when it sent none (``MISSING`` or ``None``)."""
    if host_id is MISSING or host_id is None:
        return await caller_default_host_id(session, caller)
    return (await get_host(session, caller, str(host_id), param="host_id")).id


async def make_default_schedule(session: AsyncSession, caller: Caller, schedule: Schedule) -> None:
    """Make ``schedule`` (one of the default host's) the account's default schedule, and so the
    default host's ``default_schedule_id``: the two always move together."""
    await session.execute(
        update(Schedule)
        .where(caller.owns(Schedule), Schedule.id != schedule.id, Schedule.is_default.is_(True))
        .values(is_default=False)
    )
    schedule.is_default = True
    await session.execute(
        update(Host)
        .where(caller.owns(Host), Host.is_default.is_(True))
        .values(default_schedule_id=schedule.id)
    )


def _external_id_taken(external_id: str) -> Conflict:
    return conflict(
        "host_external_id_taken",
        f"Another host in this account already has external_id {external_id!r}; look it up with "
        f"GET /v1/hosts?external_id=… or choose another external_id.",
        param="external_id",
    )


async def _check_external_id(
    session: AsyncSession, caller: Caller, external_id: str, except_id: str | None = None
) -> None:
    stmt = select(Host.id).where(
        caller.owns(Host), Host.external_id == external_id, Host.deleted_at.is_(None)
    )
    if except_id is not None:
        stmt = stmt.where(Host.id != except_id)
    if await session.scalar(stmt) is not None:
        raise _external_id_taken(external_id)


async def _flush(session: AsyncSession, external_id: str | None) -> None:
    # The partial unique index is the backstop for a concurrent write of the same external_id.
    try:
        await session.flush()
    except IntegrityError:
        if external_id is None:
            raise
        raise _external_id_taken(external_id) from None


async def create_host(state: AppState, caller: Caller, new: HostCreate) -> Host:
    """A new host with its own default schedule; a field not sent (``MISSING``) takes its default."""
    values = new.model_dump()  # the fields sent, as JSON values
    now = state.clock.now()
    time_zone = values.get("time_zone", caller.account.time_zone)
    external_id = values.get("external_id")
    host = new_host(
        caller.account_id,
        caller.livemode,
        name=new.name,
        email=values.get("email"),
        time_zone=time_zone,
        now=now,
        conflict_calendars=values.get("conflict_calendars"),
        destination_calendar=values.get("destination_calendar"),
        external_id=external_id,
        metadata=values.get("metadata"),
    )
    async with changing_cached(state) as session:
        if external_id is not None:
            await _check_external_id(session, caller, external_id)
        await check_calendars(session, caller, host.conflict_calendars, host.destination_calendar)
        session.add(host)
        await _flush(session, external_id)
        schedule = new_working_hours(host, now=now)
        session.add(schedule)
        host.default_schedule_id = schedule.id
    return host


async def list_hosts(
    state: AppState, caller: Caller, page: PageRequest, *, external_id: str | None = None
) -> Page[Host]:
    where = [] if external_id is None else [Host.external_id == external_id]
    return await list_owned(state.db, Host, caller, page, *where)


retrieve_host = owned_reader(Host, kind="host")


async def _set_default_schedule(
    session: AsyncSession, caller: Caller, host: Host, schedule_id: str
) -> None:
    param = "default_schedule_id"
    schedule = await get_owned(session, Schedule, caller, schedule_id, kind="schedule", param=param)
    if schedule.host_id != host.id:
        raise invalid_param(
            param,
            f"Schedule {schedule.id} belongs to host {schedule.host_id}, not to {host.id}; create "
            f"one for this host (POST /v1/schedules with host_id: {host.id}) and name that one.",
        )
    if host.is_default:
        await make_default_schedule(session, caller, schedule)
    host.default_schedule_id = schedule.id


async def update_host(state: AppState, caller: Caller, host_id: str, changes: HostUpdate) -> Host:
    """Change the fields sent; ``null`` clears a nullable one, a field not sent is left as it is."""
    sent = changes.model_dump()  # only the fields sent: MISSING ones are left out
    async with changing_cached(state) as session:
        host = await get_host(session, caller, host_id)
        if sent.get("active") is False and host.is_default:
            raise invalid_param(
                "active",
                "The default host hosts every event type that lists no hosts, so it cannot be "
                "deactivated; deactivate those event types instead.",
            )
        for name in ("name", "email", "time_zone", "active"):
            if name in sent:
                setattr(host, name, sent[name])
        if "default_schedule_id" in sent:
            await _set_default_schedule(session, caller, host, sent["default_schedule_id"])
        if "conflict_calendars" in sent:
            host.conflict_calendars = list(sent["conflict_calendars"])
        if "destination_calendar" in sent:
            host.destination_calendar = sent["destination_calendar"]
        if "external_id" in sent and sent["external_id"] != host.external_id:
            if sent["external_id"] is not None:
                await _check_external_id(session, caller, sent["external_id"], except_id=host.id)
            host.external_id = sent["external_id"]
        if "metadata" in sent:
            host.metadata_ = patched_metadata(host.metadata_, sent["metadata"])
        await check_calendars(session, caller, host.conflict_calendars, host.destination_calendar)
        host.updated_at = state.clock.now()
        await _flush(session, host.external_id)
    return host


async def _listed_by(session: AsyncSession, caller: Caller, host_id: str) -> list[str]:
    """The caller's live event types whose ``hosts`` name the host (oldest first, a few)."""
    found = await session.execute(
        select(EventType.id, EventType.hosts)
        .where(caller.owns(EventType), EventType.deleted_at.is_(None))
        .order_by(EventType.created_at, EventType.id)
    )
    listed = [
        event_type_id
        for event_type_id, hosts in found.all()
        if any(entry.get("host_id") == host_id for entry in hosts or [])
    ]
    return listed[:_NAMED]


async def delete_host(
    state: AppState, caller: Caller, host_id: str, *, force: bool = False
) -> None:
    """Soft-delete (its ``external_id`` is free again); refused for the default host, and for a
    host with upcoming confirmed bookings or listed by event types unless ``force``, which
    deactivates it instead."""
    now = state.clock.now()
    async with changing_cached(state) as session:
        host = await get_host(session, caller, host_id)
        if host.is_default:
            raise conflict(
                "default_host",
                "This is the account's default host (its owner), which hosts every event type that "
                "lists no hosts; it cannot be deleted.",
            )
        upcoming = await session.scalar(
            select(BookingHost.booking_id)
            .where(
                BookingHost.host_id == host.id,
                BookingHost.status == "confirmed",
                BookingHost.block_end > now,
            )
            .limit(1)
        )
        listed = await _listed_by(session, caller, host.id)
        if upcoming is None and not listed:
            host.deleted_at = now
            host.updated_at = now
            return
        if force:
            host.active = False
            host.updated_at = now
            return
        if upcoming is not None:
            raise conflict(
                "host_has_upcoming_bookings",
                "This host has upcoming bookings; cancel them first, or pass ?force=true to "
                "deactivate the host instead (its bookings stay, nobody can book it any more).",
            )
        raise conflict(
            "host_in_use",
            f"Event type(s) {', '.join(listed)} list this host; take it off their hosts first, or "
            "pass ?force=true to deactivate the host instead.",
            details={"event_type_ids": listed},
        )
