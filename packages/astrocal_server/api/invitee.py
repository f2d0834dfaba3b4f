"""``/v1/invitee/bookings/{token}``: the invitee's side of a booking, for pages built on the API.

No API key: the token of the booking's links is the only credential, and an ``Authorization``
header is ignored. Every route counts the request per client address and per token first
(:func:`~astrocal_server.api.ratelimit.enforce_invitee`), so guessing tokens is throttled before
the database is asked. Errors use the same envelope as every route; the rules are the invitee
service's (:mod:`astrocal_server.invitee.service`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import MISSING

from astrocal_server.api.availability import parse_dates
from astrocal_server.api.body import parse_json_body
from astrocal_server.api.deps import StateDep
from astrocal_server.api.params import check_start
from astrocal_server.api.ratelimit import enforce_invitee
from astrocal_server.api.routes import operation
from astrocal_server.contract.requests import BookingCancel, InviteeReschedule
from astrocal_server.invitee import service
from astrocal_server.serialize.invitee import invitee_booking_to_api, invitee_slots_to_api

__all__ = ["router"]

router = APIRouter()


async def _throttle(request: Request, token: str, state: StateDep) -> None:
    await enforce_invitee(request, state, token)


_LIMITED = [Depends(_throttle)]


@operation(router, "invitee.retrieve", dependencies=_LIMITED)
async def retrieve(token: str, state: StateDep) -> dict[str, Any]:
    return invitee_booking_to_api(await service.open_link(state, token))


@operation(router, "invitee.availability", dependencies=_LIMITED)
async def availability(token: str, request: Request, state: StateDep) -> dict[str, Any]:
    start_date, end_date, time_zone = parse_dates(request.query_params)
    return invitee_slots_to_api(await service.slots(state, token, start_date, end_date, time_zone))


@operation(router, "invitee.cancel", dependencies=_LIMITED)
async def cancel(token: str, request: Request, state: StateDep) -> dict[str, Any]:
    body = await parse_json_body(request, BookingCancel)
    reason = body.reason if body.reason is not MISSING else None
    return invitee_booking_to_api(await service.cancel(state, token, reason))


@operation(router, "invitee.reschedule", dependencies=_LIMITED)
async def reschedule(token: str, request: Request, state: StateDep) -> dict[str, Any]:
    body = await parse_json_body(request, InviteeReschedule)
    start = check_start(body.start)
    reason = body.reason if body.reason is not MISSING else None
    return invitee_booking_to_api(await service.reschedule(state, token, start, reason))
