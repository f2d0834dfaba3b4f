"""``/v1/waitlist``: join, list (with positions), retrieve, leave; and the invitee's confirm link
``/v1/invitee/waitlist/{token}`` (no API key: the token is the credential, counted per client and
token first, as on the other invitee routes).

The body is the contract's request model; what the schema cannot state (exactly one of ``start``
and ``date``, e-mail syntax, IANA zones, a usable start) is checked here; the queue and promotion
live in :mod:`astrocal_server.waitlist.service`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import MISSING

from astrocal_server.api.body import check_field, parse_json_body
from astrocal_server.api.deps import CallerDep, PageDep, StateDep
from astrocal_server.api.params import EVENT_TYPE_ID, check_start, email_query
from astrocal_server.api.ratelimit import enforce_invitee
from astrocal_server.api.routes import operation
from astrocal_server.contract.requests import WaitlistEntryCreate
from astrocal_server.errors import invalid_param
from astrocal_server.serialize.invitee import invitee_booking_to_api
from astrocal_server.serialize.waitlist import invitee_entry_to_api
from astrocal_server.validation import check_email, check_time_zone
from astrocal_server.waitlist import service

__all__ = ["router"]

router = APIRouter()

_Status = Literal["waiting", "promoted", "booked", "expired", "cancelled"]


@operation(router, "waitlist.create")
async def create_entry(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, WaitlistEntryCreate)
    has_start, has_date = body.start is not MISSING, body.date is not MISSING
    if has_start == has_date:
        raise invalid_param(
            "start" if has_start else "date",
            "Give exactly one of start (one start to wait for) and date (any start that day); "
            + ("leave date out." if has_start else "add start or date."),
        )
    invitee = body.invitee
    draft = service.EntryDraft(
        event_type_id=body.event_type_id,
        start=check_start(body.start) if body.start is not MISSING else None,
        day=body.date if body.date is not MISSING else None,
        invitee_name=invitee.name,
        invitee_email=check_field(["invitee", "email"], check_email, invitee.email),
        invitee_time_zone=(
            check_field(["invitee", "time_zone"], check_time_zone, invitee.time_zone)
            if invitee.time_zone is not MISSING
            else None
        ),
        host_id=body.host_id if body.host_id is not MISSING else None,
        metadata=dict(body.metadata) if body.metadata is not MISSING else {},
    )
    view = await service.create_entry(state, caller, draft)
    return JSONResponse(view.to_api(), status_code=201)


@operation(router, "waitlist.list")
async def list_entries(
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
    status: Annotated[_Status | None, Query()] = None,
    event_type_id: Annotated[str | None, Query(**EVENT_TYPE_ID)] = None,
    invitee_email: Annotated[str | None, Query(max_length=320)] = None,
) -> dict[str, Any]:
    email = email_query(invitee_email)
    filters = service.EntryFilters(status=status, event_type_id=event_type_id, invitee_email=email)
    found = await service.list_entries(state, caller, filters, page)
    return found.render(lambda view: view.to_api())


@operation(router, "waitlist.retrieve")
async def retrieve_entry(entry_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    return (await service.retrieve_entry(state, caller, entry_id)).to_api()


@operation(router, "waitlist.delete")
async def delete_entry(entry_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    return (await service.leave(state, caller, entry_id)).to_api()


async def _throttle(request: Request, token: str, state: StateDep) -> None:
    await enforce_invitee(request, state, token)


_LIMITED = [Depends(_throttle)]


@operation(router, "invitee_waitlist.retrieve", dependencies=_LIMITED)
async def invitee_retrieve(token: str, state: StateDep) -> dict[str, Any]:
    seen = await service.open_promotion(state, token)
    return invitee_entry_to_api(
        seen.entry, seen.event_type, seen.hold, can_confirm=seen.can_confirm
    )


@operation(router, "invitee_waitlist.confirm", dependencies=_LIMITED)
async def invitee_confirm(token: str, state: StateDep) -> dict[str, Any]:
    return invitee_booking_to_api(await service.confirm(state, token))
