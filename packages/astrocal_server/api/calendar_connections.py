"""``/v1/calendar_connections`` and ``GET /v1/oauth/callback``.

CalDAV connects at once (discovery runs before anything is stored, so bad credentials leave
nothing behind). Google and Microsoft start as ``pending`` with an authorization URL carrying a
single-use ``state`` and a PKCE challenge; the public callback finishes the connection and sends the
browser back to the app's ``redirect_uri`` with ``connection_id`` and ``status``.
"""

from __future__ import annotations

import contextlib
import json
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import Field
from sqlalchemy import select

from astrocal_server.api.body import StrictBody, parse_json_body
from astrocal_server.api.deps import Caller, CallerDep, StateDep, validate_idempotency_key
from astrocal_server.errors import ApiError, invalid_param, not_found
from astrocal_server.ids import new_id
from astrocal_server.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from astrocal_server.storage.models import CalendarConnection

__all__ = ["router"]

router = APIRouter()

HttpUrl = Annotated[str, Field(min_length=8, max_length=2048)]


class CalDavCreate(StrictBody):
    provider: Literal["caldav"]
    server_url: HttpUrl
    username: Annotated[str, Field(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class OAuthCreate(StrictBody):
    provider: Literal["google", "microsoft"]
    redirect_uri: HttpUrl


def _check_http_url(value: str, param: str) -> str:
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in value)
    ):
        raise invalid_param(
            param, f"{param} must be an absolute http(s) URL such as https://caldav.example.com/."
        )
    return value


async def _provider_of(request: Request) -> str:
    raw = await request.body()
    try:
        document = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict):
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


def _services(state: Any) -> Any:
    return state.calendars


