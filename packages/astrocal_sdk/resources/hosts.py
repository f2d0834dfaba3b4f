"""``client.hosts``: the people whose time is booked, each with their own hours and calendars."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, M, Paginated
from astrocal_sdk._types import RequestOptions
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import Host

__all__ = ["HostsAPI"]


class HostsAPI(APIResource[M]):
    @route.post("/v1/hosts", Host)
    def create(self, **kwargs: Unpack[params.HostsCreateParams]) -> Host:
        """A new host with its own default schedule (Monday to Friday 09:00–17:00 in its zone);
        an ``external_id`` another host has → ``ConflictError``."""

    @route.get_list("/v1/hosts", Host)
    def list(self, **kwargs: Unpack[params.HostsListParams]) -> Paginated[Host]:
        """Hosts (the default host among them); ``external_id`` finds yours by your own id.
        Iterating over the result walks every page."""

    @route.get("/v1/hosts/{host_id}", Host)
    def retrieve(self, host_id: str, **options: Unpack[RequestOptions]) -> Host:
        """One host, active or not."""

    @route.patch("/v1/hosts/{host_id}", Host)
    def update(self, host_id: str, **kwargs: Unpack[params.HostsUpdateParams]) -> Host:
        """Change fields; ``None`` clears a nullable field, ``metadata`` is merged."""

    @route.delete("/v1/hosts/{host_id}")
    def delete(self, host_id: str, **kwargs: Unpack[params.HostsDeleteParams]) -> None:
        """Delete; with upcoming bookings → ``ConflictError`` unless ``force=True`` (deactivates);
        the default host → ``ConflictError``."""
