"""Every error status openapi.yaml declares for an operation is one the server really answers.

Each declared (operation, 4xx/5xx status) is produced here by a recipe and its answer checked
against the declaration: that status, the declared body schema (the error envelope, whose
``request_id`` is the ``X-Request-Id``), ``Retry-After`` on 429 and on 503 ``database_unavailable``.
A status no recipe produces fails, so the contract either keeps a reachable status or drops it.

Recipes: :data:`GENERIC` ones follow from the contract alone (no key → 401, unreadable JSON or a
NUL in a parameter → 400, an unknown id → 404, an ``Idempotency-Key`` still in flight → 409 or
reused with another body → 422, a plan of one request a minute → 429, the database down → 503);
:data:`SPECIFIC` ones are the operation's own rules (a schedule still in use, a test key asking
for a live key, a booking quota of zero, …). :data:`PENDING` lists declared statuses the server
does not answer yet, each with the issue that asks for it; they run as strict xfails, so the day
the server starts answering one, the test fails until the entry becomes a recipe. The 503 of
every operation is also driven, in more depth, by tests/server/test_database_unavailable.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.config import Plan, Settings
from astrocal_server.storage.models import IdempotencyRecord
from fastapi import FastAPI
from sqlalchemy import update

from tests.support.app import MakeAccount, bearer, server_settings, settings_changed
from tests.support.bookings import TUESDAY_9, booking_body, make_schedule
from tests.support.invitee import token_of
from tests.support.outage import closed_port, database_unreachable
from tests.support.resources import created
from tests.support.spec import Validate
from tests.support.spec_ops import resolve
from tests.support.spec_requests import (
    ID_KINDS,
    IdSlot,
    SpecOperation,
    SpecRequest,
    example_request,
    operations,
)
from tests.support.world import World

QUERY_NEEDS = {
    "availability.list": {"date": "2026-04-15"},
    "invitee.availability": {"date": "2026-04-15"},
}
# The example's CalDAV server is a real host; requests here stay on loopback.
BODY_NEEDS = {"calendar_connections.create": {"server_url": f"http://127.0.0.1:{closed_port()}/"}}
PLANS = {
    "one_request": Plan(requests_per_minute=1),
    "no_bookings": Plan(bookings_per_month=0, requests_per_minute=1000),
}


@pytest.fixture
def settings(db_url: str) -> Settings:
    defaults = Settings.model_fields["plans"].default_factory()  # type: ignore[misc]
    return server_settings(db_url, plans={**defaults, **PLANS})


@dataclass
class Ctx:
    app: FastAPI
    client: httpx.AsyncClient
    world: World  # test mode; objects are made as requests need them
    make_account: MakeAccount

    async def request(self, op: SpecOperation, ids: dict[IdSlot, str] | None = None) -> SpecRequest:
        """``op``'s example request with the world's objects in its path and query ids."""
        known = {
            slot: await self.world.need(ID_KINDS[slot.id_name])
            for slot in _object_slots(op)
            if slot.where != "body"
        }
        request = example_request(
            op, {**known, **(ids or {})}, query=QUERY_NEEDS.get(op.operation_id)
        )
        if op.operation_id in BODY_NEEDS:
            request.json = {**request.json, **BODY_NEEDS[op.operation_id]}
        return request

    async def send(
        self,
        op: SpecOperation,
        request: SpecRequest | None = None,
        *,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        request = request or await self.request(op)
        sent = dict(self.world.headers if headers is None else headers)
        if content is not None:
            sent["Content-Type"] = "application/json"
        return await self.client.request(
            request.method,
            request.path,
            params=request.params,
            json=request.json if content is None else None,
            content=content,
            headers=sent,
        )


Recipe = Callable[[Ctx, SpecOperation], Awaitable[httpx.Response]]


def _object_slots(op: SpecOperation) -> list[IdSlot]:
    return [slot for slot in op.id_slots if slot.id_name in ID_KINDS]


def _unknown(known_id: str) -> str:
    """A well-formed id of no object: ``known_id`` with its last character changed."""
    return known_id[:-1] + ("0" if known_id[-1] != "0" else "1")


def _secured(op: SpecOperation) -> bool:
    return not op.public


def _claims_key(op: SpecOperation) -> bool:
    return op.method == "POST" and not op.public


async def _no_key(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    return await ctx.send(op, headers={})


async def _malformed(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    if op.json_body is not None:
        return await ctx.send(op, content=b"{")
    request = await ctx.request(op)
    param = next(p for p in op.parameters if p["in"] in {"path", "query"})
    if param["in"] == "path":
        request.path = request.path.replace(ctx.world.ids[ID_KINDS[param["name"]]], "x%00", 1)
    else:
        request.params[param["name"]] = "x\x00"
    return await ctx.send(op, request)


def _can_be_malformed(op: SpecOperation) -> bool:
    return op.json_body is not None or any(p["in"] in {"path", "query"} for p in op.parameters)


async def _unknown_id(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    slots = _object_slots(op)
    path_slots = [s for s in slots if s.where == "path"]
    slot = path_slots[-1] if path_slots else slots[0]
    unknown = _unknown(await ctx.world.need(ID_KINDS[slot.id_name]))
    return await ctx.send(op, await ctx.request(op, {slot: unknown}))


async def _key_in_flight(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    key = str(uuid.uuid4())
    headers = {**ctx.world.headers, "Idempotency-Key": key}
    first = await ctx.send(op, headers=headers)
    assert first.status_code < 500 and first.status_code != 429, first.text  # so it is stored
    # The same request again while the first one is still being processed.
    async with ctx.app.state.astrocal.db.write() as session:
        await session.execute(
            update(IdempotencyRecord).where(IdempotencyRecord.key == key).values(status="in_flight")
        )
    return await ctx.send(op, headers=headers)


async def _key_reused(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    headers = {**ctx.world.headers, "Idempotency-Key": str(uuid.uuid4())}
    await ctx.send(op, headers=headers)
    request = await ctx.request(op)
    other = b"{}" if request.json is None else httpx.Request("POST", "/", json=request.json).content
    return await ctx.send(op, request, headers=headers, content=other + b" ")


async def _over_the_rate_limit(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    account = await ctx.make_account(email="busy@example.com", plan="one_request")
    headers = bearer(account.test_key.secret)
    assert (await ctx.client.get("/v1/account", headers=headers)).status_code == 200
    return await ctx.send(op, headers=headers)


async def _database_down(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    request = await ctx.request(op)  # its objects made while the database is up
    async with database_unreachable(ctx.app):
        return await ctx.send(op, request, headers={} if op.public else None)


# status -> (applies to the operation?, recipe)
GENERIC: dict[str, tuple[Callable[[SpecOperation], bool], Recipe]] = {
    "400": (_can_be_malformed, _malformed),
    "401": (_secured, _no_key),
    "404": (lambda op: bool(_object_slots(op)), _unknown_id),
    "409": (_claims_key, _key_in_flight),
    "422": (_claims_key, _key_reused),
    "429": (_secured, _over_the_rate_limit),
    "503": (lambda op: True, _database_down),
}


async def _signup_disabled(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    with settings_changed(ctx.app, signup_enabled=False):
        return await ctx.send(op, headers={})


async def _live_key_from_a_test_key(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    request = await ctx.request(op)
    request.json = {"name": "live one", "mode": "live"}
    return await ctx.send(op, request)


async def _booking_quota_used(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    account = await ctx.make_account(email="quota@example.com", plan="no_bookings")
    headers = bearer(account.test_key.secret)
    schedule = await make_schedule(ctx.client, headers)
    body = {"title": "Call", "slug": "call", "duration_minutes": 30, "schedule_id": schedule}
    created = await ctx.client.post("/v1/event_types", headers=headers, json=body)
    request = await ctx.request(op)
    request.json = booking_body(created.json()["id"], TUESDAY_9)
    return await ctx.send(op, request, headers=headers)


async def _schedule_in_use(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    await ctx.world.need("event_type")  # on the world's schedule
    return await ctx.send(op)


async def _taken(
    ctx: Ctx, op: SpecOperation, path: str, other: dict[str, Any], field: str
) -> httpx.Response:
    """``op`` sent with the ``field`` of ``other``, an object just created at ``path``."""
    created(await ctx.client.post(path, headers=ctx.world.headers, json=other))
    request = await ctx.request(op)
    request.json = {field: other[field]}
    return await ctx.send(op, request)


async def _slug_taken(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    other = {"title": "Other", "slug": "other", "duration_minutes": 30}
    return await _taken(ctx, op, "/v1/event_types", other, "slug")


async def _has_upcoming_bookings(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    await ctx.world.need("booking")  # on Tuesday, of the world's event type
    return await ctx.send(op)


async def _external_id_taken(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    other = {"name": "Taken", "external_id": "taken"}
    return await _taken(ctx, op, "/v1/hosts", other, "external_id")


async def _default_host(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    listed = await ctx.client.get("/v1/hosts", headers=ctx.world.headers)
    default = next(h["id"] for h in listed.json()["data"] if h["is_default"])
    return await ctx.send(op, await ctx.request(op, {IdSlot("path", "host_id"): default}))


async def _second_of_two(ctx: Ctx, op: SpecOperation, **changes: Any) -> httpx.Response:
    """The second of two unauthenticated requests sent while the settings have ``changes``."""
    with settings_changed(ctx.app, **changes):
        await ctx.send(op, headers={})
        return await ctx.send(op, headers={})


async def _address_throttled(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    """The second unauthenticated request from one address where the server allows one."""
    return await _second_of_two(ctx, op, signup_limit_per_hour=1, oauth_callback_limit_per_minute=1)


async def _invitee_refused(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    """The world's booking, cancelled: no longer movable (and its link only shows it)."""
    booking = await ctx.world.need("booking")
    await ctx.client.post(f"/v1/bookings/{booking}/cancel", headers=ctx.world.headers)
    if op.operation_id == "invitee.cancel":
        # A cancelled booking answers a cancel with itself: refuse by its event type instead.
        event_type = await ctx.world.need("event_type")
        await ctx.client.patch(
            f"/v1/event_types/{event_type}",
            headers=ctx.world.headers,
            json={"invitee_can_cancel": False},
        )
        body = booking_body(event_type, TUESDAY_9 + timedelta(hours=3))
        made = await ctx.client.post("/v1/bookings", headers=ctx.world.headers, json=body)
        request = await ctx.request(op, {IdSlot("path", "token"): token_of(made.json())})
        return await ctx.send(op, request, headers={})
    return await ctx.send(op, headers={})


