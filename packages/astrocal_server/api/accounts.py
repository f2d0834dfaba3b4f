"""``GET /v1/account`` and self-service signup ``POST /v1/accounts``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import EmailStr, Field
from sqlalchemy import func, select

from astrocal_server.accounts import create_account
from astrocal_server.api.body import StrictBody, parse_json_body
from astrocal_server.api.deps import CallerDep, StateDep, validate_idempotency_key
from astrocal_server.errors import PermissionDenied, conflict
from astrocal_server.serialize.accounts import account_to_api, api_key_to_api
from astrocal_server.storage.models import Account
from astrocal_server.validation import TimeZoneName

__all__ = ["router"]

router = APIRouter()


class AccountCreate(StrictBody):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: EmailStr
    time_zone: TimeZoneName = "UTC"


@router.get("/v1/account", operation_id="account.retrieve")
async def retrieve_account(caller: CallerDep) -> dict[str, Any]:
    return account_to_api(caller.account)


@router.post(
    "/v1/accounts",
    operation_id="accounts.create",
    status_code=201,
    dependencies=[Depends(validate_idempotency_key)],
)
async def create_account_route(request: Request, state: StateDep) -> JSONResponse:
    if not state.settings.signup_enabled:
        raise PermissionDenied(
            "signup_disabled",
            "Sign-up is disabled on this server; ask its operator for an account "
            "(or set ASTROCAL_SIGNUP_ENABLED=true on a server you run).",
        )
    body = await parse_json_body(request, AccountCreate)
    email = str(body.email)
    async with state.db.write() as session:
        taken = await session.scalar(
            select(Account.id).where(func.lower(Account.email) == email.lower()).limit(1)
        )
        if taken is not None:
            raise conflict(
                "email_taken",
                f"An account with the email {email} already exists; use its API keys, or sign up with another email.",
                param="email",
            )
        created = await create_account(
            session,
            name=body.name,
            email=email,
            time_zone=body.time_zone,
            plan=state.settings.default_plan,
            clock=state.clock,
        )
    out = {
        "account": account_to_api(created.account),
        "live_key": api_key_to_api(created.live_key.key, secret=created.live_key.secret),
        "test_key": api_key_to_api(created.test_key.key, secret=created.test_key.secret),
    }
    return JSONResponse(out, status_code=201)
