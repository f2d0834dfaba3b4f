"""``/v1/event_types``: what can be booked, for how long, on which schedule, with which rules.

Bodies are the contract's request models (:mod:`astrocal_server.contract.requests`: types, ranges,
lengths, slugs, metadata, defaults); the rules across fields and the lifecycle live in
:mod:`astrocal_server.event_types`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from astrocal_server.api.deps import CallerDep, PageDep, StateDep
from astrocal_server.api.routes import body_route, forced_delete_route, object_route, operation
from astrocal_server.contract.requests import EventTypeCreate, EventTypeUpdate
from astrocal_server.event_types import service
from astrocal_server.serialize.event_types import event_type_to_api

__all__ = ["router"]

router = APIRouter()


body_route(
    router, "event_types.create", EventTypeCreate, service.create_event_type, event_type_to_api
)


@operation(router, "event_types.list")
async def list_event_types(
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
    active: Annotated[bool | None, Query()] = None,
) -> dict[str, Any]:
    found = await service.list_event_types(state, caller, page, active=active)
    return found.render(event_type_to_api)


object_route(router, "event_types.retrieve", service.retrieve_event_type, event_type_to_api)


body_route(
    router, "event_types.update", EventTypeUpdate, service.update_event_type, event_type_to_api
)


forced_delete_route(router, "event_types.delete", service.delete_event_type)
