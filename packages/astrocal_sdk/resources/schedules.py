"""``client.schedules``: working hours in one time zone, with per-date overrides."""

from __future__ import annotations

from collections.abc import Sequence

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import Async, AsyncRaw, M, Sync, SyncRaw
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.resources._resource import Collection
from astrocal_sdk.types._generated.models import Schedule
from astrocal_sdk.types._params import DateOverrideParam, TimeZoneLike, WeeklyHoursParam

__all__ = [
    "AsyncSchedules",
    "AsyncSchedulesWithRawResponse",
    "Schedules",
    "SchedulesAPI",
    "SchedulesWithRawResponse",
]


class SchedulesAPI(Collection[M, Schedule], path="/v1/schedules", item=Schedule):
    @route.post("/v1/schedules", Schedule)
    def create(
        self,
        *,
        name: str,
        time_zone: TimeZoneLike | NotGiven = NOT_GIVEN,
        weekly_hours: Sequence[WeeklyHoursParam] | NotGiven = NOT_GIVEN,
        date_overrides: Sequence[DateOverrideParam] | NotGiven = NOT_GIVEN,
        is_default: bool | NotGiven = NOT_GIVEN,
        host_id: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Schedule:
        """Weekly working hours and per-date overrides in one time zone, of ``host_id`` (default
        the account's default host)."""

    @route.get("/v1/schedules/{schedule_id}", Schedule)
    def retrieve(self, schedule_id: str, **options: Unpack[RequestOptions]) -> Schedule:
        """One schedule."""

    @route.patch("/v1/schedules/{schedule_id}", Schedule)
    def update(
        self,
        schedule_id: str,
        *,
        name: str | NotGiven = NOT_GIVEN,
        time_zone: TimeZoneLike | NotGiven = NOT_GIVEN,
        weekly_hours: Sequence[WeeklyHoursParam] | NotGiven = NOT_GIVEN,
        date_overrides: Sequence[DateOverrideParam] | NotGiven = NOT_GIVEN,
        is_default: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Schedule:
        """Change fields; ``weekly_hours`` and ``date_overrides`` replace the whole list."""

    @route.delete("/v1/schedules/{schedule_id}")
    def delete(self, schedule_id: str, **options: Unpack[RequestOptions]) -> None:
        """Delete; a schedule an event type uses → ``ConflictError``."""


Schedules = SchedulesAPI[Sync]
AsyncSchedules = SchedulesAPI[Async]
SchedulesWithRawResponse = SchedulesAPI[SyncRaw]
AsyncSchedulesWithRawResponse = SchedulesAPI[AsyncRaw]
