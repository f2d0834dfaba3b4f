"""``/v1/api_keys``: create (the secret is shown once), list, revoke (idempotent).

Keys belong to the account, not to a mode; but a test-mode key manages only test-mode keys, so a
leaked test key can never mint a live one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import select

from astrocal_server.accounts import create_api_key
from astrocal_server.api.body import StrictBody, parse_json_body
from astrocal_server.api.deps import CallerDep, PageDep, StateDep, validate_idempotency_key
from astrocal_server.errors import PermissionDenied, not_found
from astrocal_server.serialize.accounts import api_key_to_api
from astrocal_server.storage.models import ApiKey
from astrocal_server.storage.pagination import paginate

__all__ = ["router"]

router = APIRouter()


class ApiKeyCreate(StrictBody):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    mode: Literal["live", "test"]


def _visible_modes(caller: CallerDep) -> tuple[str, ...]:
    return ("live", "test") if caller.livemode else ("test",)


@router.post(
    "/v1/api_keys",
    operation_id="api_keys.create",
    status_code=201,
    dependencies=[Depends(validate_idempotency_key)],
)
async def create_key(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, ApiKeyCreate)
    if body.mode not in _visible_modes(caller):
        raise PermissionDenied(
            "permission_denied",
            "A test-mode key cannot create live keys; use a live key (sk_live_…).",
            param="mode",
        )
    async with state.db.write() as session:
        created = await create_api_key(
            session, account_id=caller.account_id, name=body.name, mode=body.mode, clock=state.clock
        )
    return JSONResponse(api_key_to_api(created.key, secret=created.secret), status_code=201)


@router.get("/v1/api_keys", operation_id="api_keys.list")
async def list_keys(
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
) -> dict[str, Any]:
    stmt = select(ApiKey).where(
        ApiKey.account_id == caller.account_id, ApiKey.mode.in_(_visible_modes(caller))
    )
    async with state.db.read() as session:
        page = await paginate(
            session,
            stmt,
            order_by=[ApiKey.created_at, ApiKey.id],
            page=page,
            descending=True,
        )
    return page.render(api_key_to_api)


@router.delete("/v1/api_keys/{key_id}", operation_id="api_keys.revoke")
async def revoke_key(key_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    async with state.db.write() as session:
        key = await session.scalar(
            select(ApiKey).where(
                ApiKey.id == key_id,
                ApiKey.account_id == caller.account_id,
                ApiKey.mode.in_(_visible_modes(caller)),
            )
        )
        if key is None:
            raise not_found("API key", key_id)
        if key.revoked_at is None:
            key.revoked_at = state.clock.now()
        return api_key_to_api(key)
