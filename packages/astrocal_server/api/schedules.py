"""``/v1/schedules``: working hours in a time zone, with per-date overrides.

Bodies are the contract's request models (:mod:`astrocal_server.contract.requests`); the zone is
checked here, the rules on and across intervals and the lifecycle live in
:mod:`astrocal_server.schedules`.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import MISSING

from astrocal_server.api.body import check_field
from astrocal_server.api.routes import body_route, delete_route, list_route, object_route
from astrocal_server.contract.requests import ScheduleCreate, ScheduleUpdate
from astrocal_server.schedules import service
from astrocal_server.serialize.schedules import schedule_to_api
from astrocal_server.validation import check_time_zone

__all__ = ["router"]

router = APIRouter()


def _check_zone(body: ScheduleCreate | ScheduleUpdate) -> None:
    if body.time_zone is not MISSING:
        check_field(["time_zone"], check_time_zone, body.time_zone)


body_route(
    router,
    "schedules.create",
    ScheduleCreate,
    service.create_schedule,
    schedule_to_api,
    check=_check_zone,
)


list_route(router, "schedules.list", service.list_schedules, schedule_to_api)


object_route(router, "schedules.retrieve", service.retrieve_schedule, schedule_to_api)


body_route(
    router,
    "schedules.update",
    ScheduleUpdate,
    service.update_schedule,
    schedule_to_api,
    check=_check_zone,
)


delete_route(router, "schedules.delete", service.delete_schedule)
