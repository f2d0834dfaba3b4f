"""``/v1/hosts``: the people whose time is booked, each with their own hours and calendars.

Bodies are the contract's request models (:mod:`astrocal_server.contract.requests`); the zone and
the email are checked here, the lifecycle (a host's own schedule, ``external_id`` uniqueness, what
blocks a delete) lives in :mod:`astrocal_server.hosts.service`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import MISSING

from astrocal_server.api.body import check_field
from astrocal_server.api.deps import CallerDep, PageDep, StateDep
from astrocal_server.api.routes import body_route, forced_delete_route, object_route, operation
from astrocal_server.contract.requests import HostCreate, HostUpdate
from astrocal_server.hosts import service
from astrocal_server.serialize.hosts import host_to_api
from astrocal_server.validation import check_email, check_time_zone

__all__ = ["router"]

router = APIRouter()


def _check(body: HostCreate | HostUpdate) -> None:
    if body.time_zone is not MISSING:
        check_field(["time_zone"], check_time_zone, body.time_zone)
    if body.email is not MISSING and body.email is not None:
        body.email = check_field(["email"], check_email, body.email)


body_route(router, "hosts.create", HostCreate, service.create_host, host_to_api, check=_check)


@operation(router, "hosts.list")
async def list_hosts(
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
    external_id: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
) -> dict[str, Any]:
    found = await service.list_hosts(state, caller, page, external_id=external_id)
    return found.render(host_to_api)


object_route(router, "hosts.retrieve", service.retrieve_host, host_to_api)


body_route(router, "hosts.update", HostUpdate, service.update_host, host_to_api, check=_check)


forced_delete_route(router, "hosts.delete", service.delete_host)
