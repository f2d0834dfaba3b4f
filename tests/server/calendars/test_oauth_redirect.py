"""The OAuth ``redirect_uri`` is checked against the operator's allow-list, at creation and again at
the callback, and the callback's ``state`` and PKCE hold (single use, S256 verifier).

Issue 13: the callback redirected to whatever ``redirect_uri`` the connection was created with,
also on ``error=access_denied`` — an open redirect on the server's own origin. Now a target must be
the server's own origin, a loopback address (RFC 8252 §7.3) or match an entry of
``ASTROCAL_OAUTH_REDIRECT_ALLOWLIST`` (an origin, or an origin and a path prefix).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from astrocal_server.config import Settings
from astrocal_server.storage.models import CalendarConnection
from fastapi import FastAPI
from sqlalchemy import update

from tests.support.app import server_settings
from tests.support.calendars import GOOGLE_CLIENT_ID

H = dict[str, str]
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
ALLOWLIST = ["https://app.example", "https://partner.example/oauth/"]


@pytest.fixture
def allowlist() -> list[str]:
    return ALLOWLIST


@pytest.fixture
def settings(db_url: str, allowlist: list[str]) -> Settings:
    return server_settings(
        db_url,
        public_base_url="https://astrocal.test",
        google_client_id=GOOGLE_CLIENT_ID,
        google_client_secret="google-client-secret",
        oauth_redirect_allowlist=allowlist,
    )


@pytest.fixture
def fake() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


async def _create(client: httpx.AsyncClient, headers: H, redirect_uri: str) -> httpx.Response:
    return await client.post(
        "/v1/calendar_connections",
        json={"provider": "google", "redirect_uri": redirect_uri},
        headers=headers,
    )


REFUSED = [
    "https://evil.example/done",
    "https://app.example.evil.example/",  # a longer host, not a subdomain match
    "https://app.example@evil.example/",  # userinfo: the host is evil.example
    "https://evil.example\\@app.example/",  # browsers read the backslash as a slash
    "http://app.example/",  # another scheme
    "https://app.example:8443/",  # another port
    "https://partner.example/oauthx",  # the prefix ends at a path segment
    "https://partner.example/other/oauth/",
    "https://astrocal.test.evil.example/",
]
ALLOWED = [
    "https://app.example/settings?tab=cal",
    "https://APP.example:443/x",
    "https://partner.example/oauth/done",
    "https://astrocal.test/connected",  # the server's own origin
    "http://127.0.0.1:5000/cb",  # loopback, any port
    "http://localhost:8080/cb",
    "http://[::1]:9000/cb",
]


@pytest.mark.parametrize(
    ("redirect_uri", "allowed"), [(u, False) for u in REFUSED] + [(u, True) for u in ALLOWED]
)
async def test_redirect_uri_is_checked_against_the_allowlist_at_creation(
    client: httpx.AsyncClient, auth_headers: H, redirect_uri: str, allowed: bool
) -> None:
    r = await _create(client, auth_headers, redirect_uri)
    if allowed:
        assert r.status_code == 201, r.text
        return
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert (error["code"], error["param"]) == ("parameter_invalid", "redirect_uri")
    assert "ASTROCAL_OAUTH_REDIRECT_ALLOWLIST" in error["message"]
    listed = await client.get("/v1/calendar_connections", headers=auth_headers)
    assert listed.json()["data"] == []


@pytest.mark.parametrize("allowlist", [[]])
async def test_an_empty_allowlist_allows_loopback_and_the_own_origin_only(
    client: httpx.AsyncClient, auth_headers: H
) -> None:
    assert (await _create(client, auth_headers, "https://app.example/done")).status_code == 400
    assert (await _create(client, auth_headers, "http://localhost:3000/done")).status_code == 201
    assert (await _create(client, auth_headers, "https://astrocal.test/ok")).status_code == 201


async def _state_of(created: httpx.Response) -> str:
    assert created.status_code == 201, created.text
    query = parse_qs(urlsplit(created.json()["authorization_url"]).query)
    return query["state"][0]


async def test_the_callback_never_redirects_off_the_allowlist(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H
) -> None:
    created = await _create(client, auth_headers, "https://app.example/done")
    state = await _state_of(created)
    # A row whose target is no longer allowed (stored before an upgrade, or the operator narrowed
    # the list since): the consent still finishes, but the browser gets a page, not a redirect.
    async with app.state.astrocal.db.write() as session:
        await session.execute(
            update(CalendarConnection)
            .where(CalendarConnection.id == created.json()["id"])
            .values(redirect_uri="https://evil.example/phish")
        )
    r = await client.get("/v1/oauth/callback", params={"state": state, "error": "access_denied"})
    assert r.status_code == 200 and "location" not in r.headers
    assert r.headers["content-type"].startswith("text/html")
    assert "evil.example" not in r.text and created.json()["id"] in r.text
    assert "access_denied" in r.text
    got = await client.get(f"/v1/calendar_connections/{created.json()['id']}", headers=auth_headers)
    assert got.json()["status"] == "error"


async def test_state_is_single_use_and_the_pkce_verifier_matches(
    client: httpx.AsyncClient, auth_headers: H, fake: respx.MockRouter
) -> None:
    denied = await _state_of(await _create(client, auth_headers, "https://app.example/a"))
    first = await client.get(
        "/v1/oauth/callback", params={"state": denied, "error": "access_denied"}
    )
    assert first.status_code == 302
    assert urlsplit(first.headers["location"]).netloc == "app.example"
    replay = await client.get("/v1/oauth/callback", params={"state": denied, "code": "4/x"})
    assert replay.status_code == 400 and "location" not in replay.headers
    assert replay.json()["error"]["code"] == "oauth_state_invalid"

    created = await _create(client, auth_headers, "https://app.example/b")
    state = await _state_of(created)
    challenge = parse_qs(urlsplit(created.json()["authorization_url"]).query)["code_challenge"][0]
    token = fake.post(GOOGLE_TOKEN).mock(
        return_value=httpx.Response(400, json={"error": "invalid_grant"})
    )
    done = await client.get("/v1/oauth/callback", params={"state": state, "code": "4/code"})
    assert done.status_code == 302
    verifier = parse_qs(token.calls.last.request.content.decode())["code_verifier"][0]
    assert verifier not in created.json()["authorization_url"]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).decode().rstrip("=") == challenge
    again = await client.get("/v1/oauth/callback", params={"state": state, "code": "4/code"})
    assert again.status_code == 400 and token.call_count == 1


def test_the_allowlist_setting_reads_comma_separated_origins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "ASTROCAL_OAUTH_REDIRECT_ALLOWLIST", " https://a.example, https://b.example/oauth/ ,"
    )
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.oauth_redirect_allowlist == ["https://a.example", "https://b.example/oauth/"]
    for bad in ("a.example", "https://a.example/?next=x", "https://u@a.example", "ftp://a.example"):
        monkeypatch.setenv("ASTROCAL_OAUTH_REDIRECT_ALLOWLIST", bad)
        with pytest.raises(ValueError, match="oauth_redirect_allowlist entry"):
            Settings(_env_file=None)  # type: ignore[call-arg]
