"""No secret in clear at rest or in the log, after a walkthrough that creates every kind of secret:
signup (live and test key), another API key, a webhook endpoint and a rotated signing secret, a
CalDAV connection (password), a Google connection (OAuth access and refresh token, faked with
respx as the other calendar tests do), bookings relayed to the webhook receiver and the calendar,
each POST with an ``Idempotency-Key`` (the SDK and CLI send one on every POST).

Then every column of every table (and, on SQLite, the database files themselves, WAL included) and
everything the server logged are searched for each secret, with and without its prefix, and for
its base64 forms.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from astrocal_server.config import Settings
from astrocal_server.outbox.relay import OutboxRelay
from fastapi import FastAPI

from tests.support.app import server_settings
from tests.support.caldav import Radicale
from tests.support.calendars import GOOGLE_CLIENT_ID, connect_radicale
from tests.support.raw_rows import raw_rows
from tests.support.webhooks import Receiver

GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
GOOGLE_API = "https://www.googleapis.com/calendar/v3"
ACCESS_TOKEN = "ya29.secret-access-token-7Qx"
REFRESH_TOKEN = "1//secret-refresh-token-9Lm"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return server_settings(
        db_url,
        signup_enabled=True,
        public_base_url="https://astrocal.test",
        google_client_id=GOOGLE_CLIENT_ID,
        google_client_secret="google-client-secret",
        allow_private_calendar_servers=True,  # Radicale on loopback
        allow_private_webhook_targets=True,  # the receiver on loopback
        email_backend="memory",
    )


@pytest.fixture
def fake() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()  # Radicale and the webhook receiver
        yield router


def forms(secret: str) -> set[bytes]:
    """The secret as it could leak: whole, without its prefix, and base64-encoded either way."""
    values = {secret}
    for prefix in ("sk_live_", "sk_test_", "whsec_"):
        if secret.startswith(prefix):
            values.add(secret[len(prefix) :])
    out: set[bytes] = set()
    for value in values:
        raw = value.encode()
        out |= {raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw).rstrip(b"=")}
    if secret.startswith("whsec_"):  # the signing key itself is the base64 payload
        key = base64.b64decode(secret[len("whsec_") :])
        out |= {key, key.hex().encode()}
    return {f for f in out if len(f) >= 8}


def idem(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def test_no_secret_in_clear_in_the_database_or_the_log(
    app: FastAPI,
    client: httpx.AsyncClient,
    radicale_server: Radicale,
    receiver: Receiver,
    fake: respx.MockRouter,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = []

    signup = await client.post(
        "/v1/accounts",
        headers={"Idempotency-Key": "signup-1"},
        json={"name": "Acme", "email": "ops@acme.example", "time_zone": "Europe/Berlin"},
    )
    assert signup.status_code == 201, signup.text
    live, test = signup.json()["live_key"]["secret"], signup.json()["test_key"]["secret"]
    secrets += [live, test]
    headers = {"Authorization": f"Bearer {live}"}

    key = await client.post(
        "/v1/api_keys", headers=idem(headers, "key-1"), json={"name": "CI", "mode": "live"}
    )
    assert key.status_code == 201, key.text
    secrets.append(key.json()["secret"])

    hook = await client.post(
        "/v1/webhooks",
        headers=idem(headers, "hook-1"),
        json={"url": receiver.url, "events": ["booking.created", "booking.cancelled"]},
    )
    assert hook.status_code == 201, hook.text
    secrets.append(hook.json()["secret"])
    rotated = await client.post(
        f"/v1/webhooks/{hook.json()['id']}/rotate_secret", headers=idem(headers, "rotate-1")
    )
    assert rotated.status_code == 200, rotated.text
    secrets.append(rotated.json()["secret"])

    path = radicale_server.make_calendar("Bookings")
    caldav = await connect_radicale(client, idem(headers, "caldav-1"), radicale_server)
    secrets.append(radicale_server.password)

    pending = await client.post(
        "/v1/calendar_connections",
        headers=idem(headers, "google-1"),
        json={"provider": "google", "redirect_uri": "https://astrocal.test/done"},
    )
    assert pending.status_code == 201, pending.text
    state_param = parse_qs(urlsplit(pending.json()["authorization_url"]).query)["state"][0]
    fake.post(GOOGLE_TOKEN).mock(
        return_value=httpx.Response(
            200,
            json={
                "access_token": ACCESS_TOKEN,
                "expires_in": 3599,
                "refresh_token": REFRESH_TOKEN,
                "scope": "https://www.googleapis.com/auth/calendar.events",
                "token_type": "Bearer",
            },
        )
    )
    fake.get(f"{GOOGLE_API}/users/me/calendarList").mock(
        return_value=httpx.Response(
            200, json={"items": [{"id": "host@gmail.com", "primary": True, "accessRole": "owner"}]}
        )
    )
    callback = await client.get(f"/v1/oauth/callback?state={state_param}&code=4/code-abc")
    assert callback.status_code == 302, callback.text
    secrets += [ACCESS_TOKEN, REFRESH_TOKEN]

    ref = {"connection_id": caldav["id"], "calendar_id": path}
    event_type = await client.post(
        "/v1/event_types",
        headers=idem(headers, "evt-1"),
        json={
            "title": "Intro call",
            "slug": "intro",
            "duration_minutes": 30,
            "conflict_calendars": [ref],
            "destination_calendar": ref,
        },
    )
    assert event_type.status_code == 201, event_type.text
    for n, start in enumerate(["2026-04-15T08:00:00Z", "2026-04-15T09:00:00Z"]):
        booking = await client.post(
            "/v1/bookings",
            headers=idem(headers, f"booking-{n}"),
            json={
                "event_type_id": event_type.json()["id"],
                "start": start,
                "invitee": {"name": "Jo Smith", "email": "jo@invitee.example"},
            },
        )
        assert booking.status_code == 201, booking.text
    replay = await client.post(
        "/v1/bookings",
        headers=idem(headers, "booking-0"),
        json={
            "event_type_id": event_type.json()["id"],
            "start": "2026-04-15T08:00:00Z",
            "invitee": {"name": "Jo Smith", "email": "jo@invitee.example"},
        },
    )
    assert replay.headers.get("idempotent-replayed") == "true"
    relay = OutboxRelay(app.state.astrocal)
    while await relay.run_once():
        pass
    assert len(await receiver.wait_for(2)) >= 2  # signed deliveries went out
    busy = await client.get(
        "/v1/availability",
        params={"event_type_id": event_type.json()["id"], "date": "2026-04-15"},
        headers=headers,
    )
    assert busy.status_code == 200, busy.text  # reads the CalDAV calendar with the password

    dump = (await raw_rows(app.state.astrocal)).encode()
    assert b"idempotency_keys" in dump and b"calendar_connections" in dump
    if settings.database_url.startswith("sqlite"):
        db_file = Path(settings.database_url.split("///", 1)[1])
        dump += b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
    captured = capsys.readouterr()
    log = (caplog.text + captured.out + captured.err).encode()
    for secret in secrets:
        for form in forms(secret):
            assert form not in dump, f"{secret!r} is stored in clear (as {form!r})"
            assert form not in log, f"{secret!r} was logged (as {form!r})"