@router.post(
    "/v1/calendar_connections",
    operation_id="calendar_connections.create",
    status_code=201,
    dependencies=[Depends(validate_idempotency_key)],
)
async def create_connection(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    provider = await _provider_of(request)
    if provider == "caldav" or not provider:
        body = await parse_json_body(request, CalDavCreate)
        return await _create_caldav(body, caller, state)
    oauth_body = await parse_json_body(request, OAuthCreate)
    return await _create_oauth(oauth_body, caller, state)


async def _create_caldav(body: CalDavCreate, caller: Caller, state: Any) -> JSONResponse:
    from astrocal_server.calendars.base import AuthFailed, DiscoveryFailed, ProviderError
    from astrocal_server.calendars.connections import connection_to_api, seal_credentials

    server_url = _check_http_url(body.server_url.strip(), "server_url")
    service = _services(state)
    refusal = await service.vet_caldav_url(server_url)
    if refusal is not None:
        raise ApiError(
            400,
            "invalid_request_error",
            "calendar_discovery_failed",
            f"Cannot use {server_url} as a CalDAV server: {refusal}.",
            param="server_url",
        )
    provider = service.caldav(server_url, body.username, body.password)
    try:
        found = await provider.discover()
    except AuthFailed:
        raise ApiError(
            400,
            "invalid_request_error",
            "calendar_auth_failed",
            "The CalDAV server rejected this user name and password. Check them; many providers "
            "(iCloud, Fastmail) need an app-specific password here, not the account password.",
            param="password",
        ) from None
    except (DiscoveryFailed, ProviderError) as exc:
        raise ApiError(
            400,
            "invalid_request_error",
            "calendar_discovery_failed",
            f"Could not find CalDAV calendars at {server_url}: {exc.message}. Check the server URL "
            "(for example https://caldav.fastmail.com/dav/ or your Nextcloud's "
            "/remote.php/dav/).",
            param="server_url",
        ) from None
    if not found.calendars:
        raise ApiError(
            400,
            "invalid_request_error",
            "calendar_discovery_failed",
            f"The CalDAV account at {server_url} has no calendars that hold events; create one first.",
            param="server_url",
        )
    now = state.clock.now()
    connection_id = new_id("cal")
    connection = CalendarConnection(
        id=connection_id,
        account_id=caller.account_id,
        livemode=caller.livemode,
        provider="caldav",
        status="active",
        account_email=found.email or body.username,
        server_url=server_url,
        username=body.username,
        credentials_enc=seal_credentials(service.box, connection_id, {"password": body.password}),
        token_expires_at=None,
        calendars=[c.to_record() for c in found.calendars],
        last_error=None,
        oauth_state=None,
        pkce_verifier_enc=None,
        redirect_uri=None,
        created_at=now,
        updated_at=now,
    )
    async with state.db.write() as session:
        session.add(connection)
    return JSONResponse(connection_to_api(connection), status_code=201)


def _authorization_url(state: Any, connection: CalendarConnection) -> str | None:
    from astrocal_server.calendars import oauth

    if (
        connection.status != "pending"
        or not connection.oauth_state
        or not connection.pkce_verifier_enc
    ):
        return None
    client = oauth.oauth_client(state.settings, connection.provider)
    if client is None:
        return None
    verifier = _services(state).box.open_text(
        connection.pkce_verifier_enc, aad=f"pkce:{connection.id}"
    )
    return oauth.authorization_url(
        client,
        state=connection.oauth_state,
        challenge=oauth.challenge_for(verifier),
        redirect_uri=oauth.callback_url(state.settings),
    )


def _to_api(state: Any, connection: CalendarConnection) -> dict[str, Any]:
    from astrocal_server.calendars.connections import connection_to_api

    return connection_to_api(connection, authorization_url=_authorization_url(state, connection))


async def _create_oauth(body: OAuthCreate, caller: Caller, state: Any) -> JSONResponse:
    from astrocal_server.calendars import oauth

    redirect_uri = _check_http_url(body.redirect_uri.strip(), "redirect_uri")
    if oauth.oauth_client(state.settings, body.provider) is None:
        env = "GOOGLE" if body.provider == "google" else "MICROSOFT"
        raise invalid_param(
            "provider",
            f"This server has no {body.provider} OAuth client configured; its operator must set "
            f"ASTROCAL_{env}_CLIENT_ID and ASTROCAL_{env}_CLIENT_SECRET. CalDAV works without one.",
        )
    now = state.clock.now()
    connection_id = new_id("cal")
    verifier, _challenge = oauth.new_pkce()
    connection = CalendarConnection(
        id=connection_id,
        account_id=caller.account_id,
        livemode=caller.livemode,
        provider=body.provider,
        status="pending",
        account_email=None,
        server_url=None,
        username=None,
        credentials_enc=None,
        token_expires_at=None,
        calendars=[],
        last_error=None,
        oauth_state=oauth.new_state(),
        pkce_verifier_enc=_services(state).box.seal(verifier, aad=f"pkce:{connection_id}"),
        redirect_uri=redirect_uri,
        created_at=now,
        updated_at=now,
    )
    async with state.db.write() as session:
        session.add(connection)
    return JSONResponse(_to_api(state, connection), status_code=201)


async def _get(session: Any, caller: Caller, connection_id: str) -> CalendarConnection:
    connection = await session.scalar(
        select(CalendarConnection).where(
            CalendarConnection.id == connection_id, caller.owns(CalendarConnection)
        )
    )
    if connection is None:
        raise not_found("calendar connection", connection_id)
    return connection  # type: ignore[no-any-return]


@router.get("/v1/calendar_connections", operation_id="calendar_connections.list")
async def list_connections(
    caller: CallerDep,
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> dict[str, Any]:
    stmt = select(CalendarConnection).where(caller.owns(CalendarConnection))
    async with state.db.read() as session:
        page = await paginate(
            session,
            stmt,
            order_by=[CalendarConnection.created_at, CalendarConnection.id],
            limit=limit,
            cursor=cursor,
        )
    return page.render(lambda c: _to_api(state, c))


@router.get(
    "/v1/calendar_connections/{connection_id}", operation_id="calendar_connections.retrieve"
)
async def retrieve_connection(
    connection_id: str, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    async with state.db.read() as session:
        return _to_api(state, await _get(session, caller, connection_id))


@router.delete(
    "/v1/calendar_connections/{connection_id}",
    operation_id="calendar_connections.delete",
    status_code=204,
)
async def delete_connection(connection_id: str, caller: CallerDep, state: StateDep) -> Response:
    async with state.db.read() as session:
        connection = await _get(session, caller, connection_id)
    await _revoke(state, connection)
    async with state.db.write() as session:
        row = await session.get(CalendarConnection, connection.id)
        if row is not None:
            await session.delete(row)
    return Response(status_code=204)


async def _revoke(state: Any, connection: CalendarConnection) -> None:
    """Best effort: tell Google to revoke the grant (Microsoft has no per-grant revocation)."""
    from astrocal_server.calendars.base import ProviderError
    from astrocal_server.calendars.connections import open_credentials
    from astrocal_server.calendars.http import send
    from astrocal_server.crypto import SecretBoxError

    if connection.provider != "google" or not connection.credentials_enc:
        return
    service = _services(state)
    try:
        credentials = open_credentials(service.box, connection)
    except SecretBoxError:
        return
    token = credentials.get("refresh_token") or credentials.get("access_token")
    if not token:
        return
    # The connection is forgotten either way; a grant that was not revoked then lapses unused.
    with contextlib.suppress(ProviderError):
        await send(
            service.client,
            "POST",
            state.settings.google_revoke_url,
            policy=service.policy,
            provider="Google",
            data={"token": str(token)},
        )


def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(extra.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


@router.get("/v1/oauth/callback", operation_id="oauth.callback")
async def oauth_callback(
    state: StateDep,
    state_param: Annotated[str, Query(alias="state", min_length=1, max_length=512)],
    code: Annotated[str | None, Query(min_length=1, max_length=4096)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
    error_description: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response:
    from astrocal_server.calendars.connections import PENDING_TTL

    now = state.clock.now()
    async with state.db.read() as session:
        connection = await session.scalar(
            select(CalendarConnection).where(CalendarConnection.oauth_state == state_param)
        )
    if (
        connection is None
        or connection.status != "pending"
        or now - connection.created_at > PENDING_TTL
    ):
        raise ApiError(
            400,
            "invalid_request_error",
            "oauth_state_invalid",
            "This sign-in link is unknown, already used or expired. Start again: create the "
            "calendar connection anew and open its authorization_url.",
            param="state",
        )
    outcome = await _finish(state, connection, code, error, error_description)
    extra = {"connection_id": connection.id, "status": outcome[0]}
    if outcome[1]:
        extra["error"] = outcome[1]
    return RedirectResponse(_with_query(connection.redirect_uri or "/", extra), status_code=302)


async def _finish(
    state: Any,
    connection: CalendarConnection,
    code: str | None,
    error: str | None,
    error_description: str | None,
) -> tuple[str, str | None]:
    """Exchange the code, list the calendars and store everything; ``(status, error code)``."""
    from astrocal_server.calendars import oauth
    from astrocal_server.calendars.base import ProviderError
    from astrocal_server.calendars.connections import seal_credentials

    service = _services(state)
    now = state.clock.now()
    failure: tuple[str, str] | None = None
    record: dict[str, Any] = {}
    if error or not code:
        failure = (error or "access_denied", error_description or "consent was not given")
    else:
        client = oauth.oauth_client(state.settings, connection.provider)
        try:
            if client is None:
                raise ProviderError(f"no {connection.provider} OAuth client is configured")
            verifier = service.box.open_text(
                connection.pkce_verifier_enc or "", aad=f"pkce:{connection.id}"
            )
            tokens = await oauth.exchange_code(
                service.client,
                client,
                code=code,
                verifier=verifier,
                redirect_uri=oauth.callback_url(state.settings),
                policy=service.policy,
                now=now,
            )
            record = await _account_details(service, connection.provider, tokens)
        except ProviderError as exc:
            failure = ("token_exchange_failed", exc.message)
    async with state.db.write() as session:
        row = await session.get(CalendarConnection, connection.id)
        if row is None or row.status != "pending":
            return ("error", "state_used")
        row.oauth_state = None  # single use
        row.pkce_verifier_enc = None
        row.updated_at = now
        if failure is not None:
            row.status, row.last_error = "error", f"{failure[0]}: {failure[1]}"[:1000]
            return ("error", failure[0])
        row.status = "active"
        row.last_error = None
        row.account_email = record["email"]
        row.calendars = record["calendars"]
        row.token_expires_at = record["tokens"].expires_at
        row.credentials_enc = seal_credentials(
            service.box,
            row.id,
            {**record["tokens"].to_record(), "account_kind": record["account_kind"]},
        )
    return ("active", None)


async def _account_details(service: Any, provider: str, tokens: Any) -> dict[str, Any]:
    from astrocal_server.calendars import oauth
    from astrocal_server.calendars.microsoft import MicrosoftProvider

    claims = oauth.id_token_claims(tokens.id_token)
    account_kind = "work"
    if provider == "microsoft":
        # Personal Microsoft accounts all sign in through this one tenant id.
        if claims.get("tid") == "9188040d-6c67-4c5b-b112-36a304b66dad":
            account_kind = "personal"
        graph = service.oauth_provider("microsoft", tokens.access_token, {}, None)
        assert isinstance(graph, MicrosoftProvider)
        me = await graph.me()
        email = me.get("mail") or me.get("userPrincipalName") or claims.get("email")
    else:
        graph = service.oauth_provider("google", tokens.access_token, {}, None)
        email = claims.get("email")
    calendars = await graph.list_calendars()
    if not email:
        email = next((c.id for c in calendars if c.primary), None)
    return {
        "email": str(email) if email else None,
        "calendars": [c.to_record() for c in calendars],
        "tokens": tokens,
        "account_kind": account_kind,
    }
