"""``/v1/event_types``: what can be booked, for how long, on which schedule, with which rules.

Bodies are parsed strictly here (types, ranges, lengths, slugs, metadata); the rules across fields
and the lifecycle live in :mod:`astrocal_server.event_types`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ConfigDict, Field

from astrocal_server.api.body import StrictBody, parse_json_body
from astrocal_server.api.deps import CallerDep, PageDep, StateDep, validate_idempotency_key
from astrocal_server.event_types import service
from astrocal_server.serialize.event_types import event_type_to_api
from astrocal_server.validation import Metadata, SlugText

__all__ = ["router"]

router = APIRouter()

Minutes = Annotated[int, Field(ge=5, le=720)]
Buffer = Annotated[int, Field(ge=0, le=720)]


class CalendarRef(StrictBody):
    connection_id: Annotated[str, Field(min_length=1, max_length=64)]
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
    schedule_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
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


@router.post(
    "/v1/event_types",
    operation_id="event_types.create",
    status_code=201,
    dependencies=[Depends(validate_idempotency_key)],
)
async def create_event_type(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, EventTypeCreate)
    new = service.NewEventType(**body.model_dump())
    event_type = await service.create_event_type(state, caller, new)
    return JSONResponse(event_type_to_api(event_type), status_code=201)


@router.get("/v1/event_types", operation_id="event_types.list")
async def list_event_types(
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
    active: Annotated[bool | None, Query()] = None,
) -> dict[str, Any]:
    found = await service.list_event_types(state, caller, page, active=active)
    return found.render(event_type_to_api)


@router.get("/v1/event_types/{event_type_id}", operation_id="event_types.retrieve")
async def retrieve_event_type(
    event_type_id: str, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    return event_type_to_api(await service.retrieve_event_type(state, caller, event_type_id))


@router.patch("/v1/event_types/{event_type_id}", operation_id="event_types.update")
async def update_event_type(
    event_type_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, EventTypeFields)
    changes = service.EventTypeChanges(**body.model_dump(), sent=frozenset(body.model_fields_set))
    return event_type_to_api(await service.update_event_type(state, caller, event_type_id, changes))


@router.delete(
    "/v1/event_types/{event_type_id}", operation_id="event_types.delete", status_code=204
)
async def delete_event_type(
    event_type_id: str,
    caller: CallerDep,
    state: StateDep,
    force: Annotated[bool, Query()] = False,
) -> Response:
    await service.delete_event_type(state, caller, event_type_id, force=force)
    return Response(status_code=204)
