"""``client.schedules``: working hours in one time zone, with per-date overrides."""

from __future__ import annotations

from collections.abc import Sequence

from typing_extensions import Unpack

from astrocal_sdk._async.resource import AsyncAPIResource
from astrocal_sdk._raw import async_to_raw_response_wrapper
from astrocal_sdk._response import no_content
from astrocal_sdk._serialize import path_param, without_not_given
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.pagination import AsyncPaginator
from astrocal_sdk.types._generated.models import Schedule
from astrocal_sdk.types._params import DateOverrideParam, TimeZoneLike, WeeklyHoursParam

__all__ = ["AsyncSchedules", "AsyncSchedulesWithRawResponse"]


def _schedule_path(schedule_id: str) -> str:
    return f"/v1/schedules/{path_param('schedule_id', schedule_id)}"


class AsyncSchedules(AsyncAPIResource):
    async def create(
        self,
        *,
        name: str,
        time_zone: TimeZoneLike | NotGiven = NOT_GIVEN,
        weekly_hours: Sequence[WeeklyHoursParam] | NotGiven = NOT_GIVEN,
        date_overrides: Sequence[DateOverrideParam] | NotGiven = NOT_GIVEN,
        is_default: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Schedule:
        body = without_not_given(
            {"name": name, "time_zone": time_zone, "weekly_hours": weekly_hours,
             "date_overrides": date_overrides, "is_default": is_default}
        )  # fmt: skip
        return await self._post("/v1/schedules", cast_to=Schedule, body=body, options=options)

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[Schedule]:
        params = {"limit": limit, "cursor": cursor}
        return self._list("/v1/schedules", item=Schedule, params=params, options=options)

    async def retrieve(self, schedule_id: str, **options: Unpack[RequestOptions]) -> Schedule:
        return await self._get(_schedule_path(schedule_id), cast_to=Schedule, options=options)

    async def update(
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
        body = without_not_given(
            {"name": name, "time_zone": time_zone, "weekly_hours": weekly_hours,
             "date_overrides": date_overrides, "is_default": is_default}
        )  # fmt: skip
        return await self._patch(
            _schedule_path(schedule_id), cast_to=Schedule, body=body, options=options
        )

    async def delete(self, schedule_id: str, **options: Unpack[RequestOptions]) -> None:
        """Delete; a schedule an event type uses → ``ConflictError``."""
        return no_content(
            await self._delete(_schedule_path(schedule_id), cast_to=None, options=options)
        )


class AsyncSchedulesWithRawResponse:
    def __init__(self, schedules: AsyncSchedules) -> None:
        self.create = async_to_raw_response_wrapper(schedules.create)
        self.list = async_to_raw_response_wrapper(schedules.list)
        self.retrieve = async_to_raw_response_wrapper(schedules.retrieve)
        self.update = async_to_raw_response_wrapper(schedules.update)
        self.delete = async_to_raw_response_wrapper(schedules.delete)
