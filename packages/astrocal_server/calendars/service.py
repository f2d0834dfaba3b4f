"""Calendar connections of the caller: connect (CalDAV at once, Google and Microsoft through OAuth),
finish the OAuth consent, list, read and disconnect.

CalDAV connects at once: discovery runs before anything is stored, so bad credentials leave nothing
behind. Google and Microsoft start as ``pending`` with an authorization URL carrying a single-use
``state`` and a PKCE challenge; :func:`finish_oauth` (the public callback) exchanges the code, lists
the calendars and stores the sealed tokens. Running a provider operation for a stored connection
(token refresh, marking it broken) is :class:`~astrocal_server.calendars.connections.CalendarService`'s
job; this module uses it for its HTTP client, its secret box and its providers.

Every connection belongs to a host (``host_id``, the default host unless the request names one of
the caller's hosts): a pending OAuth row carries it, so the consent finishes for that host.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from astrocal_server.calendars import oauth
from astrocal_server.calendars.base import (
    AuthFailed,
    CalendarInfo,
    CalendarProvider,
    DiscoveryFailed,
    ProviderError,
)
from astrocal_server.calendars.connections import (
    PENDING_TTL,
    CalendarService,
    open_credentials,
    seal_credentials,
)
from astrocal_server.calendars.http import send
from astrocal_server.calendars.microsoft import MicrosoftProvider
from astrocal_server.caller import Caller
from astrocal_server.contract.requests import CalDavConnectionCreate, OAuthConnectionCreate
from astrocal_server.crypto import SecretBoxError
from astrocal_server.errors import InvalidRequest, invalid_param
from astrocal_server.hosts.service import host_id_or_default
from astrocal_server.ids import new_id
from astrocal_server.state import AppState
from astrocal_server.storage.models import CalendarConnection
from astrocal_server.storage.owned import get_owned, list_owned
from astrocal_server.storage.pagination import Page, PageRequest

__all__ = [
    "ConnectionView",
    "OAuthOutcome",
    "connect_caldav",
    "delete_connection",
    "finish_oauth",
    "get_connection",
    "list_connections",
    "start_oauth",
]

# Personal Microsoft accounts all sign in through this one tenant id.
_MICROSOFT_PERSONAL_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"


@dataclass(frozen=True)
class ConnectionView:
    """A connection as its owner sees it: with the link to open while it waits for consent."""

    connection: CalendarConnection
    authorization_url: str | None


@dataclass(frozen=True)
class OAuthOutcome:
    """Where the callback sends the browser, and what it tells the app there."""

    connection_id: str
    redirect_uri: str | None
    status: str  # active | error
    error: str | None


@dataclass(frozen=True)
class _AccountDetails:
    email: str | None
    calendars: list[CalendarInfo]
    tokens: oauth.TokenSet
    account_kind: str  # work | personal (Microsoft)


def _check_http_url(value: str, param: str) -> str:
    try:
        parts = urlsplit(value)
        # An unclosed IPv6 bracket or a port outside 0-65535 raises here, not later in a client.
        scheme, hostname, _ = parts.scheme, parts.hostname, parts.port
    except ValueError:
        scheme, hostname = "", None
    if scheme not in ("http", "https") or not hostname or any(c.isspace() for c in value):
        raise invalid_param(
            param, f"{param} must be an absolute http(s) URL such as https://caldav.example.com/."
        )
    return value


def _authorization_url(state: AppState, connection: CalendarConnection) -> str | None:
    if (
        connection.status != "pending"
        or not connection.oauth_state
        or not connection.pkce_verifier_enc
    ):
        return None
    client = oauth.oauth_client(state.settings, connection.provider)
    if client is None:
        return None
    verifier = state.calendars.box.open_text(
        connection.pkce_verifier_enc, aad=f"pkce:{connection.id}"
    )
    return oauth.authorization_url(
        client,
        state=connection.oauth_state,
        challenge=oauth.challenge_for(verifier),
        redirect_uri=oauth.callback_url(state.settings),
    )


def _view(state: AppState, connection: CalendarConnection) -> ConnectionView:
    return ConnectionView(connection, _authorization_url(state, connection))


# ---- connect -----------------------------------------------------------------------------------


# A new connection's columns that only some ways of connecting fill in.
_UNTIL_FILLED = (
    "account_email",
    "server_url",
    "username",
    "credentials_enc",
    "token_expires_at",
    "last_error",
    "oauth_state",
    "pkce_verifier_enc",
    "redirect_uri",
)


def _new_connection(
    state: AppState, caller: Caller, connection_id: str, **columns: Any
) -> CalendarConnection:
    """A new connection of the caller's with ``columns``; the rest of :data:`_UNTIL_FILLED`
    empty, no calendars yet."""
    now = state.clock.now()
    return CalendarConnection(
        **{**dict.fromkeys(_UNTIL_FILLED), "calendars": [], **columns},
        id=connection_id,
        account_id=caller.account_id,
        livemode=caller.livemode,
        created_at=now,
        updated_at=now,
    )


async def connect_caldav(
    state: AppState, caller: Caller, draft: CalDavConnectionCreate
) -> ConnectionView:
    """Discover the account's calendars and store the connection, ``active``; nothing is stored
    when the server, the credentials or the calendars are not usable."""
    server_url = _check_http_url(draft.server_url.strip(), "server_url")
    # The host is checked before the CalDAV server is asked anything.
    async with state.db.read() as session:
        host_id = await host_id_or_default(session, caller, draft.host_id)
    service = state.calendars
    refusal = await service.vet_caldav_url(server_url)
    if refusal is not None:
        raise InvalidRequest(
            "calendar_discovery_failed",
            f"Cannot use {server_url} as a CalDAV server: {refusal}.",
            param="server_url",
        )
    provider = service.caldav(server_url, draft.username, draft.password)
    try:
        found = await provider.discover()
    except AuthFailed:
        raise InvalidRequest(
            "calendar_auth_failed",
            "The CalDAV server rejected this user name and password. Check them; many providers "
            "(iCloud, Fastmail) need an app-specific password here, not the account password.",
            param="password",
        ) from None
    except (DiscoveryFailed, ProviderError) as exc:
        raise InvalidRequest(
            "calendar_discovery_failed",
            f"Could not find CalDAV calendars at {server_url}: {exc.message}. Check the server URL "
            "(for example https://caldav.fastmail.com/dav/ or your Nextcloud's "
            "/remote.php/dav/).",
            param="server_url",
        ) from None
    if not found.calendars:
        raise InvalidRequest(
            "calendar_discovery_failed",
            f"The CalDAV account at {server_url} has no calendars that hold events; create one first.",
            param="server_url",
        )
    connection_id = new_id("cal")
    connection = _new_connection(
        state,
        caller,
        connection_id,
        host_id=host_id,
        provider="caldav",
        status="active",
        account_email=found.email or draft.username,
        server_url=server_url,
        username=draft.username,
        credentials_enc=seal_credentials(service.box, connection_id, {"password": draft.password}),
        calendars=[c.to_record() for c in found.calendars],
    )
    async with state.db.write() as session:
        session.add(connection)
    # A CalDAV connection never waits for consent: there is no authorization URL to show.
    return ConnectionView(connection, None)


async def start_oauth(
    state: AppState, caller: Caller, draft: OAuthConnectionCreate
) -> ConnectionView:
    """Store a ``pending`` connection with a fresh ``state`` and PKCE verifier."""
    redirect_uri = _check_http_url(draft.redirect_uri.strip(), "redirect_uri")
    refusal = oauth.redirect_refusal(state.settings, redirect_uri)
    if refusal is not None:  # the callback must never become an open redirect
        raise invalid_param("redirect_uri", refusal)
    if oauth.oauth_client(state.settings, draft.provider) is None:
        env = "GOOGLE" if draft.provider == "google" else "MICROSOFT"
        raise invalid_param(
            "provider",
            f"This server has no {draft.provider} OAuth client configured; its operator must set "
            f"ASTROCAL_{env}_CLIENT_ID and ASTROCAL_{env}_CLIENT_SECRET. CalDAV works without one.",
        )
    connection_id = new_id("cal")
    verifier, _challenge = oauth.new_pkce()
    connection = _new_connection(
        state,
        caller,
        connection_id,
        provider=draft.provider,
        status="pending",
        oauth_state=oauth.new_state(),
        pkce_verifier_enc=state.calendars.box.seal(verifier, aad=f"pkce:{connection_id}"),
        redirect_uri=redirect_uri,
    )
    async with state.db.write() as session:
        # The pending row keeps the host, so the callback finishes the consent for that host.
        connection.host_id = await host_id_or_default(session, caller, draft.host_id)
        session.add(connection)
    return _view(state, connection)


# ---- read and delete ---------------------------------------------------------------------------


async def list_connections(
    state: AppState, caller: Caller, page: PageRequest
) -> Page[ConnectionView]:
    found = await list_owned(state.db, CalendarConnection, caller, page)
    return Page(
        items=[_view(state, c) for c in found.items],
        has_more=found.has_more,
        next_cursor=found.next_cursor,
    )


async def get_connection(state: AppState, caller: Caller, connection_id: str) -> ConnectionView:
    async with state.db.read() as session:
        connection = await get_owned(
            session, CalendarConnection, caller, connection_id, kind="calendar connection"
        )
    return _view(state, connection)


async def delete_connection(state: AppState, caller: Caller, connection_id: str) -> None:
    """Revoke the grant where the provider allows it (best effort), then forget the connection."""
    async with state.db.read() as session:
        connection = await get_owned(
            session, CalendarConnection, caller, connection_id, kind="calendar connection"
        )
    await _revoke(state, connection)
    async with state.db.write() as session:
        row = await session.get(CalendarConnection, connection.id)
        if row is not None:
            await session.delete(row)


async def _revoke(state: AppState, connection: CalendarConnection) -> None:
    """Best effort: tell Google to revoke the grant (Microsoft has no per-grant revocation)."""
    if connection.provider != "google" or not connection.credentials_enc:
        return
    service = state.calendars
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


# ---- the OAuth callback ------------------------------------------------------------------------


async def finish_oauth(
    state: AppState,
    oauth_state: str,
    *,
    code: str | None,
    error: str | None,
    error_description: str | None,
) -> OAuthOutcome:
    """Finish the consent ``oauth_state`` was issued for (no caller: the browser brings it).

    An unknown, used or expired ``state`` is refused; any other failure (consent refused, the code
    exchange failed) is recorded on the connection and reported to the app as ``status=error``.
    """
    now = state.clock.now()
    async with state.db.read() as session:
        connection = await session.scalar(
            select(CalendarConnection).where(CalendarConnection.oauth_state == oauth_state)
        )
    if (
        connection is None
        or connection.status != "pending"
        or now - connection.created_at > PENDING_TTL
    ):
        raise InvalidRequest(
            "oauth_state_invalid",
            "This sign-in link is unknown, already used or expired. Start again: create the "
            "calendar connection anew and open its authorization_url.",
            param="state",
        )
    status, failure = await _finish(state, connection, code, error, error_description)
    return OAuthOutcome(connection.id, connection.redirect_uri, status, failure)


async def _finish(
    state: AppState,
    connection: CalendarConnection,
    code: str | None,
    error: str | None,
    error_description: str | None,
) -> tuple[str, str | None]:
    """Exchange the code, list the calendars and store everything; ``(status, error code)``."""
    service = state.calendars
    now = state.clock.now()
    failure: tuple[str, str] | None = None
    details: _AccountDetails | None = None
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
            details = await _account_details(service, connection.provider, tokens)
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
        assert details is not None  # no failure: the exchange ran
        row.status = "active"
        row.last_error = None
        row.account_email = details.email
        row.calendars = [c.to_record() for c in details.calendars]
        row.token_expires_at = details.tokens.expires_at
        row.credentials_enc = seal_credentials(
            service.box,
            row.id,
            {**details.tokens.to_record(), "account_kind": details.account_kind},
        )
    return ("active", None)


async def _account_details(
    service: CalendarService, provider: str, tokens: oauth.TokenSet
) -> _AccountDetails:
    claims = oauth.id_token_claims(tokens.id_token)
    account_kind = "work"
    graph: CalendarProvider
    if provider == "microsoft":
        if claims.get("tid") == _MICROSOFT_PERSONAL_TENANT:
            account_kind = "personal"
        microsoft = service.oauth_provider("microsoft", tokens.access_token, {}, None)
        assert isinstance(microsoft, MicrosoftProvider)
        me = await microsoft.me()
        email = me.get("mail") or me.get("userPrincipalName") or claims.get("email")
        graph = microsoft
    else:
        graph = service.oauth_provider("google", tokens.access_token, {}, None)
        email = claims.get("email")
    calendars = await graph.list_calendars()
    if not email:
        email = next((c.id for c in calendars if c.primary), None)
    return _AccountDetails(
        email=str(email) if email else None,
        calendars=calendars,
        tokens=tokens,
        account_kind=account_kind,
    )
