"""``/v1/calendar_connections`` and ``GET /v1/oauth/callback``.

Parses requests, calls :mod:`astrocal_server.calendars.service` and serialises with
:mod:`astrocal_server.serialize.calendar_connections`. The body's ``provider`` picks the request
shape (CalDAV credentials or an OAuth ``redirect_uri``); the callback answers with a redirect to the
app's ``redirect_uri`` carrying ``connection_id`` and ``status`` (and ``error`` on failure) — only
when that target is still allowed (:func:`~astrocal_server.calendars.oauth.redirect_allowed`, checked
at creation too); otherwise it shows a plain page with the outcome and redirects nowhere.
"""

from __future__ import annotations

import html
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from astrocal_server.api import ratelimit
from astrocal_server.api.body import load_json_object, parse_json_body
from astrocal_server.api.deps import CallerDep, StateDep
from astrocal_server.api.encoding import JSONResponse
from astrocal_server.api.errors import ApiError
from astrocal_server.api.routes import delete_route, list_route, object_route, operation
from astrocal_server.calendars import oauth, service
from astrocal_server.calendars.service import ConnectionView
from astrocal_server.contract.requests import CalDavConnectionCreate, OAuthConnectionCreate
from astrocal_server.errors import invalid_param
from astrocal_server.serialize.calendar_connections import connection_to_api

__all__ = ["router"]

router = APIRouter()


def _to_api(view: ConnectionView) -> dict[str, Any]:
    return connection_to_api(view.connection, authorization_url=view.authorization_url)


async def _provider_of(request: Request) -> str:
    """The body's ``provider``, read first because it picks the member of the contract's
    ``CalendarConnectionCreate`` (a ``oneOf`` on ``provider``) that applies."""
    raw = await request.body()
    try:
        document = load_json_object(raw) if raw.strip() else {}
    except ApiError:
        return ""  # parse_json_body reports the malformed body
    provider = document.get("provider")
    if provider is None:
        raise invalid_param(
            "provider",
            "provider is required: caldav, google or microsoft.",
            code="parameter_missing",
        )
    if provider not in ("caldav", "google", "microsoft"):
        raise invalid_param("provider", "provider must be one of caldav, google, microsoft.")
    return str(provider)


@operation(router, "calendar_connections.create")
async def create_connection(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    provider = await _provider_of(request)
    if provider == "caldav" or not provider:
        body = await parse_json_body(request, CalDavConnectionCreate)
        view = await service.connect_caldav(state, caller, body)
    else:
        oauth_body = await parse_json_body(request, OAuthConnectionCreate)
        view = await service.start_oauth(state, caller, oauth_body)
    return JSONResponse(_to_api(view), status_code=201)


list_route(router, "calendar_connections.list", service.list_connections, _to_api)


object_route(router, "calendar_connections.retrieve", service.get_connection, _to_api)


delete_route(router, "calendar_connections.delete", service.delete_connection)


def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(extra.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _throttle_callback(request: Request, state: StateDep) -> None:
    # No key to count against: the browser's address is (the state lookup is the work done).
    limit = state.settings.oauth_callback_limit_per_minute
    await ratelimit.enforce_address(
        request, state, "OAuth callback", limit=limit, window_seconds=60
    )


@operation(router, "oauth.callback", dependencies=[Depends(_throttle_callback)])
async def oauth_callback(
    state: StateDep,
    state_param: Annotated[str, Query(alias="state", min_length=1, max_length=512)],
    code: Annotated[str | None, Query(min_length=1, max_length=4096)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
    error_description: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response:
    outcome = await service.finish_oauth(
        state, state_param, code=code, error=error, error_description=error_description
    )
    extra = {"connection_id": outcome.connection_id, "status": outcome.status}
    if outcome.error:
        extra["error"] = outcome.error
    target = outcome.redirect_uri
    if target is None or not oauth.redirect_allowed(state.settings, target):
        return _outcome_page(extra)
    return RedirectResponse(_with_query(target, extra), status_code=302)


def _outcome_page(outcome: dict[str, str]) -> HTMLResponse:
    """The callback's answer when the connection's redirect target is not (or no longer) allowed."""
    rows = "".join(
        f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in outcome.items()
    )
    return HTMLResponse(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Calendar connection</title></head><body><h1>Calendar connection</h1>"
        f"<dl>{rows}</dl><p>You can close this window.</p></body></html>",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
