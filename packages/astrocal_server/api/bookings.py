"""``/v1/bookings``: create, list, retrieve, update, cancel (POST …/cancel and DELETE), reschedule.

Bodies are the contract's request models (:mod:`astrocal_server.contract.requests`); the checks
the schema cannot state (e-mail syntax, IANA zones, a guest listed twice, a start the scheduling
arithmetic can use) are made here; the lifecycle itself lives in
:mod:`astrocal_server.bookings.service`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import MISSING

from astrocal_server.api import idempotency
from astrocal_server.api.body import check_field, parse_json_body
from astrocal_server.api.deps import CallerDep, PageDep, StateDep
from astrocal_server.api.encoding import JSONResponse
from astrocal_server.api.params import EVENT_TYPE_ID, check_start, email_query, parse_instant
from astrocal_server.api.routes import operation
from astrocal_server.bookings import service
from astrocal_server.bookings.rules import check_guests
from astrocal_server.caller import Caller
from astrocal_server.contract.requests import (
    BookingCancel,
    BookingCreate,
    BookingReschedule,
    BookingUpdate,
)
from astrocal_server.errors import invalid_param
from astrocal_server.invitee.service import links_of
from astrocal_server.serialize.bookings import booking_to_api
from astrocal_server.state import AppState
from astrocal_server.storage.models import Booking
from astrocal_server.validation import check_email, check_time_zone

__all__ = ["router"]

router = APIRouter()

# openapi.yaml's ``host_`` id pattern: a malformed ``host_id`` is a 400 naming it, not an empty list.
_HOST_ID_PATTERN = r"^host_[a-z0-9]+$"


def _shown(state: AppState, caller: Caller, booking: Booking) -> dict[str, Any]:
    """The booking's API object, with its invitee links."""
    return booking_to_api(booking, links_of(state, caller.account, booking))


def _zone(loc: list[str], value: str) -> str:
    return check_field(loc, check_time_zone, value)


def _guests(guests: list[str]) -> list[str]:
    emails = [check_field(["guests", n], check_email, g) for n, g in enumerate(guests)]
    try:
        return check_guests(emails)
    except ValueError as exc:
        raise invalid_param("guests", f"{exc}.") from None


@operation(router, "bookings.create")
async def create_booking(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, BookingCreate)
    invitee = body.invitee
    draft = service.BookingDraft(
        event_type_id=body.event_type_id if body.event_type_id is not MISSING else None,
        start=check_start(body.start) if body.start is not MISSING else None,
        invitee_name=invitee.name,
        invitee_email=check_field(["invitee", "email"], check_email, invitee.email),
        invitee_time_zone=(
            _zone(["invitee", "time_zone"], invitee.time_zone)
            if invitee.time_zone is not MISSING
            else None
        ),
        guests=_guests(body.guests) if body.guests is not MISSING else [],
        notes=body.notes if body.notes is not MISSING else None,
        duration=body.duration if body.duration is not MISSING else None,
        metadata=dict(body.metadata) if body.metadata is not MISSING else {},
        idempotency_key=idempotency.key_of(request),
        host_id=body.host_id if body.host_id is not MISSING else None,
        answers=dict(body.answers) if body.answers is not MISSING else {},
        hold_id=body.hold_id if body.hold_id is not MISSING else None,
    )
    booking, shown = await service.create_booking_shown(state, caller, draft)
    return JSONResponse(shown or _shown(state, caller, booking), status_code=201)


def _instant_query(value: str | None, name: str) -> datetime | None:
    return None if value is None else parse_instant(value, name)


@operation(router, "bookings.list")
async def list_bookings(
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
    status: Annotated[Literal["confirmed", "cancelled"] | None, Query()] = None,
    event_type_id: Annotated[str | None, Query(**EVENT_TYPE_ID)] = None,
    host_id: Annotated[str | None, Query(pattern=_HOST_ID_PATTERN, max_length=64)] = None,
    invitee_email: Annotated[str | None, Query(max_length=320)] = None,
    start_after: Annotated[str | None, Query(max_length=64)] = None,
    start_before: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    email = email_query(invitee_email)
    filters = service.BookingFilters(
        status=status,
        event_type_id=event_type_id,
        host_id=host_id,
        invitee_email=email,
        start_after=_instant_query(start_after, "start_after"),
        start_before=_instant_query(start_before, "start_before"),
    )
    found = await service.list_bookings(state, caller, filters, page)
    return found.render(lambda booking: _shown(state, caller, booking))


@operation(router, "bookings.retrieve")
async def retrieve_booking(booking_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    return _shown(state, caller, await service.retrieve_booking(state, caller, booking_id))


@operation(router, "bookings.update")
async def update_booking(
    booking_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, BookingUpdate)
    invitee = body.invitee
    name = zone = None
    if invitee is not MISSING:
        name = invitee.name if invitee.name is not MISSING else None
        if invitee.time_zone is not MISSING:
            zone = _zone(["invitee", "time_zone"], invitee.time_zone)
    changes = service.BookingChanges(
        notes=body.notes if body.notes is not MISSING else None,
        metadata=dict(body.metadata) if body.metadata is not MISSING else None,
        invitee_name=name,
        invitee_time_zone=zone,
        guests=_guests(body.guests) if body.guests is not MISSING else None,
    )
    return _shown(state, caller, await service.update_booking(state, caller, booking_id, changes))


async def _cancel(
    booking_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, BookingCancel)
    reason = body.reason if body.reason is not MISSING else None
    return _shown(state, caller, await service.cancel_booking(state, caller, booking_id, reason))


@operation(router, "bookings.delete")
async def delete_booking(
    booking_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    return await _cancel(booking_id, request, caller, state)


@operation(router, "bookings.cancel")
async def cancel_booking(
    booking_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    return await _cancel(booking_id, request, caller, state)


@operation(router, "bookings.reschedule")
async def reschedule_booking(
    booking_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, BookingReschedule)
    start = check_start(body.start)
    reason = body.reason if body.reason is not MISSING else None
    booking = await service.reschedule_booking(
        state, caller, booking_id, start, reason, reassign=body.reassign
    )
    return _shown(state, caller, booking)
