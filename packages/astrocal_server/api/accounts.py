"""``GET|PATCH /v1/account`` and self-service signup ``POST /v1/accounts``.

Signup takes no key, so it is throttled per client address (``ASTROCAL_SIGNUP_LIMIT_PER_HOUR``),
counted before the body is read so malformed attempts count too.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from astrocal_server.accounts import service
from astrocal_server.api import ratelimit
from astrocal_server.api.body import check_field, parse_json_body
from astrocal_server.api.deps import CallerDep, StateDep
from astrocal_server.api.encoding import JSONResponse
from astrocal_server.api.routes import body_route, operation
from astrocal_server.contract.requests import AccountCreate, AccountUpdate
from astrocal_server.invitee.links import check_url_template
from astrocal_server.serialize.accounts import account_to_api, api_key_to_api
from astrocal_server.validation import check_email, check_time_zone

__all__ = ["router"]

router = APIRouter()


async def _signup_enabled(state: StateDep) -> None:
    # A dependency, so a server without sign-up refuses before the body is even read.
    service.ensure_signup_enabled(state.settings)


async def _throttle_signup(request: Request, state: StateDep) -> None:
    limit = state.settings.signup_limit_per_hour
    await ratelimit.enforce_address(request, state, "signup", limit=limit, window_seconds=3600)


@operation(router, "account.retrieve")
async def retrieve_account(caller: CallerDep) -> dict[str, Any]:
    return account_to_api(caller.account)


def _check_update(body: AccountUpdate) -> None:
    template = body.invitee_url_template
    if isinstance(template, str):
        check_field(["invitee_url_template"], check_url_template, template)


body_route(
    router, "account.update", AccountUpdate, service.update_account, account_to_api, _check_update
)


@operation(
    router, "accounts.create", dependencies=[Depends(_signup_enabled), Depends(_throttle_signup)]
)
async def create_account_route(request: Request, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, AccountCreate)
    email = check_field(["email"], check_email, body.email)
    time_zone = check_field(["time_zone"], check_time_zone, body.time_zone)
    created = await service.sign_up(state, name=body.name, email=email, time_zone=time_zone)
    out = {
        "account": account_to_api(created.account),
        "live_key": api_key_to_api(created.live_key.key, secret=created.live_key.secret),
        "test_key": api_key_to_api(created.test_key.key, secret=created.test_key.secret),
    }
    return JSONResponse(out, status_code=201)
