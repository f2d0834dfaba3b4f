"""OAuth 2.0 authorisation-code flow with PKCE (RFC 7636) for Google and Microsoft.

The browser goes to :func:`authorization_url` with a random ``state`` (looked up on the callback,
single use) and an S256 code challenge; the callback exchanges the code with the verifier. Refresh
tokens: Google keeps one for the life of the grant (``access_type=offline`` + ``prompt=consent`` so
one is issued); Microsoft rotates them (``offline_access``), so every refresh answer's new token is
stored. A grant the provider revoked answers 400 ``invalid_grant`` → :class:`ConnectionExpired`.

Where the callback sends the browser afterwards (a connection's ``redirect_uri``) is checked by
:func:`redirect_allowed` when the connection is created and again at the callback, so the callback
is never an open redirect. Allowed are: the server's own origin (``public_base_url``), loopback
addresses on any port (they only reach the user's own machine; RFC 8252 §7.3), and the entries of
``Settings.oauth_redirect_allowlist`` — an origin matches any path on it, an origin with a path
matches that path and the paths below it. Origins compare scheme, host and port (the default port
made explicit); a URL with a user name, a backslash, whitespace or a control character is never
allowed (browsers and parsers disagree on where its host is).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, urlencode, urlsplit

import httpx

from astrocal_server.calendars.base import AuthFailed, ConnectionExpired, ProviderError
from astrocal_server.calendars.http import RetryPolicy, error_for, send

__all__ = [
    "OAuthClient",
    "TokenSet",
    "authorization_url",
    "callback_url",
    "challenge_for",
    "exchange_code",
    "id_token_claims",
    "new_pkce",
    "new_state",
    "oauth_client",
    "redirect_allowed",
    "redirect_refusal",
    "refresh",
]

GOOGLE_SCOPES = (
    "openid",
    "email",
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar.events",
)
MICROSOFT_SCOPES = ("openid", "email", "offline_access", "User.Read", "Calendars.ReadWrite")


@dataclass(frozen=True)
class OAuthClient:
    provider: str  # google | microsoft
    client_id: str
    client_secret: str | None
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    extra_params: dict[str, str] = field(default_factory=dict)
    revoke_url: str | None = None


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime
    id_token: str | None = None

    def to_record(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat(),
        }


def oauth_client(settings: Any, provider: str) -> OAuthClient | None:
    """The configured OAuth client for ``provider``, or ``None`` when none is configured."""
    if provider == "google" and settings.google_client_id:
        return OAuthClient(
            provider="google",
            client_id=settings.google_client_id,
            client_secret=settings.google_client_secret,
            authorize_url=settings.google_auth_url,
            token_url=settings.google_token_url,
            scopes=GOOGLE_SCOPES,
            extra_params={
                "access_type": "offline",
                "prompt": "consent",
                "include_granted_scopes": "true",
            },
            revoke_url=settings.google_revoke_url,
        )
    if provider == "microsoft" and settings.microsoft_client_id:
        base = f"{settings.microsoft_login_url.rstrip('/')}/{settings.microsoft_tenant}/oauth2/v2.0"
        return OAuthClient(
            provider="microsoft",
            client_id=settings.microsoft_client_id,
            client_secret=settings.microsoft_client_secret,
            authorize_url=f"{base}/authorize",
            token_url=f"{base}/token",
            scopes=MICROSOFT_SCOPES,
            extra_params={"response_mode": "query", "prompt": "select_account"},
        )
    return None


def callback_url(settings: Any) -> str:
    """The redirect URI registered with the providers: this server's callback route."""
    return f"{settings.public_base_url}/v1/oauth/callback"


_Origin = tuple[str, str, int]


