"""``GET /v1/usage``: the plan, the current period and the bookings it has used (for the key's mode)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from astrocal_server.accounts import service
from astrocal_server.api.deps import ReadCallerDep, ReadConnDep, StateDep
from astrocal_server.api.routes import operation
from astrocal_server.serialize.usage import usage_to_api

__all__ = ["router"]

router = APIRouter()


@operation(router, "usage.retrieve")
async def retrieve_usage(
    caller: ReadCallerDep, state: StateDep, conn: ReadConnDep
) -> dict[str, Any]:
    return usage_to_api(await service.get_usage(state, caller, conn=conn))
