"""/v1/calendar_connections and /v1/oauth/callback: CalDAV on Radicale, Google and Microsoft on respx."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from astrocal_server.clock import FixedClock
from fastapi import FastAPI

from tests.support.app import override_settings
from tests.support.caldav import Radicale
from tests.support.calendars import (
    GOOGLE_CLIENT_ID,
    MICROSOFT_CLIENT_ID,
    post_calendar_event_type,
)
from tests.support.providers import (
    GOOGLE_API,
    GOOGLE_TOKEN,
    GRAPH,
    MICROSOFT_TOKEN,
    graph_calendars,
    oauth_error,
    token_response,
)
from tests.support.resources import assert_deleted, assert_hidden

PERSONAL_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"


def jwt(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.sig"


def caldav_body(radicale: Radicale, **changes: str) -> dict[str, str]:
    body = {
        "provider": "caldav",
        "server_url": radicale.url,
        "username": radicale.user,
        "password": radicale.password,
    }
    body.update(changes)
    return body


async def test_caldav_connect_discovers_calendars(
    client: httpx.AsyncClient, auth_headers: dict[str, str], radicale_server: Radicale
) -> None:
    path = radicale_server.make_calendar("Team", time_zone="Europe/Berlin")
    response = await client.post(
        "/v1/calendar_connections", json=caldav_body(radicale_server), headers=auth_headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"].startswith("cal_")
    assert body["provider"] == "caldav" and body["status"] == "active"
    assert body["server_url"] == radicale_server.url
    assert body["account_email"] == radicale_server.user
    assert {
        "id": path,
        "name": "Team",
        "primary": body["calendars"][0]["primary"],
        "read_only": False,
    } in [
        c if c["id"] != path else {**c, "primary": body["calendars"][0]["primary"]}
        for c in body["calendars"]
    ]
    assert all(set(c) == {"id", "name", "primary", "read_only"} for c in body["calendars"])
    assert "password" not in response.text and radicale_server.password not in response.text
    assert body["livemode"] is False
    got = await client.get(f"/v1/calendar_connections/{body['id']}", headers=auth_headers)
    assert got.json() == body


async def test_caldav_wrong_password_is_a_clear_400_and_stores_nothing(
    client: httpx.AsyncClient, auth_headers: dict[str, str], radicale_server: Radicale
) -> None:
    response = await client.post(
        "/v1/calendar_connections",
        json=caldav_body(radicale_server, password="not-it"),
        headers=auth_headers,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "calendar_auth_failed" and error["param"] == "password"
    assert "app-specific password" in error["message"]
    listed = await client.get("/v1/calendar_connections", headers=auth_headers)
    assert listed.json()["data"] == []


async def test_caldav_server_that_is_not_caldav(
    client: httpx.AsyncClient, auth_headers: dict[str, str], fake: respx.MockRouter
) -> None:
    fake.route(host="cal.example.com").mock(
        return_value=httpx.Response(200, html="<html>hello</html>")
    )
    response = await client.post(
        "/v1/calendar_connections",
        json={
            "provider": "caldav",
            "server_url": "https://cal.example.com/dav/",
            "username": "u",
            "password": "p",
        },
        headers=auth_headers,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "calendar_discovery_failed" and error["param"] == "server_url"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "provider"),
        ({"provider": "yahoo"}, "provider"),
        ({"provider": "caldav", "server_url": "https://x.example/", "username": "u"}, "password"),
        (
            {
                "provider": "caldav",
                "server_url": "ftp://x.example/",
                "username": "u",
                "password": "p",
            },
            "server_url",
        ),
        ({"provider": "google"}, "redirect_uri"),
        ({"provider": "google", "redirect_uri": "not a url at all"}, "redirect_uri"),
        ({"provider": "google", "redirect_uri": "https://a.example/", "extra": 1}, "extra"),
    ],
)
async def test_bad_create_bodies_are_400_with_param(
    client: httpx.AsyncClient, auth_headers: dict[str, str], body: dict[str, object], param: str
) -> None:
    response = await client.post("/v1/calendar_connections", json=body, headers=auth_headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


async def test_oauth_provider_without_client_is_400(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    override_settings(app, google_client_id=None)
    response = await client.post(
        "/v1/calendar_connections",
        json={"provider": "google", "redirect_uri": "https://app.example/done"},
        headers=auth_headers,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "provider" and "ASTROCAL_GOOGLE_CLIENT_ID" in error["message"]


async def start_oauth(
    client: httpx.AsyncClient, headers: dict[str, str], provider: str
) -> tuple[dict[str, object], dict[str, list[str]]]:
    response = await client.post(
        "/v1/calendar_connections",
        json={"provider": provider, "redirect_uri": "https://app.example/settings?tab=cal"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body, parse_qs(urlsplit(str(body["authorization_url"])).query)


def google_token_route(fake: respx.MockRouter, **token: object) -> respx.Route:
    return fake.post(GOOGLE_TOKEN).mock(
        return_value=token_response(
            "ya29.access-1",
            expires_in=3599,
            refresh_token="1//refresh-google",
            scope="https://www.googleapis.com/auth/calendar.events",
            id_token=jwt({"email": "host@gmail.com", "sub": "1"}),
            **token,
        )
    )


def google_calendar_list(fake: respx.MockRouter) -> respx.Route:
    return fake.get(f"{GOOGLE_API}/users/me/calendarList").mock(
        return_value=httpx.Response(
            200,
            json={
                "kind": "calendar#calendarList",
                "items": [
                    {
                        "id": "host@gmail.com",
                        "summary": "Host",
                        "primary": True,
                        "accessRole": "owner",
                        "timeZone": "Europe/Berlin",
                    },
                    {
                        "id": "en.german#holiday@group.v.calendar.google.com",
                        "summary": "Holidays",
                        "accessRole": "reader",
                    },
                ],
            },
        )
    )


async def test_google_flow_end_to_end(
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    fake: respx.MockRouter,
    app: FastAPI,
) -> None:
    pending, query = await start_oauth(client, auth_headers, "google")
    assert pending["status"] == "pending" and pending["calendars"] == []
    assert query["client_id"] == [GOOGLE_CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["https://astrocal.test/v1/oauth/callback"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["access_type"] == ["offline"]
    assert "https://www.googleapis.com/auth/calendar.events" in query["scope"][0].split()
    state = query["state"][0]
    # the pending connection shows the same URL again
    again = await client.get(f"/v1/calendar_connections/{pending['id']}", headers=auth_headers)
    assert again.json()["authorization_url"] == pending["authorization_url"]

    token = google_token_route(fake)
    google_calendar_list(fake)
    response = await client.get(f"/v1/oauth/callback?state={state}&code=4/code-abc")
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert location.netloc == "app.example" and location.path == "/settings"
    assert parse_qs(location.query) == {
        "tab": ["cal"],
        "connection_id": [str(pending["id"])],
        "status": ["active"],
    }
    # PKCE: the verifier sent with the code matches the challenge in the authorization URL
    form = parse_qs(token.calls.last.request.content.decode())
    assert form["grant_type"] == ["authorization_code"] and form["code"] == ["4/code-abc"]
    verifier = form["code_verifier"][0]
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    assert query["code_challenge"] == [challenge]
    assert form["redirect_uri"] == ["https://astrocal.test/v1/oauth/callback"]

    got = (
        await client.get(f"/v1/calendar_connections/{pending['id']}", headers=auth_headers)
    ).json()
    assert got["status"] == "active" and got["account_email"] == "host@gmail.com"
    assert "authorization_url" not in got
    assert got["calendars"] == [
        {"id": "host@gmail.com", "name": "Host", "primary": True, "read_only": False},
        {
            "id": "en.german#holiday@group.v.calendar.google.com",
            "name": "Holidays",
            "primary": False,
            "read_only": True,
        },
    ]
    # the state is single use
    replay = await client.get(f"/v1/oauth/callback?state={state}&code=4/code-abc")
    assert replay.status_code == 400
    assert replay.json()["error"]["code"] == "oauth_state_invalid"


async def test_callback_with_consent_denied_redirects_with_error(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    pending, query = await start_oauth(client, auth_headers, "google")
    response = await client.get(f"/v1/oauth/callback?state={query['state'][0]}&error=access_denied")
    assert response.status_code == 302
    got = parse_qs(urlsplit(response.headers["location"]).query)
    assert got["status"] == ["error"] and got["error"] == ["access_denied"]
    connection = (
        await client.get(f"/v1/calendar_connections/{pending['id']}", headers=auth_headers)
    ).json()
    assert connection["status"] == "error" and "access_denied" in connection["last_error"]


async def test_callback_token_exchange_failure(
    client: httpx.AsyncClient, auth_headers: dict[str, str], fake: respx.MockRouter
) -> None:
    _pending, query = await start_oauth(client, auth_headers, "google")
    fake.post(GOOGLE_TOKEN).mock(return_value=oauth_error("invalid_grant", "Bad Request"))
    response = await client.get(f"/v1/oauth/callback?state={query['state'][0]}&code=stale")
    assert response.status_code == 302
    got = parse_qs(urlsplit(response.headers["location"]).query)
    assert got["status"] == ["error"] and got["error"] == ["token_exchange_failed"]


async def test_unknown_or_expired_state_is_400(
    client: httpx.AsyncClient, auth_headers: dict[str, str], clock: FixedClock
) -> None:
    unknown = await client.get("/v1/oauth/callback?state=st_nope&code=x")
    assert unknown.status_code == 400 and unknown.json()["error"]["param"] == "state"
    _pending, query = await start_oauth(client, auth_headers, "microsoft")
    clock.advance(timedelta(minutes=31))
    late = await client.get(f"/v1/oauth/callback?state={query['state'][0]}&code=x")
    assert late.status_code == 400 and late.json()["error"]["code"] == "oauth_state_invalid"
    missing = await client.get("/v1/oauth/callback")
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "state"


async def test_microsoft_flow_end_to_end(
    client: httpx.AsyncClient, auth_headers: dict[str, str], fake: respx.MockRouter, app: FastAPI
) -> None:
    pending, query = await start_oauth(client, auth_headers, "microsoft")
    assert str(pending["authorization_url"]).startswith(
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?"
    )
    assert query["client_id"] == [MICROSOFT_CLIENT_ID]
    assert "offline_access" in query["scope"][0].split()
    token = fake.post(MICROSOFT_TOKEN).mock(
        return_value=token_response(
            "eyJ.ms-access-1",
            scope="Calendars.ReadWrite User.Read",
            refresh_token="M.R3_BAY.refresh-1",
            id_token=jwt({"tid": PERSONAL_TENANT, "email": "host@outlook.com"}),
        )
    )
    fake.get(f"{GRAPH}/me").mock(
        return_value=httpx.Response(
            200, json={"mail": None, "userPrincipalName": "host@outlook.com"}
        )
    )
    fake.get(f"{GRAPH}/me/calendars").mock(
        return_value=graph_calendars(
            ("AAMkADI=", "Calendar", True, True), ("AAMkADJ=", "Birthdays", False, False)
        )
    )
    response = await client.get(f"/v1/oauth/callback?state={query['state'][0]}&code=M.code")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["location"]).query)["status"] == ["active"]
    assert parse_qs(token.calls.last.request.content.decode())["client_secret"] == [
        "microsoft-client-secret"
    ]
    got = (
        await client.get(f"/v1/calendar_connections/{pending['id']}", headers=auth_headers)
    ).json()
    assert got["account_email"] == "host@outlook.com" and got["status"] == "active"
    assert [c["id"] for c in got["calendars"]] == ["AAMkADI=", "AAMkADJ="]
    assert got["calendars"][1]["read_only"] is True
    from astrocal_server.calendars.connections import open_credentials
    from astrocal_server.storage.models import CalendarConnection

    state = app.state.astrocal
    async with state.db.read() as session:
        row = await session.get(CalendarConnection, pending["id"])
    creds = open_credentials(state.calendars.box, row)
    assert creds["account_kind"] == "personal" and creds["refresh_token"] == "M.R3_BAY.refresh-1"


async def test_list_retrieve_delete_are_scoped(
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    live_headers: dict[str, str],
    other_headers: dict[str, str],
    fake: respx.MockRouter,
    clock: FixedClock,
) -> None:
    mine, query = await start_oauth(client, auth_headers, "google")
    google_token_route(fake)
    google_calendar_list(fake)
    await client.get(f"/v1/oauth/callback?state={query['state'][0]}&code=c")
    clock.advance(seconds=1)
    second, _ = await start_oauth(client, auth_headers, "microsoft")
    live, _ = await start_oauth(client, live_headers, "google")

    listed = (await client.get("/v1/calendar_connections", headers=auth_headers)).json()
    assert [c["id"] for c in listed["data"]] == [mine["id"], second["id"]]
    assert listed["has_more"] is False
    page = (await client.get("/v1/calendar_connections?limit=1", headers=auth_headers)).json()
    assert [c["id"] for c in page["data"]] == [mine["id"]] and page["has_more"] is True
    assert [
        c["id"]
        for c in (await client.get("/v1/calendar_connections", headers=live_headers)).json()["data"]
    ] == [live["id"]]

    url = f"/v1/calendar_connections/{mine['id']}"
    await assert_hidden(client, url, other_headers, live_headers)

    revoke = fake.post("https://oauth2.googleapis.com/revoke").mock(
        return_value=httpx.Response(200)
    )
    await assert_deleted(client, url, auth_headers)
    assert parse_qs(revoke.calls[0].request.content.decode()) == {"token": ["1//refresh-google"]}


async def test_event_type_calendar_refs_are_validated(
    client: httpx.AsyncClient, auth_headers: dict[str, str], radicale_server: Radicale
) -> None:
    path = radicale_server.make_calendar("Refs")
    connection = (
        await client.post(
            "/v1/calendar_connections", json=caldav_body(radicale_server), headers=auth_headers
        )
    ).json()
    cid = connection["id"]
    bad = await post_calendar_event_type(client, auth_headers, conflicts=[(cid, "/host/nope/")])
    assert (
        bad.status_code == 400
        and bad.json()["error"]["param"] == "conflict_calendars.0.calendar_id"
    )
    good = await post_calendar_event_type(
        client, auth_headers, conflicts=[(cid, path)], destination=(cid, path)
    )
    assert good.status_code == 201, good.text


async def test_no_plaintext_secret_in_the_database(
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    radicale_server: Radicale,
    fake: respx.MockRouter,
    settings: object,
) -> None:
    if not str(getattr(settings, "database_url", "")).startswith("sqlite"):
        pytest.skip("dumps the SQLite file")
    radicale_server.make_calendar("Secret")
    created = await client.post(
        "/v1/calendar_connections", json=caldav_body(radicale_server), headers=auth_headers
    )
    assert created.status_code == 201
    _pending, query = await start_oauth(client, auth_headers, "google")
    google_token_route(fake)
    google_calendar_list(fake)
    await client.get(f"/v1/oauth/callback?state={query['state'][0]}&code=c")
    path = Path(str(settings.database_url).split("///", 1)[1])
    dump = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"v1." in dump  # sealed values are there
    for secret in (radicale_server.password, "1//refresh-google", "ya29.access-1"):
        assert secret.encode() not in dump, secret


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5232/",
        "http://169.254.169.254/latest/",
        "http://10.0.0.7/dav/",
        "http://[::1]/",
    ],
)
async def test_private_caldav_servers_are_refused_unless_allowed(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: dict[str, str], url: str
) -> None:
    service = app.state.astrocal.calendars
    service.settings = service.settings.with_overrides(allow_private_calendar_servers=False)
    response = await client.post(
        "/v1/calendar_connections",
        json={"provider": "caldav", "server_url": url, "username": "u", "password": "p"},
        headers=auth_headers,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "calendar_discovery_failed" and error["param"] == "server_url"
    assert "ASTROCAL_ALLOW_PRIVATE_CALENDAR_SERVERS" in error["message"]


async def test_a_read_only_calendar_cannot_be_the_destination(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    radicale_server: Radicale,
) -> None:
    from astrocal_server.storage.models import CalendarConnection

    shared = radicale_server.make_calendar("Shared")
    own = radicale_server.make_calendar("Own")
    connection = (
        await client.post(
            "/v1/calendar_connections", json=caldav_body(radicale_server), headers=auth_headers
        )
    ).json()
    # A calendar shared with read access only, as a server reports it.
    async with app.state.astrocal.db.write() as session:
        row = await session.get(CalendarConnection, connection["id"])
        assert row is not None
        row.calendars = [{**c, "read_only": c["id"] == shared} for c in row.calendars]
    cid = connection["id"]
    refused = await post_calendar_event_type(client, auth_headers, destination=(cid, shared))
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["param"] == "destination_calendar.calendar_id"
    assert "read-only" in error["message"] and own in error["message"]
    # Reading busy times from it is fine.
    accepted = await post_calendar_event_type(
        client, auth_headers, conflicts=[(cid, shared)], destination=(cid, own)
    )
    assert accepted.status_code == 201, accepted.text
