"""``/v1/holds``: reserve a slot for a while, list, retrieve, release.

The body is the contract's request model; the start is checked here as for bookings, the rest
(the same checks and locks as a booking, expiry, release) lives in
:mod:`astrocal_server.holds.service`. A hold becomes a booking through ``POST /v1/bookings`` with
``hold_id``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import MISSING

from astrocal_server.api.body import parse_json_body
from astrocal_server.api.deps import CallerDep, PageDep, StateDep
from astrocal_server.api.params import EVENT_TYPE_ID, check_start
from astrocal_server.api.routes import operation
from astrocal_server.contract.requests import HoldCreate
from astrocal_server.holds import service
from astrocal_server.serialize.holds import hold_to_api
from astrocal_server.state import AppState
from astrocal_server.storage.models import Hold

__all__ = ["router"]

router = APIRouter()

_HOST_ID = {"pattern": r"^host_[a-z0-9]+$", "max_length": 64}


def _shown(state: AppState, hold: Hold) -> dict[str, Any]:
    return hold_to_api(hold, state.clock.now())


@operation(router, "holds.create")
async def create_hold(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, HoldCreate)
    draft = service.HoldDraft(
        event_type_id=body.event_type_id,
        start=check_start(body.start),
        ttl_seconds=body.ttl_seconds,  # the contract's default when left out
        duration=body.duration if body.duration is not MISSING else None,
        host_id=body.host_id if body.host_id is not MISSING else None,
        metadata=dict(body.metadata) if body.metadata is not MISSING else {},
    )
    hold = await service.create_hold(state, caller, draft)
    return JSONResponse(_shown(state, hold), status_code=201)


@operation(router, "holds.list")
async def list_holds(
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
    status: Annotated[Literal["active", "released", "converted", "expired"] | None, Query()] = None,
    event_type_id: Annotated[str | None, Query(**EVENT_TYPE_ID)] = None,
    host_id: Annotated[str | None, Query(**_HOST_ID)] = None,
) -> dict[str, Any]:
    filters = service.HoldFilters(status=status, event_type_id=event_type_id, host_id=host_id)
    found = await service.list_holds(state, caller, filters, page)
    return found.render(lambda hold: _shown(state, hold))


@operation(router, "holds.retrieve")
async def retrieve_hold(hold_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    return _shown(state, await service.retrieve_hold(state, caller, hold_id))


@operation(router, "holds.release")
async def release_hold(hold_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    return _shown(state, await service.release_hold(state, caller, hold_id))
