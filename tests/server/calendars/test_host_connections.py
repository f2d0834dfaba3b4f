"""Calendar connections of a host: CalDAV (on Radicale) and OAuth started for a ``host_id``, the
OAuth callback finishing the consent for that host, and host ids that are not the caller's."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import respx

from tests.support.caldav import Radicale
from tests.support.outage import closed_port
from tests.support.providers import GOOGLE_API, GOOGLE_TOKEN, token_response

H = dict[str, str]


async def _host(client: httpx.AsyncClient, headers: H) -> dict[str, Any]:
    r = await client.post("/v1/hosts", headers=headers, json={"name": "Tutor"})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_caldav_connection_for_a_host(
    client: httpx.AsyncClient, auth_headers: H, radicale_server: Radicale
) -> None:
    radicale_server.make_calendar("Tutor")
    host = await _host(client, auth_headers)
    body = {
        "provider": "caldav",
        "server_url": radicale_server.url,
        "username": radicale_server.user,
        "password": radicale_server.password,
        "host_id": host["id"],
    }
    r = await client.post("/v1/calendar_connections", headers=auth_headers, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["host_id"] == host["id"]
    listed = (await client.get("/v1/calendar_connections", headers=auth_headers)).json()
    assert [c["host_id"] for c in listed["data"]] == [host["id"]]
    # without host_id: the default host's
    del body["host_id"]
    plain = await client.post("/v1/calendar_connections", headers=auth_headers, json=body)
    hosts = (await client.get("/v1/hosts", headers=auth_headers)).json()["data"]
    assert plain.json()["host_id"] == next(h["id"] for h in hosts if h["is_default"])


async def test_an_unknown_or_foreign_host_is_a_404_before_anything_is_contacted(
    client: httpx.AsyncClient, auth_headers: H, other_headers: H
) -> None:
    theirs = await _host(client, other_headers)
    for body in (
        {
            "provider": "caldav",
            "server_url": f"http://127.0.0.1:{closed_port()}/",
            "username": "u",
            "password": "p",
        },
        {"provider": "google", "redirect_uri": "https://app.example/cal"},
    ):
        r = await client.post(
            "/v1/calendar_connections", headers=auth_headers, json={**body, "host_id": theirs["id"]}
        )
        assert r.status_code == 404, r.text
        assert r.json()["error"]["param"] == "host_id"
    listed = await client.get("/v1/calendar_connections", headers=auth_headers)
    assert listed.json()["data"] == []


async def test_oauth_consent_finishes_for_the_host_it_was_started_for(
    client: httpx.AsyncClient, auth_headers: H, fake: respx.MockRouter
) -> None:
    host = await _host(client, auth_headers)
    r = await client.post(
        "/v1/calendar_connections",
        headers=auth_headers,
        json={
            "provider": "google",
            "redirect_uri": "https://app.example/cal",
            "host_id": host["id"],
        },
    )
    assert r.status_code == 201, r.text
    pending = r.json()
    assert pending["host_id"] == host["id"] and pending["status"] == "pending"
    state = parse_qs(urlsplit(pending["authorization_url"]).query)["state"][0]
    fake.post(GOOGLE_TOKEN).mock(
        return_value=token_response("ya29.tutor", refresh_token="1//tutor", expires_in=3599)
    )
    fake.get(f"{GOOGLE_API}/users/me/calendarList").mock(
        return_value=httpx.Response(
            200,
            json={"items": [{"id": "tutor@gmail.com", "summary": "Tutor", "primary": True}]},
        )
    )
    done = await client.get(f"/v1/oauth/callback?state={state}&code=4/abc")
    assert done.status_code == 302, done.text
    got = (
        await client.get(f"/v1/calendar_connections/{pending['id']}", headers=auth_headers)
    ).json()
    assert got["status"] == "active" and got["host_id"] == host["id"]
    # the host can now check and write that calendar
    ref = {"connection_id": pending["id"], "calendar_id": "tutor@gmail.com"}
    patched = await client.patch(
        f"/v1/hosts/{host['id']}",
        headers=auth_headers,
        json={"conflict_calendars": [ref], "destination_calendar": ref},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["destination_calendar"] == ref
