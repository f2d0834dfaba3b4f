"""``/v1/event_types``: what can be booked, for how long, on which schedule, with which rules."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.api.body import StrictBody, parse_json_body
from astrocal_server.api.deps import Caller, CallerDep, PageDep, StateDep, validate_idempotency_key
from astrocal_server.api.schedules import get_schedule
from astrocal_server.errors import Conflict, conflict, invalid_param, not_found
from astrocal_server.ids import new_id
from astrocal_server.serialize.event_types import event_type_to_api
from astrocal_server.storage.models import Booking, CalendarConnection, EventType, Schedule
from astrocal_server.storage.pagination import paginate
from astrocal_server.validation import Metadata, SlugText, merge_metadata

__all__ = ["get_event_type", "router"]

router = APIRouter()

Minutes = Annotated[int, Field(ge=5, le=720)]
Buffer = Annotated[int, Field(ge=0, le=720)]


class CalendarRef(StrictBody):
    connection_id: Annotated[str, Field(min_length=1, max_length=40)]
    calendar_id: Annotated[str, Field(min_length=1, max_length=1024)]


class Location(StrictBody):
    type: Literal["in_person", "phone", "video", "custom"]
    value: Annotated[str, Field(min_length=1, max_length=500)]


class EventTypeFields(StrictBody):
    """Every settable field; on PATCH all are optional and ``null`` clears the nullable ones."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset(
        {
            "description",
            "duration_options",
            "slot_interval_minutes",
            "max_bookings_per_day",
            "location",
            "destination_calendar",
        }
    )
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    slug: SlugText | None = None
    description: Annotated[str, Field(max_length=5000)] | None = None
    duration_minutes: Minutes | None = None
    duration_options: Annotated[list[Minutes], Field(min_length=1, max_length=20)] | None = None
    slot_interval_minutes: Minutes | None = None
    buffer_before_minutes: Buffer | None = None
    buffer_after_minutes: Buffer | None = None
    minimum_notice_minutes: Annotated[int, Field(ge=0, le=525_600)] | None = None
    booking_window_days: Annotated[int, Field(ge=1, le=730)] | None = None
    max_bookings_per_day: Annotated[int, Field(ge=1, le=1000)] | None = None
    seats_per_slot: Annotated[int, Field(ge=1, le=1000)] | None = None
    schedule_id: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    location: Location | None = None
    conflict_calendars: Annotated[list[CalendarRef], Field(max_length=50)] | None = None
    destination_calendar: CalendarRef | None = None
    on_calendar_error: Literal["fail", "ignore"] | None = None
    active: bool | None = None
    metadata: Metadata | None = None


class EventTypeCreate(EventTypeFields):
    NULLABLE: ClassVar[frozenset[str]] = frozenset()
    title: Annotated[str, Field(min_length=1, max_length=200)]
    slug: SlugText
    duration_minutes: Minutes


async def get_event_type(
    session: AsyncSession, caller: Caller, event_type_id: str, *, param: str | None = None
) -> EventType:
    """The caller's (non-deleted) event type, or 404."""
    event_type = await session.scalar(
        select(EventType).where(
            EventType.id == event_type_id, caller.owns(EventType), EventType.deleted_at.is_(None)
        )
    )
    if event_type is None:
        raise not_found("event type", event_type_id, param=param)
    return event_type


