"""The event type lifecycle against the database: create, list, retrieve, update, delete.

An event type books on one of the caller's schedules (the account's default when none is given),
its slug is unique among the caller's live event types, and the calendars it names must be the
caller's. Deleting one with upcoming bookings is refused, or with ``force`` deactivates it instead
(its bookings stay); without upcoming bookings it is soft-deleted and its slug is free again.

Teams (``hosts``, ``assignment``): the shape rules are :func:`~astrocal_server.event_types.rules.
check_team`'s; each host listed must be an active, non-deleted host of the caller's account and
mode (404 ``resource_missing`` on ``hosts.<i>.host_id`` otherwise). Hosts are checked when the list
is sent; a host deactivated or deleted later stays listed, and availability treats it as never
free (a collective type then has no open slots; a round robin one books the others).

Defaults of the settable fields (``booking_window_days`` 60, no buffers, one seat, …) are the
contract's, filled in by the generated request model; a field the caller did not send and the
contract gives no default (``MISSING``) is left to the column default in ``storage/models.py``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.accounts.keycache import changing_cached
from astrocal_server.calendars.refs import check_calendars, check_conference_calendar
from astrocal_server.caller import Caller
from astrocal_server.contract.requests import EventTypeCreate, EventTypeUpdate
from astrocal_server.errors import conflict, invalid_param
from astrocal_server.event_types.questions import check_questions, stored_questions
from astrocal_server.event_types.reminders import check_reminders, stored_reminders
from astrocal_server.event_types.rules import (
    check_durations,
    check_host_rows,
    check_location,
    check_team,
    slug_taken,
)
from astrocal_server.ids import new_id
from astrocal_server.schedules.service import default_schedule_id, get_schedule
from astrocal_server.state import AppState
from astrocal_server.storage.models import Booking, EventType, Host
from astrocal_server.storage.owned import get_owned, list_owned, owned_reader
from astrocal_server.storage.pagination import Page, PageRequest
from astrocal_server.validation import patched_metadata

__all__ = [
    "create_event_type",
    "delete_event_type",
    "get_event_type",
    "list_event_types",
    "retrieve_event_type",
    "update_event_type",
]


# Fields a create may leave out, so the column default applies.
_DEFAULTED = (
    "buffer_before_minutes",
    "buffer_after_minutes",
    "minimum_notice_minutes",
    "booking_window_days",
    "seats_per_slot",
    "on_calendar_error",
    "active",
    "invitee_can_cancel",
    "invitee_can_reschedule",
    "invitee_change_notice_minutes",
    "waitlist_hold_minutes",
)
# Fields a PATCH copies as sent (the nested and merged ones are handled on their own): the ones a
# create sets from its required and nullable fields, and every defaulted one.
_PLAIN = (
    "title",
    "description",
    "duration_minutes",
    "duration_options",
    "slot_interval_minutes",
    "max_bookings_per_day",
    *_DEFAULTED,
)


async def get_event_type(
    session: AsyncSession, caller: Caller, event_type_id: str, *, param: str | None = None
) -> EventType:
    """The caller's (non-deleted) event type, or 404."""
    return await get_owned(
        session, EventType, caller, event_type_id, kind="event type", param=param
    )


async def _check_calendars(session: AsyncSession, caller: Caller, event_type: EventType) -> None:
    await check_calendars(
        session, caller, event_type.conflict_calendars, event_type.destination_calendar
    )
    check_location(event_type.location)
    await check_conference_calendar(session, caller, event_type)


async def _check_hosts(
    session: AsyncSession, caller: Caller, event_type: EventType, *, hosts_sent: bool
) -> None:
    """The team's shape, and (when ``hosts`` was sent) that each host may be booked."""
    check_team(event_type.hosts, event_type.assignment, event_type.schedule_id)
    if not hosts_sent or not event_type.hosts:
        return
    ids = {str(h["host_id"]) for h in event_type.hosts}
    found = {
        h.id: h
        for h in (
            await session.scalars(
                select(Host).where(Host.id.in_(ids), caller.owns(Host), Host.deleted_at.is_(None))
            )
        ).all()
    }
    check_host_rows(event_type.hosts, found, own_schedules=event_type.schedule_id is None)


def _hosts(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"host_id": h["host_id"], "priority": h.get("priority", 0), "weight": h.get("weight", 1)}
        for h in sent
    ]


