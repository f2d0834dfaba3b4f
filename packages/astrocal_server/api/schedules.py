"""``/v1/schedules``: working hours in a time zone, with per-date overrides.

Bodies are the contract's request models (:mod:`astrocal_server.contract.requests`); the zone is
checked here, the rules on and across intervals and the lifecycle live in
:mod:`astrocal_server.schedules`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import MISSING

from astrocal_server.api.body import check_field, parse_json_body
from astrocal_server.api.deps import CallerDep, PageDep, StateDep
from astrocal_server.api.routes import operation
from astrocal_server.contract.requests import ScheduleCreate, ScheduleUpdate
from astrocal_server.schedules import service
from astrocal_server.serialize.schedules import schedule_to_api
from astrocal_server.validation import check_time_zone

__all__ = ["router"]

router = APIRouter()


def _check_zone(body: ScheduleCreate | ScheduleUpdate) -> None:
    if body.time_zone is not MISSING:
        check_field(["time_zone"], check_time_zone, body.time_zone)


@operation(router, "schedules.create")
async def create_schedule(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, ScheduleCreate)
    _check_zone(body)
    schedule = await service.create_schedule(state, caller, body)
    return JSONResponse(schedule_to_api(schedule), status_code=201)


@operation(router, "schedules.list")
async def list_schedules(caller: CallerDep, state: StateDep, page: PageDep) -> dict[str, Any]:
    return (await service.list_schedules(state, caller, page)).render(schedule_to_api)


@operation(router, "schedules.retrieve")
async def retrieve_schedule(schedule_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    return schedule_to_api(await service.retrieve_schedule(state, caller, schedule_id))


@operation(router, "schedules.update")
async def update_schedule(
    schedule_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, ScheduleUpdate)
    _check_zone(body)
    return schedule_to_api(await service.update_schedule(state, caller, schedule_id, body))


@operation(router, "schedules.delete")
async def delete_schedule(schedule_id: str, caller: CallerDep, state: StateDep) -> Response:
    await service.delete_schedule(state, caller, schedule_id)
    return Response(status_code=204)