async def _invitee_throttled(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    """The second request with one link where the server allows one a minute."""
    return await _second_of_two(ctx, op, invitee_token_limit_per_minute=1)


async def _hold_consumed(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    """The world's hold, booked: releasing it is refused."""
    hold = await ctx.world.need("hold")
    body = {"hold_id": hold, "invitee": {"name": "Jo Smith", "email": "jo@acme.com"}}
    created(await ctx.client.post("/v1/bookings", headers=ctx.world.headers, json=body))
    return await ctx.send(op)


async def _promotion_released(ctx: Ctx, op: SpecOperation) -> httpx.Response:
    """The world's waitlist entry, promoted by cancelling the booking, then its hold released:
    confirming it is refused."""
    entry_id = await ctx.world.need("waitlist_entry")
    booking = await ctx.world.need("booking")
    await ctx.client.post(f"/v1/bookings/{booking}/cancel", headers=ctx.world.headers)
    entry = (await ctx.client.get(f"/v1/waitlist/{entry_id}", headers=ctx.world.headers)).json()
    await ctx.client.delete(f"/v1/holds/{entry['hold_id']}", headers=ctx.world.headers)
    token = str(entry["confirm_url"]).rsplit("/", 1)[1]
    return await ctx.send(op, await ctx.request(op, {IdSlot("path", "token"): token}), headers={})


SPECIFIC: dict[tuple[str, str], Recipe] = {
    ("invitee_waitlist.retrieve", "429"): _invitee_throttled,
    ("invitee_waitlist.confirm", "409"): _promotion_released,
    ("invitee_waitlist.confirm", "429"): _invitee_throttled,
    ("invitee.retrieve", "429"): _invitee_throttled,
    ("invitee.availability", "409"): _invitee_refused,
    ("invitee.availability", "429"): _invitee_throttled,
    ("invitee.cancel", "409"): _invitee_refused,
    ("invitee.cancel", "429"): _invitee_throttled,
    ("invitee.reschedule", "409"): _invitee_refused,
    ("invitee.reschedule", "429"): _invitee_throttled,
    ("accounts.create", "403"): _signup_disabled,
    ("accounts.create", "429"): _address_throttled,
    ("api_keys.create", "403"): _live_key_from_a_test_key,
    ("oauth.callback", "429"): _address_throttled,
    ("bookings.create", "402"): _booking_quota_used,
    ("schedules.delete", "409"): _schedule_in_use,
    ("hosts.update", "409"): _external_id_taken,
    ("hosts.delete", "409"): _default_host,
    ("event_types.update", "409"): _slug_taken,
    ("event_types.delete", "409"): _has_upcoming_bookings,
    ("holds.release", "409"): _hold_consumed,
}
# Declared, not answered yet; each names what will make it reachable (see the module doc).
PENDING: dict[tuple[str, str], tuple[str, Recipe]] = {}


def _recipe(op: SpecOperation, status: str) -> Recipe | None:
    key = (op.operation_id, status)
    if key in SPECIFIC:
        return SPECIFIC[key]
    if key in PENDING:
        return PENDING[key][1]
    applies, recipe = GENERIC.get(status, (lambda _: False, _no_key))
    return recipe if applies(op) else None


def _cases() -> list[Any]:
    cases = []
    for op in operations():
        for status in op.error_statuses:
            marks = []
            if (op.operation_id, status) in PENDING:
                reason = PENDING[(op.operation_id, status)][0]
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            cases.append(pytest.param(op, status, id=f"{op.operation_id}-{status}", marks=marks))
    return cases


@pytest.fixture
async def ctx(app: FastAPI, client: httpx.AsyncClient, make_account: MakeAccount) -> Ctx:
    owner = await make_account(name="A Co", email="a@example.com")
    return Ctx(app, client, World(app, client, owner, "test"), make_account)


@pytest.mark.parametrize(("op", "status"), _cases())
async def test_every_declared_error_status_is_answered(
    ctx: Ctx, validate: Validate, op: SpecOperation, status: str
) -> None:
    recipe = _recipe(op, status)
    assert recipe is not None, (
        f"{op.operation_id} declares {status} but no recipe produces it: add one to SPECIFIC "
        "(or PENDING, naming the issue) or remove the status from openapi.yaml"
    )
    response = await recipe(ctx, op)
    assert response.status_code == int(status), response.text
    declared = resolve(op.raw["responses"][status])
    schema = declared["content"]["application/json"]["schema"]["$ref"]
    body = response.json()
    assert validate(body, schema.removeprefix("#")) == []
    if "error" in body:
        assert body["error"]["request_id"] == response.headers["x-request-id"]
    if status == "429" or body.get("error", {}).get("code") == "database_unavailable":
        assert int(response.headers["retry-after"]) >= 0


def test_every_recipe_is_for_a_declared_status() -> None:
    declared = {(op.operation_id, s) for op in operations() for s in op.error_statuses}
    assert set(SPECIFIC) - declared == set()
    assert set(PENDING) - declared == set()
    assert set(SPECIFIC) & set(PENDING) == set()
