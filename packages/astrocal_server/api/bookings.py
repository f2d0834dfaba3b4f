"""``/v1/bookings``: create, list, retrieve, update, cancel (POST …/cancel and DELETE), reschedule.

Bodies are validated strictly here (types, lengths, emails, zones, RFC 3339 instants with an
offset); the lifecycle itself lives in :mod:`astrocal_server.bookings.service`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import EmailStr, Field, TypeAdapter, ValidationError

from astrocal_server.api import idempotency
from astrocal_server.api.body import StrictBody, parse_json_body
from astrocal_server.api.deps import CallerDep, PageDep, StateDep, validate_idempotency_key
from astrocal_server.api.params import parse_instant, parse_start
from astrocal_server.bookings import service
from astrocal_server.bookings.rules import check_guests
from astrocal_server.errors import invalid_param
from astrocal_server.serialize.bookings import booking_to_api
from astrocal_server.validation import Metadata, TimeZoneName

__all__ = ["router"]

router = APIRouter()

Email = Annotated[EmailStr, Field(max_length=320)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Zone = Annotated[TimeZoneName, Field(min_length=1, max_length=64)]
Guests = Annotated[list[Email], Field(max_length=10)]
Notes = Annotated[str, Field(max_length=5000)]
Reason = Annotated[str, Field(max_length=500)]
_EMAIL = TypeAdapter(Email)


class InviteeIn(StrictBody):
    name: Name
    email: Email
    time_zone: Zone | None = None


class BookingCreateBody(StrictBody):
    event_type_id: Annotated[str, Field(pattern=r"^evt_[a-z0-9]+$", max_length=64)]
    start: Annotated[str, Field(max_length=64)]
    invitee: InviteeIn
    guests: Guests | None = None
    notes: Notes | None = None
    duration: Annotated[int, Field(ge=5, le=720)] | None = None
    metadata: Metadata | None = None


class InviteeUpdateBody(StrictBody):
    name: Name | None = None
    time_zone: Zone | None = None


class BookingUpdateBody(StrictBody):
    notes: Notes | None = None
    metadata: Metadata | None = None
    invitee: InviteeUpdateBody | None = None
    guests: Guests | None = None


class BookingCancelBody(StrictBody):
    reason: Reason | None = None


class BookingRescheduleBody(StrictBody):
    start: Annotated[str, Field(max_length=64)]
    reason: Reason | None = None


def _guests(guests: list[str] | None) -> list[str]:
    try:
        return check_guests(str(g) for g in guests or [])
    except ValueError as exc:
        raise invalid_param("guests", f"{exc}.") from None


@router.post(
    "/v1/bookings",
    operation_id="bookings.create",
    status_code=201,
    dependencies=[Depends(validate_idempotency_key)],
)
async def create_booking(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, BookingCreateBody)
    draft = service.BookingDraft(
        event_type_id=body.event_type_id,
        start=parse_start(body.start),
        invitee_name=body.invitee.name,
        invitee_email=str(body.invitee.email),
        invitee_time_zone=body.invitee.time_zone,
        guests=_guests(body.guests),
        notes=body.notes,
        duration=body.duration,
        metadata=dict(body.metadata or {}),
        idempotency_key=idempotency.key_of(request),
    )
    booking = await service.create_booking(state, caller, draft)
    return JSONResponse(booking_to_api(booking), status_code=201)


def _instant_query(value: str | None, name: str) -> datetime | None:
    return None if value is None else parse_instant(value, name)


@router.get("/v1/bookings", operation_id="bookings.list")
async def list_bookings(
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
    status: Annotated[Literal["confirmed", "cancelled"] | None, Query()] = None,
    event_type_id: Annotated[str | None, Query(pattern=r"^evt_[a-z0-9]+$", max_length=64)] = None,
    invitee_email: Annotated[str | None, Query(max_length=320)] = None,
    start_after: Annotated[str | None, Query(max_length=64)] = None,
    start_before: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    email = None
    if invitee_email is not None:
        try:
            email = str(_EMAIL.validate_python(invitee_email))
        except ValidationError:
            raise invalid_param(
                "invitee_email", "invitee_email must be an email address such as jo@acme.com."
            ) from None
    filters = service.BookingFilters(
        status=status,
        event_type_id=event_type_id,
        invitee_email=email,
        start_after=_instant_query(start_after, "start_after"),
        start_before=_instant_query(start_before, "start_before"),
    )
    found = await service.list_bookings(state, caller, filters, page)
    return found.render(booking_to_api)


@router.get("/v1/bookings/{booking_id}", operation_id="bookings.retrieve")
async def retrieve_booking(booking_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    return booking_to_api(await service.retrieve_booking(state, caller, booking_id))


@router.patch("/v1/bookings/{booking_id}", operation_id="bookings.update")
async def update_booking(
    booking_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, BookingUpdateBody)
    invitee = body.invitee
    changes = service.BookingChanges(
        notes=body.notes,
        metadata=dict(body.metadata) if body.metadata is not None else None,
        invitee_name=invitee.name if invitee else None,
        invitee_time_zone=invitee.time_zone if invitee else None,
        guests=_guests(body.guests) if body.guests is not None else None,
    )
    return booking_to_api(await service.update_booking(state, caller, booking_id, changes))


async def _cancel(
    booking_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, BookingCancelBody)
    return booking_to_api(await service.cancel_booking(state, caller, booking_id, body.reason))


@router.delete("/v1/bookings/{booking_id}", operation_id="bookings.delete")
async def delete_booking(
    booking_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    return await _cancel(booking_id, request, caller, state)


@router.post(
    "/v1/bookings/{booking_id}/cancel",
    operation_id="bookings.cancel",
    dependencies=[Depends(validate_idempotency_key)],
)
async def cancel_booking(
    booking_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    return await _cancel(booking_id, request, caller, state)


@router.post(
    "/v1/bookings/{booking_id}/reschedule",
    operation_id="bookings.reschedule",
    dependencies=[Depends(validate_idempotency_key)],
)
async def reschedule_booking(
    booking_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, BookingRescheduleBody)
    start = parse_start(body.start)
    booking = await service.reschedule_booking(state, caller, booking_id, start, body.reason)
    return booking_to_api(booking)