def _split(url: str) -> tuple[_Origin, str] | None:
    """``((scheme, host, port), path)`` of an absolute http(s) URL, or None when it is not one
    whose host every parser agrees on."""
    if any(c.isspace() or c == "\\" or ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host or "@" in parts.netloc:
        return None
    return (scheme, host, port or (443 if scheme == "https" else 80)), parts.path or "/"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_allowed(settings: Any, url: str) -> bool:
    """Whether the OAuth callback may send the browser to ``url`` (see the module docstring)."""
    target = _split(url)
    if target is None:
        return False
    origin, path = target
    if _is_loopback(origin[1]):
        return True
    own = _split(settings.public_base_url)
    if own is not None and own[0] == origin:
        return True
    for entry in settings.oauth_redirect_allowlist:
        allowed = _split(entry)
        if allowed is None or allowed[0] != origin:
            continue
        prefix = allowed[1]
        if prefix == "/" or path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return True
    return False


def redirect_refusal(settings: Any, url: str) -> str | None:
    """Why ``url`` may not be a connection's ``redirect_uri`` (a message naming the fix), or None."""
    if redirect_allowed(settings, url):
        return None
    return (
        f"redirect_uri {url!r} is not an allowed OAuth redirect target on this server. Allowed "
        f"are this server's own origin ({settings.public_base_url}), loopback addresses "
        "(http://localhost:PORT, http://127.0.0.1:PORT) and what the operator lists in "
        "ASTROCAL_OAUTH_REDIRECT_ALLOWLIST; use one of those, or ask the operator to add your "
        "app's origin (https://app.example.com) there."
    )


def new_state() -> str:
    return "st_" + secrets.token_urlsafe(32)


def new_pkce() -> tuple[str, str]:
    """``(verifier, S256 challenge)``."""
    verifier = secrets.token_urlsafe(64)[:96]
    return verifier, challenge_for(verifier)


def challenge_for(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorization_url(client: OAuthClient, *, state: str, challenge: str, redirect_uri: str) -> str:
    params = {
        "client_id": client.client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": " ".join(client.scopes),
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **client.extra_params,
    }
    return f"{client.authorize_url}?{urlencode(params)}"


async def _token_request(
    http: httpx.AsyncClient,
    client: OAuthClient,
    form: dict[str, str],
    *,
    policy: RetryPolicy,
    now: datetime,
    previous_refresh_token: str | None = None,
) -> TokenSet:
    form = {"client_id": client.client_id, **form}
    if client.client_secret:
        form["client_secret"] = client.client_secret
    response = await send(
        http,
        "POST",
        client.token_url,
        policy=policy,
        provider=client.provider,
        data=form,
        headers={"Accept": "application/json"},
    )
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        body = {}
    if response.status_code != 200:
        error = body.get("error") if isinstance(body, dict) else None
        if error == "invalid_grant":
            reason = str(body.get("error_description") or "the grant is no longer valid")
            raise ConnectionExpired(
                f"{client.provider} revoked access (invalid_grant: {reason}); connect the calendar again",
                status=response.status_code,
            )
        if error in ("invalid_client", "unauthorized_client"):
            raise AuthFailed(
                f"{client.provider} refused this server's OAuth client ({error}); check the client "
                "id and secret in the server configuration",
                status=response.status_code,
            )
        raise error_for(response, client.provider, "the token request")
    if not isinstance(body, dict) or not body.get("access_token"):
        raise ProviderError(f"{client.provider}'s token answer has no access_token")
    expires_in = int(body.get("expires_in") or 3600)
    return TokenSet(
        access_token=str(body["access_token"]),
        # Google omits refresh_token on refresh (the old one stays valid); Microsoft sends a new one.
        refresh_token=str(body.get("refresh_token") or previous_refresh_token or "") or None,
        expires_at=now + timedelta(seconds=expires_in),
        id_token=body.get("id_token"),
    )


async def exchange_code(
    http: httpx.AsyncClient,
    client: OAuthClient,
    *,
    code: str,
    verifier: str,
    redirect_uri: str,
    policy: RetryPolicy,
    now: datetime,
) -> TokenSet:
    return await _token_request(
        http,
        client,
        {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
        },
        policy=policy,
        now=now,
    )


async def refresh(
    http: httpx.AsyncClient,
    client: OAuthClient,
    refresh_token: str,
    *,
    policy: RetryPolicy,
    now: datetime,
) -> TokenSet:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if client.provider == "microsoft":
        form["scope"] = " ".join(client.scopes)
    return await _token_request(
        http, client, form, policy=policy, now=now, previous_refresh_token=refresh_token
    )


def id_token_claims(id_token: str | None) -> dict[str, Any]:
    """The claims of an ID token received directly from the token endpoint over TLS.

    Not verified: it came from the provider on our own back-channel request (OpenID Connect Core
    3.1.3.7 allows TLS server validation in place of the signature check here)."""
    if not id_token or id_token.count(".") < 2:
        return {}
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}