def _questions(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions as sent, checked (keys, options) and in their stored form."""
    check_questions(sent)
    return stored_questions(sent)


def _reminders(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reminders as sent, checked (one per instant, no repeats) and in their stored form."""
    check_reminders(sent)
    return stored_reminders(sent)


async def _slug_in_use(
    session: AsyncSession, caller: Caller, slug: str, except_id: str | None = None
) -> bool:
    stmt = select(EventType.id).where(
        caller.owns(EventType), EventType.slug == slug, EventType.deleted_at.is_(None)
    )
    if except_id:
        stmt = stmt.where(EventType.id != except_id)
    return (await session.scalar(stmt)) is not None


async def _schedule_id(session: AsyncSession, caller: Caller, schedule_id: str | None) -> str:
    """The given schedule (which must be the caller's) or the account's default one."""
    if schedule_id is not None:
        return (await get_schedule(session, caller, schedule_id, param="schedule_id")).id
    default = await default_schedule_id(session, caller)
    if default is None:
        raise invalid_param(
            "schedule_id", "This account has no default schedule; pass schedule_id."
        )
    return default


async def _flush(session: AsyncSession, slug: str) -> None:
    # The unique index on live slugs is the backstop for a concurrent create with the same slug.
    try:
        await session.flush()
    except IntegrityError:
        raise slug_taken(slug) from None


async def create_event_type(state: AppState, caller: Caller, new: EventTypeCreate) -> EventType:
    # The fields sent or defaulted by the contract, as JSON values (what was not sent is absent).
    values = new.model_dump()
    now = state.clock.now()
    hosts = _hosts(values.get("hosts", []))
    async with changing_cached(state) as session:
        # A team without a schedule_id works each host's own default schedule.
        schedule_id = (
            None
            if hosts and "schedule_id" not in values
            else await _schedule_id(session, caller, values.get("schedule_id"))
        )
        if await _slug_in_use(session, caller, new.slug):
            raise slug_taken(new.slug)
        given = {name: values[name] for name in _DEFAULTED if name in values}
        event_type = EventType(
            id=new_id("evt"),
            account_id=caller.account_id,
            livemode=caller.livemode,
            title=new.title,
            slug=new.slug,
            description=values.get("description"),
            duration_minutes=new.duration_minutes,
            duration_options=values.get("duration_options"),
            slot_interval_minutes=values.get("slot_interval_minutes"),
            max_bookings_per_day=values.get("max_bookings_per_day"),
            schedule_id=schedule_id,
            hosts=hosts,
            assignment=values.get("assignment", "single"),
            location=values.get("location"),
            conflict_calendars=list(values.get("conflict_calendars", [])),
            destination_calendar=values.get("destination_calendar"),
            questions=_questions(values.get("questions", [])),
            reminders=_reminders(values.get("reminders", [])),
            metadata_=dict(values.get("metadata", {})),
            created_at=now,
            updated_at=now,
            deleted_at=None,
            **given,
        )
        check_durations(event_type.duration_minutes, event_type.duration_options)
        await _check_hosts(session, caller, event_type, hosts_sent=True)
        await _check_calendars(session, caller, event_type)
        session.add(event_type)
        # The flush also fills in the column defaults of what was left out.
        await _flush(session, new.slug)
    return event_type


async def list_event_types(
    state: AppState, caller: Caller, page: PageRequest, *, active: bool | None = None
) -> Page[EventType]:
    where = [] if active is None else [EventType.active.is_(active)]
    return await list_owned(state.db, EventType, caller, page, *where)


retrieve_event_type = owned_reader(EventType, kind="event type")


async def update_event_type(
    state: AppState, caller: Caller, event_type_id: str, changes: EventTypeUpdate
) -> EventType:
    """Change the fields sent; ``null`` clears a nullable one, a field not sent is left as it is."""
    sent = changes.model_dump()  # only the fields sent: MISSING ones are left out
    async with changing_cached(state) as session:
        event_type = await get_event_type(session, caller, event_type_id)
        if "hosts" in sent:
            event_type.hosts = _hosts(sent["hosts"])
        if "assignment" in sent:
            event_type.assignment = sent["assignment"]
        if "schedule_id" in sent:
            chosen = sent["schedule_id"]
            # null is for teams only: check_team refuses it for an event type without hosts.
            event_type.schedule_id = (
                None if chosen is None else await _schedule_id(session, caller, chosen)
            )
        elif event_type.schedule_id is None and not event_type.hosts:
            # Hosts removed from a team that worked their own schedules: back to the default one.
            event_type.schedule_id = await _schedule_id(session, caller, None)
        slug = sent.get("slug")
        if slug is not None and slug != event_type.slug:
            if await _slug_in_use(session, caller, slug, except_id=event_type.id):
                raise slug_taken(slug)
            event_type.slug = slug
        for name in _PLAIN:
            if name in sent:
                setattr(event_type, name, sent[name])
        if "location" in sent:
            event_type.location = sent["location"]
        if "conflict_calendars" in sent:
            event_type.conflict_calendars = list(sent["conflict_calendars"])
        if "destination_calendar" in sent:
            event_type.destination_calendar = sent["destination_calendar"]
        if "questions" in sent:
            event_type.questions = _questions(sent["questions"])
        if "reminders" in sent:
            event_type.reminders = _reminders(sent["reminders"])
        if "metadata" in sent:
            event_type.metadata_ = patched_metadata(event_type.metadata_, sent["metadata"])
        check_durations(event_type.duration_minutes, event_type.duration_options)
        await _check_hosts(
            session, caller, event_type, hosts_sent="hosts" in sent or "schedule_id" in sent
        )
        await _check_calendars(session, caller, event_type)
        event_type.updated_at = state.clock.now()
        await _flush(session, event_type.slug)
    return event_type


async def delete_event_type(
    state: AppState, caller: Caller, event_type_id: str, *, force: bool = False
) -> None:
    now = state.clock.now()
    async with changing_cached(state) as session:
        event_type = await get_event_type(session, caller, event_type_id)
        upcoming = (
            await session.scalars(
                select(Booking.id)
                .where(
                    Booking.event_type_id == event_type.id,
                    Booking.status != "cancelled",
                    Booking.end_at > now,
                )
                .limit(1)
            )
        ).first()
        if upcoming is None:
            event_type.deleted_at = now
            event_type.active = False
            return
        if not force:
            raise conflict(
                "event_type_has_bookings",
                "This event type has upcoming bookings; cancel them first, or pass ?force=true to "
                "deactivate it instead (its bookings stay, nobody can book it any more).",
            )
        event_type.active = False
        event_type.updated_at = now
