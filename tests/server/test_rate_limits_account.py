"""The plan's request limit is an account bound, per account and mode, shared by all its keys.

Minting more keys buys no more requests (issue 13: six self-minted keys made 355 requests in 1.2 s
on a 60/min plan); an account's two modes and other accounts keep their own budgets; the number of
active keys per account and mode is capped; and every route of the app answers 429 with
``Retry-After`` once the budget is spent — the routes that take an API key (``/mcp`` included) per
account, the unauthenticated ones that touch the database (signup, the OAuth callback) per client
address. A route added later falls into one of those groups or fails this test.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount, create_api_key
from astrocal_server.clock import FixedClock
from astrocal_server.config import Plan, Settings
from astrocal_server.ratelimit import CounterStore, DatabaseCounterStore, MemoryCounterStore
from fastapi import FastAPI
from starlette.routing import Route

from tests.support.app import bearer, server_settings
from tests.support.spec_ops import METHODS, spec

H = dict[str, str]
LIMIT = 5
MAX_KEYS = 3

# Unauthenticated routes that never touch an account's data: health probes (load balancers poll
# them), the published contract and the MCP endpoint's static auth metadata (RFC 9728). They are
# exempt; everything else is limited.
EXEMPT = {
    ("GET", "/.well-known/oauth-protected-resource"),
    ("GET", "/.well-known/oauth-protected-resource/mcp"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/v1/openapi.yaml"),
    ("GET", "/docs"),
}
# Unauthenticated routes throttled per client address instead.
PER_ADDRESS = {("POST", "/v1/accounts"), ("GET", "/v1/oauth/callback")}
# The invitee pages (HTML, the link's token is the credential): per client address and per token;
# over the limit they answer a page, not the JSON envelope.
PAGES = {
    ("GET", "/manage/x_missing"),
    ("GET", "/manage/x_missing/cancel"),
    ("POST", "/manage/x_missing/cancel"),
    ("GET", "/manage/x_missing/reschedule"),
    ("POST", "/manage/x_missing/reschedule"),
    ("GET", "/waitlist/x_missing"),
    ("POST", "/waitlist/x_missing/confirm"),
}
# The invitee routes count per address and per link token, in budgets the four share; driven in
# tests/server/invitee/test_invitee_api.py (and each route's 429 in test_declared_errors.py).
PER_LINK = {
    ("GET", "/v1/invitee/bookings/x_missing"),
    ("GET", "/v1/invitee/bookings/x_missing/availability"),
    ("POST", "/v1/invitee/bookings/x_missing/cancel"),
    ("POST", "/v1/invitee/bookings/x_missing/reschedule"),
    ("GET", "/v1/invitee/waitlist/x_missing"),
    ("POST", "/v1/invitee/waitlist/x_missing/confirm"),
}


@pytest.fixture
def settings(db_url: str) -> Settings:
    return server_settings(
        db_url,
        plans={"tiny": Plan(bookings_per_month=None, requests_per_minute=LIMIT)},
        default_plan="tiny",
        signup_limit_per_hour=2,
        oauth_callback_limit_per_minute=2,
        invitee_limit_per_minute=2,
    )


async def _more_keys(app: FastAPI, clock: FixedClock, account: NewAccount, n: int) -> list[H]:
    """``n`` more test-mode keys of ``account``, made without spending its request budget."""
    async with app.state.astrocal.db.write() as session:
        keys = [
            await create_api_key(
                session, account_id=account.account.id, name=f"k{i}", mode="test", clock=clock
            )
            for i in range(n)
        ]
    return [bearer(k.secret) for k in keys]


async def test_keys_of_one_account_and_mode_share_the_plan_limit(
    app: FastAPI,
    client: httpx.AsyncClient,
    account: NewAccount,
    auth_headers: H,
    live_headers: H,
    other_headers: H,
    clock: FixedClock,
) -> None:
    keys = [auth_headers, *await _more_keys(app, clock, account, 5)]
    answers = [await client.get("/v1/account", headers=keys[i % 6]) for i in range(2 * LIMIT)]
    assert [r.status_code for r in answers] == [200] * LIMIT + [429] * LIMIT
    # Every key reports the account's budget, not its own.
    assert [int(r.headers["ratelimit-remaining"]) for r in answers[:LIMIT]] == [4, 3, 2, 1, 0]
    assert all(r.headers["ratelimit-limit"] == str(LIMIT) for r in answers)
    refused = answers[-1]
    assert int(refused.headers["retry-after"]) == int(refused.headers["ratelimit-reset"]) >= 1
    message = refused.json()["error"]["message"]
    assert "account" in message and "test mode" in message
    # A freshly minted key is no way round it.
    (fresh,) = await _more_keys(app, clock, account, 1)
    assert (await client.get("/v1/account", headers=fresh)).status_code == 429
    # The live mode and another account have budgets of their own.
    assert (await client.get("/v1/account", headers=live_headers)).status_code == 200
    assert (await client.get("/v1/account", headers=other_headers)).status_code == 200
    clock.advance(timedelta(seconds=60))
    assert (await client.get("/v1/account", headers=keys[3])).status_code == 200


async def test_active_keys_per_account_and_mode_are_capped(
    app: FastAPI, client: httpx.AsyncClient, account: NewAccount, clock: FixedClock
) -> None:
    state = app.state.astrocal
    plan = Plan(bookings_per_month=None, requests_per_minute=1000, api_keys=MAX_KEYS)
    state.settings = state.settings.with_overrides(plans={"tiny": plan})
    # The account has one active key per mode; fill the test mode up to the cap.
    keys = await _more_keys(app, clock, account, MAX_KEYS - 1)
    r = await client.post(
        "/v1/api_keys", json={"name": "one more", "mode": "test"}, headers=keys[0]
    )
    assert r.status_code == 409
    error = r.json()["error"]
    assert (error["code"], error["param"]) == ("api_key_limit_reached", "mode")
    assert error["details"] == {"api_keys_limit": MAX_KEYS}
    assert "3 active API keys in test mode" in error["message"] and "revoke" in error["message"]
    # The live mode is not full; and revoking a test key makes room again.
    live = bearer(account.live_key.secret)
    r = await client.post("/v1/api_keys", json={"name": "live", "mode": "live"}, headers=live)
    assert r.status_code == 201
    revoked = await client.delete(f"/v1/api_keys/{account.test_key.key.id}", headers=live)
    assert revoked.status_code == 200
    r = await client.post("/v1/api_keys", json={"name": "again", "mode": "test"}, headers=keys[0])
    assert r.status_code == 201


def _fill(path: str) -> str:
    """The path with every parameter filled in (no such object: the limit answers first)."""
    return re.sub(r"\{[^}]+\}", "x_missing", path)


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route, looking inside included routers."""
    found: set[tuple[str, str]] = set()

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, Route):
                path = _fill(prefix + route.path)
                found.update((m, path) for m in route.methods or () if m != "HEAD")
            elif hasattr(route, "original_router"):  # FastAPI keeps included routers nested
                context = getattr(route, "include_context", None)
                walk(route.original_router.routes, prefix + getattr(context, "prefix", ""))

    walk(app.routes, "")
    return found


