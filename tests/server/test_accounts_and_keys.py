"""Accounts, signup, API keys and authentication."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.clock import FixedClock
from fastapi import FastAPI

from tests.support.app import override_settings


async def test_account_of_the_calling_key(
    client: httpx.AsyncClient, account: NewAccount, auth_headers: dict[str, str]
) -> None:
    r = await client.get("/v1/account", headers=auth_headers)
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == account.account.id
    assert body["time_zone"] == "Europe/Berlin"
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == 20


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "authentication_required"),
        ("Bearer sk_test_doesnotexist", "invalid_api_key"),
        ("Basic abc", "invalid_api_key"),
        ("Bearer pk_live_abc", "invalid_api_key"),
    ],
)
async def test_bad_credentials_are_401(
    client: httpx.AsyncClient, header: str | None, code: str
) -> None:
    headers = {"Authorization": header} if header else {}
    r = await client.get("/v1/account", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["type"] == "authentication_error"


async def test_signup_creates_account_keys_and_default_schedule(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v1/accounts",
        json={"name": "Acme", "email": "ops@acme.example", "time_zone": "America/New_York"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    live, test = body["live_key"], body["test_key"]
    assert live["secret"].startswith("sk_live_") and len(live["secret"]) >= 8 + 43
    assert test["secret"].startswith("sk_test_")
    headers = {"Authorization": f"Bearer {test['secret']}"}
    me = (await client.get("/v1/account", headers=headers)).json()
    assert me["id"] == body["account"]["id"]
    schedules = (await client.get("/v1/schedules", headers=headers)).json()["data"]
    assert len(schedules) == 1
    schedule = schedules[0]
    assert schedule["is_default"] and schedule["time_zone"] == "America/New_York"
    assert [w["day"] for w in schedule["weekly_hours"]] == [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
    ]
    assert all((w["start"], w["end"]) == ("09:00", "17:00") for w in schedule["weekly_hours"])


async def test_signup_rejects_bad_zone_and_missing_fields(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v1/accounts", json={"name": "A", "email": "a@b.example", "time_zone": "Mars/Olympus"}
    )
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "time_zone"
    r = await client.post("/v1/accounts", json={"name": "A"})
    assert r.status_code == 400
    assert r.json()["error"] == {**r.json()["error"], "code": "parameter_missing", "param": "email"}


async def test_signup_can_be_disabled(app: FastAPI, client: httpx.AsyncClient) -> None:
    override_settings(app, signup_enabled=False)
    r = await client.post("/v1/accounts", json={"name": "A", "email": "a@b.example"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "signup_disabled"


async def test_key_lifecycle(
    client: httpx.AsyncClient, live_headers: dict[str, str], clock: FixedClock
) -> None:
    clock.advance(seconds=1)
    r = await client.post("/v1/api_keys", headers=live_headers, json={"name": "CI", "mode": "test"})
    assert r.status_code == 201, r.text
    created = r.json()
    secret = created["secret"]
    assert secret.startswith("sk_test_") and created["prefix"] == secret[:12]
    new_headers = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/v1/account", headers=new_headers)).status_code == 200

    listed = (await client.get("/v1/api_keys", headers=live_headers)).json()
    assert listed["data"][0]["id"] == created["id"]  # newest first
    assert all("secret" not in k for k in listed["data"])

    r = await client.delete(f"/v1/api_keys/{created['id']}", headers=live_headers)
    assert r.status_code == 200 and r.json()["revoked_at"].endswith("Z")
    again = await client.delete(f"/v1/api_keys/{created['id']}", headers=live_headers)
    assert again.status_code == 200 and again.json()["revoked_at"] == r.json()["revoked_at"]
    r = await client.get("/v1/account", headers=new_headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "api_key_revoked"


async def test_test_key_cannot_mint_live_keys(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    r = await client.post("/v1/api_keys", headers=auth_headers, json={"name": "x", "mode": "live"})
    assert r.status_code == 403
    assert r.json()["error"]["type"] == "permission_error"
    listed = (await client.get("/v1/api_keys", headers=auth_headers)).json()["data"]
    assert {k["mode"] for k in listed} == {"test"}


async def test_key_validation(client: httpx.AsyncClient, live_headers: dict[str, str]) -> None:
    r = await client.post("/v1/api_keys", headers=live_headers, json={"name": "x", "mode": "prod"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "mode"
    r = await client.post(
        "/v1/api_keys", headers=live_headers, json={"name": "x", "mode": "test", "extra": 1}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_unknown"


async def test_other_accounts_key_is_404(
    client: httpx.AsyncClient, account: NewAccount, other_headers: dict[str, str]
) -> None:
    r = await client.delete(f"/v1/api_keys/{account.live_key.key.id}", headers=other_headers)
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "not_found_error"


async def test_last_used_is_recorded_hourly(
    client: httpx.AsyncClient, live_headers: dict[str, str], account: NewAccount, clock: FixedClock
) -> None:
    await client.get("/v1/account", headers=live_headers)
    keys = {
        k["id"]: k for k in (await client.get("/v1/api_keys", headers=live_headers)).json()["data"]
    }
    assert keys[account.live_key.key.id]["last_used_at"] == "2026-04-13T08:00:00Z"
    clock.advance(minutes=30)
    await client.get("/v1/account", headers=live_headers)
    keys = {
        k["id"]: k for k in (await client.get("/v1/api_keys", headers=live_headers)).json()["data"]
    }
    assert keys[account.live_key.key.id]["last_used_at"] == "2026-04-13T08:00:00Z"
    assert "last_used_at" not in keys[account.test_key.key.id]


async def test_an_idempotent_key_creation_stores_no_secret_in_clear_and_replays_it(
    client: httpx.AsyncClient, live_headers: dict[str, str], app: FastAPI
) -> None:
    from tests.support.raw_rows import raw_rows

    headers = {**live_headers, "Idempotency-Key": "new-key-1"}
    body = {"name": "CI", "mode": "test"}
    first = await client.post("/v1/api_keys", headers=headers, json=body)
    assert first.status_code == 201, first.text
    secret = first.json()["secret"]
    dump = await raw_rows(app.state.astrocal)
    assert "idempotency_keys" in dump  # the stored response is there…
    assert secret not in dump and secret[8:] not in dump  # …but not the secret
    again = await client.post("/v1/api_keys", headers=headers, json=body)
    assert again.headers["idempotent-replayed"] == "true"
    assert (again.status_code, again.json()) == (201, first.json())  # the retry gets the secret


# Malformed and near-miss credentials, each built from a real live key where that makes it a
# near miss: every one is a 401 authentication_error, never a 500 and never a way in.
NEAR_MISSES: dict[str, Callable[[str], str]] = {
    "empty": lambda k: "",
    "scheme only": lambda k: "Bearer",
    "scheme and blank": lambda k: "Bearer    ",
    "no scheme": lambda k: k,
    "basic scheme": lambda k: f"Basic {k}",
    "token scheme": lambda k: f"Token {k}",
    "two tokens": lambda k: f"Bearer {k} {k}",
    "quoted": lambda k: f'Bearer "{k}"',
    "comma list": lambda k: f"Bearer {k},",
    "truncated": lambda k: f"Bearer {k[:-1]}",
    "one more character": lambda k: f"Bearer {k}x",
    "last character changed": lambda k: f"Bearer {k[:-1]}{'A' if k[-1] != 'A' else 'B'}",
    "prefix only": lambda k: "Bearer sk_live_",
    "upper-case prefix": lambda k: f"Bearer {k.replace('sk_live_', 'SK_LIVE_', 1)}",
    "publishable prefix": lambda k: f"Bearer {k.replace('sk_live_', 'pk_live_', 1)}",
    "other mode prefix": lambda k: f"Bearer {k.replace('sk_live_', 'sk_test_', 1)}",
    "doubled prefix": lambda k: f"Bearer sk_live_{k}",
    "very long": lambda k: f"Bearer {k}{'a' * 4000}",
    "non-ASCII": lambda k: f"Bearer {k[:-1]}é",
    "tab separated": lambda k: f"Bearer\t{k}x",
    "sql-looking": lambda k: "Bearer sk_live_' OR '1'='1",
}


@pytest.mark.parametrize("form", sorted(NEAR_MISSES))
async def test_malformed_and_near_miss_keys_are_401(
    client: httpx.AsyncClient, live_api_key: str, form: str
) -> None:
    header = NEAR_MISSES[form](live_api_key)
    r = await client.get(
        "/v1/account", headers={"Authorization": header.encode("utf-8")} if header else {}
    )
    assert r.status_code == 401, r.text
    error = r.json()["error"]
    assert error["type"] == "authentication_error"
    assert error["code"] in {"authentication_required", "invalid_api_key"}
    assert live_api_key not in r.text
