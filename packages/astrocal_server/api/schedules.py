"""``/v1/schedules``: working hours in a time zone, with per-date overrides."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field, field_validator, model_validator
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.accounts import DEFAULT_WEEKLY_HOURS
from astrocal_server.api.body import StrictBody, parse_json_body
from astrocal_server.api.deps import Caller, CallerDep, PageDep, StateDep, validate_idempotency_key
from astrocal_server.errors import conflict, invalid_param, not_found
from astrocal_server.ids import new_id
from astrocal_server.serialize.schedules import schedule_to_api
from astrocal_server.storage.models import EventType, Schedule
from astrocal_server.storage.pagination import paginate
from astrocal_server.validation import TimeZoneName, first_overlap, minute_of_day

__all__ = ["get_schedule", "router"]

router = APIRouter()

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Day = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


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

    def minutes(self) -> tuple[int, int]:
        return minute_of_day(self.start), minute_of_day(self.end, allow_24=True)


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


def _check_weekly(weekly: list[WeeklyIntervalIn]) -> list[dict[str, str]]:
    for day in DAYS:
        positions = [i for i, w in enumerate(weekly) if w.day == day]
        clash = first_overlap([weekly[i].minutes() for i in positions])
        if clash:
            a, b = weekly[positions[clash[0]]], weekly[positions[clash[1]]]
            raise invalid_param(
                f"weekly_hours.{positions[clash[1]]}",
                f"The {day} intervals {a.start}–{a.end} and {b.start}–{b.end} overlap; merge them or make them not overlap.",
            )
    ordered = sorted(weekly, key=lambda w: (DAYS.index(w.day), w.minutes()))
    return [{"day": w.day, "start": w.start, "end": w.end} for w in ordered]


def _check_overrides(overrides: list[DateOverrideIn]) -> list[dict[str, Any]]:
    seen: dict[date, int] = {}
    for position, override in enumerate(overrides):
        if override.date in seen:
            raise invalid_param(
                f"date_overrides.{position}.date",
                f"{override.date.isoformat()} is overridden twice (entries {seen[override.date]} and {position}); list each date once.",
            )
        seen[override.date] = position
        clash = first_overlap([i.minutes() for i in override.intervals])
        if clash:
            a, b = override.intervals[clash[0]], override.intervals[clash[1]]
            raise invalid_param(
                f"date_overrides.{position}.intervals.{clash[1]}",
                f"On {override.date.isoformat()} the intervals {a.start}–{a.end} and {b.start}–{b.end} overlap.",
            )
    ordered = sorted(overrides, key=lambda o: o.date)
    return [
        {
            "date": o.date.isoformat(),
            "intervals": [
                {"start": i.start, "end": i.end}
                for i in sorted(o.intervals, key=IntervalIn.minutes)
            ],
        }
        for o in ordered
    ]


async def get_schedule(
    session: AsyncSession, caller: Caller, schedule_id: str, *, param: str | None = None
) -> Schedule:
    """The caller's (non-deleted) schedule, or 404."""
    schedule = await session.scalar(
        select(Schedule).where(
            Schedule.id == schedule_id, caller.owns(Schedule), Schedule.deleted_at.is_(None)
        )
    )
    if schedule is None:
        raise not_found("schedule", schedule_id, param=param)
    return schedule


async def _make_default(session: AsyncSession, caller: Caller, schedule: Schedule) -> None:
    await session.execute(
        update(Schedule)
        .where(caller.owns(Schedule), Schedule.id != schedule.id, Schedule.is_default.is_(True))
        .values(is_default=False)
    )
    schedule.is_default = True


@router.post(
    "/v1/schedules",
    operation_id="schedules.create",
    status_code=201,
    dependencies=[Depends(validate_idempotency_key)],
)
async def create_schedule(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, ScheduleCreate)
    weekly = (
        _check_weekly(body.weekly_hours)
        if body.weekly_hours is not None
        else list(DEFAULT_WEEKLY_HOURS)
    )
    overrides = _check_overrides(body.date_overrides or [])
    now = state.clock.now()
    async with state.db.write() as session:
        has_default = await session.scalar(
            select(Schedule.id).where(
                caller.owns(Schedule), Schedule.is_default.is_(True), Schedule.deleted_at.is_(None)
            )
        )
        schedule = Schedule(
            id=new_id("sch"),
            account_id=caller.account_id,
            livemode=caller.livemode,
            name=body.name,
            time_zone=body.time_zone or caller.account.time_zone,
            weekly_hours=weekly,
            date_overrides=overrides,
            is_default=False,
            created_at=now,
            updated_at=now,
            deleted_at=None,
        )
        session.add(schedule)
        await session.flush()
        if body.is_default or has_default is None:
            await _make_default(session, caller, schedule)
        out = schedule_to_api(schedule)
    return JSONResponse(out, status_code=201)


@router.get("/v1/schedules", operation_id="schedules.list")
async def list_schedules(
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
) -> dict[str, Any]:
    stmt = select(Schedule).where(caller.owns(Schedule), Schedule.deleted_at.is_(None))
    async with state.db.read() as session:
        page = await paginate(session, stmt, order_by=[Schedule.created_at, Schedule.id], page=page)
    return page.render(schedule_to_api)


@router.get("/v1/schedules/{schedule_id}", operation_id="schedules.retrieve")
async def retrieve_schedule(schedule_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    async with state.db.read() as session:
        return schedule_to_api(await get_schedule(session, caller, schedule_id))


@router.patch("/v1/schedules/{schedule_id}", operation_id="schedules.update")
async def update_schedule(
    schedule_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, ScheduleFields)
    weekly = _check_weekly(body.weekly_hours) if body.weekly_hours is not None else None
    overrides = _check_overrides(body.date_overrides) if body.date_overrides is not None else None
    async with state.db.write() as session:
        schedule = await get_schedule(session, caller, schedule_id)
        if body.is_default is False and schedule.is_default:
            raise invalid_param(
                "is_default",
                "A schedule stops being the default when another one becomes it; set is_default: true on that one instead.",
            )
        if body.name is not None:
            schedule.name = body.name
        if body.time_zone is not None:
            schedule.time_zone = body.time_zone
        if weekly is not None:
            schedule.weekly_hours = weekly
        if overrides is not None:
            schedule.date_overrides = overrides
        if body.is_default:
            await _make_default(session, caller, schedule)
        schedule.updated_at = state.clock.now()
        return schedule_to_api(schedule)


@router.delete("/v1/schedules/{schedule_id}", operation_id="schedules.delete", status_code=204)
async def delete_schedule(schedule_id: str, caller: CallerDep, state: StateDep) -> Response:
    async with state.db.write() as session:
        schedule = await get_schedule(session, caller, schedule_id)
        users = list(
            (
                await session.scalars(
                    select(EventType.id)
                    .where(EventType.schedule_id == schedule.id, EventType.deleted_at.is_(None))
                    .order_by(EventType.created_at, EventType.id)
                    .limit(20)
                )
            ).all()
        )
        if users:
            raise conflict(
                "schedule_in_use",
                f"Event type(s) {', '.join(users)} use this schedule; move them to another schedule first.",
                details={"event_type_ids": users},
            )
        if schedule.is_default:
            raise conflict(
                "default_schedule",
                "This is the account's default schedule; make another schedule the default (is_default: true) first.",
            )
        schedule.deleted_at = state.clock.now()
    return Response(status_code=204)
