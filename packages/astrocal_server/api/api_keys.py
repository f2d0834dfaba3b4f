"""``/v1/api_keys``: create (the secret is shown once), list, revoke (idempotent).

Which keys a caller may manage is the accounts service's rule (a test-mode key manages only
test-mode keys).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from astrocal_server.accounts import service
from astrocal_server.api.body import parse_json_body
from astrocal_server.api.deps import CallerDep, StateDep
from astrocal_server.api.encoding import JSONResponse
from astrocal_server.api.routes import list_route, object_route, operation
from astrocal_server.contract.requests import ApiKeyCreate
from astrocal_server.serialize.accounts import api_key_to_api

__all__ = ["router"]

router = APIRouter()


@operation(router, "api_keys.create")
async def create_key(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, ApiKeyCreate)
    created = await service.issue_api_key(state, caller, name=body.name, mode=body.mode)
    return JSONResponse(api_key_to_api(created.key, secret=created.secret), status_code=201)


list_route(router, "api_keys.list", service.list_api_keys, api_key_to_api)


object_route(router, "api_keys.revoke", service.revoke_api_key, api_key_to_api)