async def _check_calendars(session: AsyncSession, caller: Caller, event_type: EventType) -> None:
    refs: list[tuple[str, dict[str, Any]]] = [
        (f"conflict_calendars.{i}", c) for i, c in enumerate(event_type.conflict_calendars)
    ]
    if event_type.destination_calendar:
        refs.append(("destination_calendar", event_type.destination_calendar))
    if not refs:
        return
    ids = {ref["connection_id"] for _, ref in refs}
    connections = {
        c.id: c
        for c in (
            await session.scalars(
                select(CalendarConnection).where(
                    CalendarConnection.id.in_(ids), caller.owns(CalendarConnection)
                )
            )
        ).all()
    }
    for param, ref in refs:
        connection = connections.get(ref["connection_id"])
        if connection is None:
            raise not_found(
                "calendar connection", ref["connection_id"], param=f"{param}.connection_id"
            )
        calendars = {str(c.get("id")): c for c in connection.calendars or []}
        if calendars and ref["calendar_id"] not in calendars:
            raise invalid_param(
                f"{param}.calendar_id",
                f"Calendar {ref['calendar_id']!r} is not one of connection {connection.id}'s calendars: {', '.join(sorted(calendars))}.",
            )
        chosen = calendars.get(ref["calendar_id"])
        if param == "destination_calendar" and chosen and chosen.get("read_only"):
            writable = sorted(i for i, c in calendars.items() if not c.get("read_only"))
            raise invalid_param(
                "destination_calendar.calendar_id",
                f"Calendar {ref['calendar_id']!r} is read-only, so bookings cannot be written to it; "
                f"choose a writable calendar of connection {connection.id}"
                + (f": {', '.join(writable)}." if writable else " (it has none)."),
            )


def _check_durations(event_type: EventType) -> None:
    options = event_type.duration_options
    if options is not None:
        if len(set(options)) != len(options):
            raise invalid_param(
                "duration_options", "duration_options lists a duration twice; list each once."
            )
        if event_type.duration_minutes not in options:
            raise invalid_param(
                "duration_options",
                f"duration_options must include duration_minutes ({event_type.duration_minutes}); add it to the list.",
            )


def _slug_conflict(slug: str) -> Conflict:
    return conflict(
        "slug_taken",
        f"Another event type in this account already uses the slug {slug!r}; choose another slug.",
        param="slug",
    )


async def _slug_in_use(
    session: AsyncSession, caller: Caller, slug: str, except_id: str | None = None
) -> bool:
    stmt = select(EventType.id).where(
        caller.owns(EventType), EventType.slug == slug, EventType.deleted_at.is_(None)
    )
    if except_id:
        stmt = stmt.where(EventType.id != except_id)
    return (await session.scalar(stmt)) is not None


async def _default_schedule_id(session: AsyncSession, caller: Caller) -> str:
    schedule_id = await session.scalar(
        select(Schedule.id).where(
            caller.owns(Schedule), Schedule.is_default.is_(True), Schedule.deleted_at.is_(None)
        )
    )
    if schedule_id is None:
        raise invalid_param(
            "schedule_id", "This account has no default schedule; pass schedule_id."
        )
    return schedule_id