def _authenticated() -> set[tuple[str, str]]:
    """The operations of openapi.yaml that take an API key."""
    document: dict[str, Any] = spec()
    out = set()
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None and operation.get("security", document["security"]):
                out.add((method.upper(), _fill(path)))
    return out


async def test_every_route_is_rate_limited(
    app: FastAPI, client: httpx.AsyncClient, auth_headers: H
) -> None:
    routes = _routes(app)
    keyed = _authenticated() | {("POST", "/mcp"), ("GET", "/mcp"), ("DELETE", "/mcp")}
    # Every route is classified: a new route must be keyed, throttled per address or exempt.
    assert routes - keyed - PER_ADDRESS - PAGES - PER_LINK - EXEMPT == set()
    assert keyed <= routes
    for _ in range(LIMIT):
        assert (await client.get("/v1/account", headers=auth_headers)).status_code == 200
    for method, path in sorted(keyed):
        headers = {**auth_headers, "Accept": "application/json, text/event-stream"}
        r = await client.request(method, path, headers=headers, json={})
        assert r.status_code == 429, (method, path, r.status_code, r.text)
        assert int(r.headers["retry-after"]) >= 1, (method, path)
        assert r.headers["ratelimit-remaining"] == "0", (method, path)
    for method, path in sorted(PER_ADDRESS):
        params = {"state": "st_unknown"}
        statuses = [
            (await client.request(method, path, json={}, params=params)).status_code
            for _ in range(3)
        ]
        assert statuses[:2] != [429, 429] and statuses[2] == 429, (method, path, statuses)
        r = await client.request(method, path, json={}, params=params)
        assert r.json()["error"]["code"] == "rate_limit_exceeded"
        assert int(r.headers["retry-after"]) >= 1, (method, path)
    # The pages share one budget per address: two answers (no such link), then 429 pages.
    pages = [await client.request(method, path) for method, path in sorted(PAGES)]
    assert [r.status_code for r in pages] == [404, 404] + [429] * (len(PAGES) - 2)
    for r in pages[2:]:
        assert r.headers["content-type"].startswith("text/html")
        assert int(r.headers["retry-after"]) >= 1


async def test_pruning_keeps_the_counters_of_running_windows(
    app: FastAPI, clock: FixedClock
) -> None:
    """Minute (account) and hour (signup) windows share one store; the periodic prune that an
    hour-window request triggers must not drop a minute window that is still running."""
    db = app.state.astrocal.db
    store: CounterStore = (
        DatabaseCounterStore(db, prune_every=4)
        if db.dialect == "postgresql"
        else MemoryCounterStore(prune_every=4)
    )
    now = clock.now()
    minute_end, hour_end = now + timedelta(seconds=60), now + timedelta(hours=1)
    assert await store.hit("prune-test:minute", minute_end, now=now) == 1
    for _ in range(4):
        await store.hit("prune-test:hour", hour_end, now=now)
    assert await store.hit("prune-test:minute", minute_end, now=now) == 2
    # A window that has ended is swept.
    later = minute_end + timedelta(seconds=1)
    for _ in range(3):
        await store.hit("prune-test:hour", hour_end, now=later)
    assert await store.hit("prune-test:minute", minute_end, now=later) == 1
