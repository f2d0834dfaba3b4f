"""``client.hosts``: the people whose time is booked, each with their own hours and calendars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, Async, AsyncRaw, M, Paginated, Sync, SyncRaw
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.types._generated.models import Host
from astrocal_sdk.types._params import CalendarRefParam, TimeZoneLike

__all__ = [
    "AsyncHosts",
    "AsyncHostsWithRawResponse",
    "Hosts",
    "HostsAPI",
    "HostsWithRawResponse",
]


class HostsAPI(APIResource[M]):
    @route.post("/v1/hosts", Host)
    def create(
        self,
        *,
        name: str,
        email: str | NotGiven = NOT_GIVEN,
        time_zone: TimeZoneLike | NotGiven = NOT_GIVEN,
        conflict_calendars: Sequence[CalendarRefParam] | NotGiven = NOT_GIVEN,
        destination_calendar: CalendarRefParam | NotGiven = NOT_GIVEN,
        external_id: str | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Host:
        """A new host with its own default schedule (Monday to Friday 09:00–17:00 in its zone);
        an ``external_id`` another host has → ``ConflictError``."""

    @route.get_list("/v1/hosts", Host)
    def list(
        self,
        *,
        external_id: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Paginated[Host]:
        """Hosts (the default host among them); ``external_id`` finds yours by your own id.
        Iterating over the result walks every page."""

    @route.get("/v1/hosts/{host_id}", Host)
    def retrieve(self, host_id: str, **options: Unpack[RequestOptions]) -> Host:
        """One host, active or not."""

    @route.patch("/v1/hosts/{host_id}", Host)
    def update(
        self,
        host_id: str,
        *,
        name: str | NotGiven = NOT_GIVEN,
        email: str | NotGiven | None = NOT_GIVEN,
        time_zone: TimeZoneLike | NotGiven = NOT_GIVEN,
        default_schedule_id: str | NotGiven = NOT_GIVEN,
        conflict_calendars: Sequence[CalendarRefParam] | NotGiven = NOT_GIVEN,
        destination_calendar: CalendarRefParam | NotGiven | None = NOT_GIVEN,
        external_id: str | NotGiven | None = NOT_GIVEN,
        active: bool | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Host:
        """Change fields; ``None`` clears a nullable field, ``metadata`` is merged."""

    @route.delete("/v1/hosts/{host_id}")
    def delete(
        self,
        host_id: str,
        *,
        force: bool | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> None:
        """Delete; with upcoming bookings → ``ConflictError`` unless ``force=True`` (deactivates);
        the default host → ``ConflictError``."""


Hosts = HostsAPI[Sync]
AsyncHosts = HostsAPI[Async]
HostsWithRawResponse = HostsAPI[SyncRaw]
AsyncHostsWithRawResponse = HostsAPI[AsyncRaw]
