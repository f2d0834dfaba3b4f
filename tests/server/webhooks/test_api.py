"""``/v1/webhooks``: CRUD, secrets (shown once, sealed at rest), rotation, the delivery log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from astrocal_server.clock import FixedClock
from astrocal_server.crypto import SecretBox
from astrocal_server.state import AppState
from astrocal_server.storage.models import WebhookEndpoint

from tests.support.app import asgi_client, bearer, create_test_account, running_app
from tests.support.webhooks import Endpoint, Receiver

EVENTS = ["booking.created", "booking.cancelled"]


async def test_create_returns_the_secret_once_and_stores_it_sealed(
    client: httpx.AsyncClient, auth_headers: dict[str, str], receiver: Receiver, state: AppState
) -> None:
    response = await client.post(
        "/v1/webhooks",
        json={"url": receiver.url, "events": EVENTS, "description": "CRM sync"},
        headers=auth_headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    secret = created.pop("secret")
    assert secret.startswith("whsec_")
    assert created["id"].startswith("wh_")
    assert created["url"] == receiver.url and created["events"] == EVENTS
    assert created["description"] == "CRM sync"
    assert created["enabled"] is True and created["livemode"] is False
    assert "disabled_reason" not in created
    for path in ("/v1/webhooks", f"/v1/webhooks/{created['id']}"):
        body = (await client.get(path, headers=auth_headers)).text
        assert secret not in body and "secret" not in body
    async with state.db.read() as session:
        row = await session.get(WebhookEndpoint, created["id"])
    assert row is not None
    assert secret not in row.secret_enc and secret[6:] not in row.secret_enc
    box = SecretBox.from_settings(state.settings)
    assert box.open_text(row.secret_enc, aad=f"webhook-secret:{row.id}") == secret


async def test_list_is_oldest_first_and_paginates(
    client: httpx.AsyncClient, auth_headers: dict[str, str], receiver: Receiver, clock: FixedClock
) -> None:
    made = []
    for n in range(3):
        clock.advance(seconds=1)
        r = await client.post(
            "/v1/webhooks",
            json={"url": f"{receiver.url}/{n}", "events": ["booking.created"]},
            headers=auth_headers,
        )
        made.append(r.json()["id"])
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/webhooks", params=params, headers=auth_headers)).json()
        seen += [w["id"] for w in page["data"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert [i for i in seen if i in made] == made


async def test_update_changes_fields_and_rechecks_the_url(
    client: httpx.AsyncClient, auth_headers: dict[str, str], endpoint: Endpoint
) -> None:
    path = f"/v1/webhooks/{endpoint['id']}"
    r = await client.patch(
        path,
        json={
            "events": ["booking.rescheduled"],
            "description": "moved",
            "url": endpoint["url"] + "/v2",
        },
        headers=auth_headers,
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["events"] == ["booking.rescheduled"] and got["description"] == "moved"
    assert got["url"].endswith("/v2")
    bad = await client.patch(path, json={"url": "ftp://example.com/x"}, headers=auth_headers)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "url"
    disabled = await client.patch(path, json={"enabled": False}, headers=auth_headers)
    assert disabled.json()["enabled"] is False and "disabled_reason" not in disabled.json()
    nulled = await client.patch(path, json={"events": None}, headers=auth_headers)
    assert nulled.status_code == 400


async def test_bad_bodies_are_clear_400s(
    client: httpx.AsyncClient, auth_headers: dict[str, str], receiver: Receiver
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"events": EVENTS}, "url"),
        ({"url": receiver.url}, "events"),
        ({"url": receiver.url, "events": []}, "events"),
        ({"url": receiver.url, "events": ["booking.exploded"]}, "events.0"),
        ({"url": receiver.url, "events": ["booking.created", "booking.created"]}, "events.1"),
        ({"url": "not a url", "events": EVENTS}, "url"),
        ({"url": "ftp://example.com/hook", "events": EVENTS}, "url"),
        ({"url": "https://user:pw@example.com/hook", "events": EVENTS}, "url"),
        ({"url": receiver.url, "events": EVENTS, "secret": "whsec_x"}, "secret"),
        ({"url": receiver.url, "events": EVENTS, "description": "x" * 501}, "description"),
    ]
    for body, param in cases:
        r = await client.post("/v1/webhooks", json=body, headers=auth_headers)
        assert r.status_code == 400, (body, r.text)
        error = r.json()["error"]
        assert error["type"] == "invalid_request_error"
        assert error["param"] == param, (body, error)
        assert error["message"]


async def test_https_is_required_in_production(settings, clock: FixedClock) -> None:
    production = settings.with_overrides(
        environment="production",
        secret_key="k1:" + "A" * 43,
        allow_private_webhook_targets=False,
    )
    async with running_app(production, clock) as app, asgi_client(app) as c:
        made = await create_test_account(app, clock, plan="unlimited")
        r = await c.post(
            "/v1/webhooks",
            json={"url": "http://93.184.216.34/hook", "events": EVENTS},
            headers=bearer(made.test_key.secret),
        )
    assert r.status_code == 400
    assert "https://" in r.json()["error"]["message"]


async def test_other_accounts_and_modes_see_404(
    client: httpx.AsyncClient, endpoint: Endpoint, other_headers, live_headers, auth_headers
) -> None:
    for headers in (other_headers, live_headers):
        for method, path in (
            ("GET", f"/v1/webhooks/{endpoint['id']}"),
            ("PATCH", f"/v1/webhooks/{endpoint['id']}"),
            ("DELETE", f"/v1/webhooks/{endpoint['id']}"),
            ("POST", f"/v1/webhooks/{endpoint['id']}/rotate_secret"),
            ("POST", f"/v1/webhooks/{endpoint['id']}/test"),
            ("GET", f"/v1/webhooks/{endpoint['id']}/deliveries"),
        ):
            r = await client.request(
                method, path, json={} if method == "PATCH" else None, headers=headers
            )
            assert r.status_code == 404, (method, path, r.text)
        listed = (await client.get("/v1/webhooks", headers=headers)).json()["data"]
        assert endpoint["id"] not in [w["id"] for w in listed]
    assert (
        await client.get(f"/v1/webhooks/{endpoint['id']}", headers=auth_headers)
    ).status_code == 200


async def test_delete_removes_the_endpoint_and_its_log(
    client: httpx.AsyncClient, endpoint: Endpoint, auth_headers, state: AppState
) -> None:
    await client.post(f"/v1/webhooks/{endpoint['id']}/test", headers=auth_headers)
    await state.webhooks.drain()
    r = await client.delete(f"/v1/webhooks/{endpoint['id']}", headers=auth_headers)
    assert r.status_code == 204
    assert (
        await client.get(f"/v1/webhooks/{endpoint['id']}", headers=auth_headers)
    ).status_code == 404
    again = await client.get(f"/v1/webhooks/{endpoint['id']}/deliveries", headers=auth_headers)
    assert again.status_code == 404


async def test_rotating_again_within_the_window_keeps_the_first_expiry(
    client: httpx.AsyncClient, endpoint: Endpoint, auth_headers, clock: FixedClock
) -> None:
    path = f"/v1/webhooks/{endpoint['id']}/rotate_secret"
    first = (await client.post(path, headers=auth_headers)).json()
    assert first["webhook_id"] == endpoint["id"]
    expected = (clock.now() + timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert first["previous_secret_expires_at"] == expected
    clock.advance(hours=2)
    second = (await client.post(path, headers=auth_headers)).json()
    assert second["previous_secret_expires_at"] == expected
    assert second["secret"] not in (first["secret"], endpoint["secret"])
    clock.advance(hours=23)
    third = (await client.post(path, headers=auth_headers)).json()
    assert third["previous_secret_expires_at"] == (clock.now() + timedelta(hours=24)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


async def test_rotated_deliveries_carry_the_old_and_new_signature(
    client: httpx.AsyncClient, endpoint: Endpoint, auth_headers, receiver: Receiver, state: AppState
) -> None:
    from standardwebhooks import Webhook

    path = f"/v1/webhooks/{endpoint['id']}"
    first = (await client.post(path + "/rotate_secret", headers=auth_headers)).json()
    second = (await client.post(path + "/rotate_secret", headers=auth_headers)).json()
    await client.post(path + "/test", headers=auth_headers)
    await state.webhooks.drain()
    (request,) = await receiver.wait_for(1)
    Webhook(endpoint["secret"]).verify(request.body, request.headers)  # the original, in its 24 h
    Webhook(second["secret"]).verify(request.body, request.headers)
    assert len(request.headers["webhook-signature"].split()) == 2
    from standardwebhooks.webhooks import WebhookVerificationError

    try:
        Webhook(first["secret"]).verify(request.body, request.headers)
    except WebhookVerificationError:
        pass
    else:
        raise AssertionError("a secret replaced within the window must not sign any more")


async def test_deliveries_list_filters_by_status_and_shows_attempts(
    client: httpx.AsyncClient,
    endpoint: Endpoint,
    auth_headers,
    receiver: Receiver,
    state: AppState,
    clock: FixedClock,
) -> None:
    path = f"/v1/webhooks/{endpoint['id']}"
    receiver.script(500)
    first = (await client.post(path + "/test", headers=auth_headers)).json()
    await state.webhooks.drain()
    clock.advance(seconds=1)
    second = (await client.post(path + "/test", headers=auth_headers)).json()
    await state.webhooks.drain()
    listed = (await client.get(path + "/deliveries", headers=auth_headers)).json()
    assert [d["id"] for d in listed["data"]] == [second["id"], first["id"]]  # newest first
    pending = (await client.get(path + "/deliveries?status=pending", headers=auth_headers)).json()
    assert [d["id"] for d in pending["data"]] == [first["id"]]
    (attempt,) = pending["data"][0]["attempts"]
    assert attempt["response_status"] == 500 and attempt["error"] is None
    assert attempt["duration_ms"] >= 0 and attempt["next_attempt_at"] is not None
    assert pending["data"][0]["next_attempt_at"] == attempt["next_attempt_at"]
    bad = await client.get(path + "/deliveries?status=lost", headers=auth_headers)
    assert bad.status_code == 400
    missing = await client.get(path + "/deliveries/whd_nope", headers=auth_headers)
    assert missing.status_code == 404


async def test_retry_of_a_disabled_endpoint_is_409(
    client: httpx.AsyncClient, endpoint: Endpoint, auth_headers, state: AppState
) -> None:
    path = f"/v1/webhooks/{endpoint['id']}"
    delivery = (await client.post(path + "/test", headers=auth_headers)).json()
    await state.webhooks.drain()
    await client.patch(path, json={"enabled": False}, headers=auth_headers)
    r = await client.post(path + f"/deliveries/{delivery['id']}/retry", headers=auth_headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "webhook_disabled"
    missing = await client.post(path + "/deliveries/whd_nope/retry", headers=auth_headers)
    assert missing.status_code == 409 or missing.status_code == 404


async def test_the_test_event_is_sent_even_to_a_disabled_endpoint(
    client: httpx.AsyncClient, endpoint: Endpoint, auth_headers, receiver: Receiver, state: AppState
) -> None:
    path = f"/v1/webhooks/{endpoint['id']}"
    await client.patch(path, json={"enabled": False}, headers=auth_headers)
    r = await client.post(path + "/test", headers=auth_headers)
    assert r.status_code == 202
    await state.webhooks.drain()
    assert len(await receiver.wait_for(1)) == 1


async def test_idempotent_create_and_rotate_store_no_secret_in_clear_and_replay_it(
    client: httpx.AsyncClient, auth_headers: dict[str, str], receiver: Receiver, state: AppState
) -> None:
    from tests.support.raw_rows import raw_rows

    create = {"url": receiver.url, "events": EVENTS}
    headers = {**auth_headers, "Idempotency-Key": "hook-1"}
    made = await client.post("/v1/webhooks", json=create, headers=headers)
    assert made.status_code == 201, made.text
    path = f"/v1/webhooks/{made.json()['id']}/rotate_secret"
    rotate_headers = {**auth_headers, "Idempotency-Key": "rotate-1"}
    rotated = await client.post(path, headers=rotate_headers)
    assert rotated.status_code == 200, rotated.text
    secrets = [made.json()["secret"], rotated.json()["secret"]]
    dump = await raw_rows(state)
    assert "idempotency_keys" in dump
    for secret in secrets:
        assert secret not in dump and secret[6:] not in dump
    again = await client.post("/v1/webhooks", json=create, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert (again.status_code, again.json()) == (201, made.json())
    again = await client.post(path, headers=rotate_headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert (again.status_code, again.json()) == (200, rotated.json())
