"""``client.schedules``: working hours in one time zone, with per-date overrides."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import M
from astrocal_sdk._types import RequestOptions
from astrocal_sdk.resources._resource import Collection
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import Schedule

__all__ = ["SchedulesAPI"]


class SchedulesAPI(Collection[M, Schedule], path="/v1/schedules", item=Schedule):
    @route.post("/v1/schedules", Schedule)
    def create(self, **kwargs: Unpack[params.SchedulesCreateParams]) -> Schedule:
        """Weekly working hours and per-date overrides in one time zone, of ``host_id`` (default
        the account's default host)."""

    @route.get("/v1/schedules/{schedule_id}", Schedule)
    def retrieve(self, schedule_id: str, **options: Unpack[RequestOptions]) -> Schedule:
        """One schedule."""

    @route.patch("/v1/schedules/{schedule_id}", Schedule)
    def update(self, schedule_id: str, **kwargs: Unpack[params.SchedulesUpdateParams]) -> Schedule:
        """Change fields; ``weekly_hours`` and ``date_overrides`` replace the whole list."""

    @route.delete("/v1/schedules/{schedule_id}")
    def delete(self, schedule_id: str, **options: Unpack[RequestOptions]) -> None:
        """Delete; a schedule an event type uses → ``ConflictError``."""