async def _flush(session: AsyncSession, slug: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise _slug_conflict(slug) from None


@router.post(
    "/v1/event_types",
    operation_id="event_types.create",
    status_code=201,
    dependencies=[Depends(validate_idempotency_key)],
)
async def create_event_type(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, EventTypeCreate)
    now = state.clock.now()
    async with state.db.write() as session:
        if body.schedule_id is not None:
            schedule_id = (
                await get_schedule(session, caller, body.schedule_id, param="schedule_id")
            ).id
        else:
            schedule_id = await _default_schedule_id(session, caller)
        slug = body.slug
        if await _slug_in_use(session, caller, slug):
            raise _slug_conflict(slug)
        event_type = EventType(
            id=new_id("evt"),
            account_id=caller.account_id,
            livemode=caller.livemode,
            title=body.title,
            slug=slug,
            description=body.description,
            duration_minutes=body.duration_minutes,
            duration_options=body.duration_options,
            slot_interval_minutes=body.slot_interval_minutes,
            buffer_before_minutes=body.buffer_before_minutes or 0,
            buffer_after_minutes=body.buffer_after_minutes or 0,
            minimum_notice_minutes=body.minimum_notice_minutes or 0,
            booking_window_days=body.booking_window_days or 60,
            max_bookings_per_day=body.max_bookings_per_day,
            seats_per_slot=body.seats_per_slot or 1,
            schedule_id=schedule_id,
            location=body.location.model_dump() if body.location else None,
            conflict_calendars=[c.model_dump() for c in body.conflict_calendars or []],
            destination_calendar=body.destination_calendar.model_dump()
            if body.destination_calendar
            else None,
            on_calendar_error=body.on_calendar_error or "fail",
            active=True if body.active is None else body.active,
            metadata_=dict(body.metadata or {}),
            created_at=now,
            updated_at=now,
            deleted_at=None,
        )
        _check_durations(event_type)
        await _check_calendars(session, caller, event_type)
        session.add(event_type)
        await _flush(session, slug)
        out = event_type_to_api(event_type)
    return JSONResponse(out, status_code=201)


@router.get("/v1/event_types", operation_id="event_types.list")
async def list_event_types(
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
    active: Annotated[bool | None, Query()] = None,
) -> dict[str, Any]:
    stmt = select(EventType).where(caller.owns(EventType), EventType.deleted_at.is_(None))
    if active is not None:
        stmt = stmt.where(EventType.active.is_(active))
    async with state.db.read() as session:
        page = await paginate(
            session, stmt, order_by=[EventType.created_at, EventType.id], page=page
        )
    return page.render(event_type_to_api)


@router.get("/v1/event_types/{event_type_id}", operation_id="event_types.retrieve")
async def retrieve_event_type(
    event_type_id: str, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    async with state.db.read() as session:
        return event_type_to_api(await get_event_type(session, caller, event_type_id))


@router.patch("/v1/event_types/{event_type_id}", operation_id="event_types.update")
async def update_event_type(
    event_type_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, EventTypeFields)
    sent = body.model_fields_set
    async with state.db.write() as session:
        event_type = await get_event_type(session, caller, event_type_id)
        if "schedule_id" in sent and body.schedule_id is not None:
            event_type.schedule_id = (
                await get_schedule(session, caller, body.schedule_id, param="schedule_id")
            ).id
        if body.slug is not None and body.slug != event_type.slug:
            if await _slug_in_use(session, caller, body.slug, except_id=event_type.id):
                raise _slug_conflict(body.slug)
            event_type.slug = body.slug
        for name in (
            "title",
            "description",
            "duration_minutes",
            "duration_options",
            "slot_interval_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "minimum_notice_minutes",
            "booking_window_days",
            "max_bookings_per_day",
            "seats_per_slot",
            "on_calendar_error",
            "active",
        ):
            if name in sent:
                setattr(event_type, name, getattr(body, name))
        if "location" in sent:
            event_type.location = body.location.model_dump() if body.location else None
        if "conflict_calendars" in sent:
            event_type.conflict_calendars = [c.model_dump() for c in body.conflict_calendars or []]
        if "destination_calendar" in sent:
            event_type.destination_calendar = (
                body.destination_calendar.model_dump() if body.destination_calendar else None
            )
        if "metadata" in sent:
            try:
                event_type.metadata_ = merge_metadata(event_type.metadata_, body.metadata or {})
            except ValueError as exc:
                raise invalid_param("metadata", f"{exc}.") from None
        _check_durations(event_type)
        await _check_calendars(session, caller, event_type)
        event_type.updated_at = state.clock.now()
        await _flush(session, event_type.slug)
        return event_type_to_api(event_type)


@router.delete(
    "/v1/event_types/{event_type_id}", operation_id="event_types.delete", status_code=204
)
async def delete_event_type(
    event_type_id: str,
    caller: CallerDep,
    state: StateDep,
    force: Annotated[bool, Query()] = False,
) -> Response:
    now = state.clock.now()
    async with state.db.write() as session:
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
        if upcoming is not None:
            if not force:
                raise conflict(
                    "event_type_has_bookings",
                    "This event type has upcoming bookings; cancel them first, or pass ?force=true to "
                    "deactivate it instead (its bookings stay, nobody can book it any more).",
                )
            event_type.active = False
            event_type.updated_at = now
        else:
            event_type.deleted_at = now
            event_type.active = False
    return Response(status_code=204)
