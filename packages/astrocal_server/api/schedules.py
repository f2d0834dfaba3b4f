"""``/v1/schedules``: working hours in a time zone, with per-date overrides.

Bodies are parsed strictly here (types, lengths, zones, HH:MM intervals that end after they
start); the rules across intervals and the lifecycle live in :mod:`astrocal_server.schedules`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field, field_validator, model_validator

from astrocal_server.api.body import StrictBody, parse_json_body
from astrocal_server.api.deps import CallerDep, PageDep, StateDep, validate_idempotency_key
from astrocal_server.schedules import service
from astrocal_server.schedules.rules import DateOverride, Day, Interval, WeeklyInterval
from astrocal_server.serialize.schedules import schedule_to_api
from astrocal_server.validation import TimeZoneName, minute_of_day

__all__ = ["router"]

router = APIRouter()


class IntervalIn(StrictBody):
    start: str
    end: str

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        minute_of_day(value)
        return value

    @field_validator("end")
    @classmethod
    def _end(cls, value: str) -> str:
        minute_of_day(value, allow_24=True)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> IntervalIn:
        if minute_of_day(self.start) >= minute_of_day(self.end, allow_24=True):
            raise ValueError(f"the interval {self.start}–{self.end} must end after it starts")
        return self


class WeeklyIntervalIn(IntervalIn):
    day: Day


class DateOverrideIn(StrictBody):
    date: date
    intervals: Annotated[list[IntervalIn], Field(max_length=48)]


class ScheduleFields(StrictBody):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    time_zone: TimeZoneName | None = None
    weekly_hours: Annotated[list[WeeklyIntervalIn], Field(max_length=336)] | None = None
    date_overrides: Annotated[list[DateOverrideIn], Field(max_length=1000)] | None = None
    is_default: bool | None = None


class ScheduleCreate(ScheduleFields):
    name: Annotated[str, Field(min_length=1, max_length=200)]


def _weekly(items: list[WeeklyIntervalIn] | None) -> list[WeeklyInterval] | None:
    if items is None:
        return None
    return [WeeklyInterval(day=w.day, start=w.start, end=w.end) for w in items]


def _overrides(items: list[DateOverrideIn] | None) -> list[DateOverride] | None:
    if items is None:
        return None
    return [
        DateOverride(
            date=o.date, intervals=[Interval(start=i.start, end=i.end) for i in o.intervals]
        )
        for o in items
    ]


@router.post(
    "/v1/schedules",
    operation_id="schedules.create",
    status_code=201,
    dependencies=[Depends(validate_idempotency_key)],
)
async def create_schedule(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, ScheduleCreate)
    new = service.NewSchedule(
        name=body.name,
        time_zone=body.time_zone,
        weekly_hours=_weekly(body.weekly_hours),
        date_overrides=_overrides(body.date_overrides),
        is_default=body.is_default,
    )
    schedule = await service.create_schedule(state, caller, new)
    return JSONResponse(schedule_to_api(schedule), status_code=201)


@router.get("/v1/schedules", operation_id="schedules.list")
async def list_schedules(caller: CallerDep, state: StateDep, page: PageDep) -> dict[str, Any]:
    return (await service.list_schedules(state, caller, page)).render(schedule_to_api)


@router.get("/v1/schedules/{schedule_id}", operation_id="schedules.retrieve")
async def retrieve_schedule(schedule_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    return schedule_to_api(await service.retrieve_schedule(state, caller, schedule_id))


@router.patch("/v1/schedules/{schedule_id}", operation_id="schedules.update")
async def update_schedule(
    schedule_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, ScheduleFields)
    changes = service.ScheduleValues(
        name=body.name,
        time_zone=body.time_zone,
        weekly_hours=_weekly(body.weekly_hours),
        date_overrides=_overrides(body.date_overrides),
        is_default=body.is_default,
    )
    return schedule_to_api(await service.update_schedule(state, caller, schedule_id, changes))


@router.delete("/v1/schedules/{schedule_id}", operation_id="schedules.delete", status_code=204)
async def delete_schedule(schedule_id: str, caller: CallerDep, state: StateDep) -> Response:
    await service.delete_schedule(state, caller, schedule_id)
    return Response(status_code=204)
