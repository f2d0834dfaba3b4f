"""Cross-tenant and cross-mode matrix, generated from openapi.yaml so a new operation is covered by
default: every id an operation takes (path, query or body) is aimed, with another account's key and
with the owner's key of the other mode, at an object of account A in live and in test mode. The
answer is the documented 404 naming that id (``resource_missing``), never the object's data, and
nothing changes: A's objects read back identically with A's own keys, and the intruder's own
collections gain nothing. A list filter that takes an id (``bookings.list?event_type_id=``)
declares no 404: there the answer holds none of A's objects. Lists read with the other keys never
include A's objects.

An id the generator does not know (not in ``ID_KINDS`` or ``NOT_OBJECT_IDS`` of
tests/support/spec_requests.py) fails the test until it gets a builder in tests/support/world.py.
An invitee token (``CREDENTIALS``) is no id: it is the credential itself, valid with any key.

The one documented crossing: a live key manages its account's test-mode keys (openapi.yaml,
``api_keys.list``: "A live key sees live and test keys"), so a test-mode key aimed at with the
account's live key is found; the test checks that it is, so the rule stays a decision.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from fastapi import FastAPI

from tests.support.app import MakeAccount
from tests.support.spec_requests import (
    CREDENTIALS,
    ID_KINDS,
    NOT_OBJECT_IDS,
    IdSlot,
    SpecOperation,
    example_request,
    operations,
)
from tests.support.world import World, build_world

MODES = ("live", "test")
OTHER_MODE = {"live": "test", "test": "live"}
# Query parameters a request needs but the contract leaves optional (one of them is required).
QUERY_NEEDS = {"availability.list": {"date": "2026-04-15"}}

CASES = [
    pytest.param(op, slot, id=f"{op.operation_id}-{slot}")
    for op in operations()
    for slot in op.id_slots
    if slot.id_name not in NOT_OBJECT_IDS | CREDENTIALS
]
LISTS = [pytest.param(op, id=op.operation_id) for op in operations() if op.is_list]


@pytest.fixture
async def worlds(
    app: FastAPI, client: httpx.AsyncClient, make_account: MakeAccount
) -> dict[tuple[str, str], World]:
    """Account A and account B, each with one world per mode: ``worlds[("A", "live")]``."""
    accounts: dict[str, NewAccount] = {
        "A": await make_account(name="A Co", email="a@example.com"),
        "B": await make_account(name="B Co", email="b@example.com"),
    }
    return {
        (name, mode): await build_world(app, client, account, mode)
        for name, account in accounts.items()
        for mode in MODES
    }


def _kind(slot: IdSlot) -> str:
    kind = ID_KINDS.get(slot.id_name)
    assert kind is not None, (
        f"{slot}: an id the tenancy matrix has no builder for; add it to ID_KINDS "
        "(tests/support/spec_requests.py) and build one in tests/support/world.py"
    )
    return kind


def _request(op: SpecOperation, target: IdSlot, owner: World, intruder: World) -> dict[str, Any]:
    """``op`` with ``target`` holding the owner's object and every other id the intruder's own."""
    # The event type too, wherever it is named: a request naming an example one would be refused
    # for that (404 on event_type_id) before a target such as its host_id is looked at.
    ids = {
        slot: intruder.ids[_kind(slot)]
        for slot in op.id_slots
        if slot.where == "path" or (slot != target and slot.id_name == "event_type_id")
    }
    ids[target] = owner.ids[_kind(target)]
    request = example_request(op, ids, query=QUERY_NEEDS.get(op.operation_id))
    return {
        "method": request.method,
        "url": request.path,
        "params": request.params,
        "json": request.json,
        "headers": intruder.headers,
    }


def _crossing_is_documented(kind: str, owner: World, intruder: World) -> bool:
    same_account = owner.account.account.id == intruder.account.account.id
    return kind == "api_key" and same_account and (owner.mode, intruder.mode) == ("test", "live")


def _owner_ids(world: World) -> list[str]:
    return list(world.ids.values())


@pytest.mark.parametrize(("op", "target"), CASES)
async def test_an_id_of_another_account_or_mode_is_not_found_and_changes_nothing(
    client: httpx.AsyncClient,
    worlds: dict[tuple[str, str], World],
    op: SpecOperation,
    target: IdSlot,
) -> None:
    kind = _kind(target)
    declares_404 = "404" in op.raw["responses"]
    # The documented crossing (a live key revoking a test key) changes A, so it runs last.
    order = [
        (owner_mode, intruder)
        for owner_mode in MODES
        for intruder in (("B", owner_mode), ("A", OTHER_MODE[owner_mode]))
    ]
    seen: dict[tuple[str, str], Any] = {}  # each world as last read, so it is read once per step

    async def snapshot(at: tuple[str, str]) -> Any:
        seen[at] = await worlds[at].snapshot(client)
        return seen[at]

    for owner_mode, intruder_at in order:
        owner, intruder = worlds[("A", owner_mode)], worlds[intruder_at]
        owner_at = ("A", owner_mode)
        before = (
            seen.get(owner_at) or await snapshot(owner_at),
            seen.get(intruder_at) or await snapshot(intruder_at),
        )
        response = await client.request(**_request(op, target, owner, intruder))
        where = f"{op.operation_id} {target} of A/{owner_mode} with {intruder_at}'s key"
        foreign = owner.ids[kind]
        if _crossing_is_documented(kind, owner, intruder):
            assert response.is_success, (where, response.text)
            continue
        if declares_404:
            assert response.status_code == 404, (where, response.text)
            error = response.json()["error"]
            assert (error["type"], error["code"]) == ("not_found_error", "resource_missing"), where
            assert foreign in error["message"], where
        else:
            assert response.is_success, (where, response.text)
        leaked = [i for i in _owner_ids(owner) if i != foreign and i in response.text]
        assert leaked == [], (where, response.text)
        if not declares_404:
            assert foreign not in response.text, (where, response.text)
        after = (await snapshot(owner_at), await snapshot(intruder_at))
        assert after == before, where


@pytest.mark.parametrize("op", LISTS)
async def test_lists_of_another_account_or_mode_hold_none_of_its_objects(
    client: httpx.AsyncClient, worlds: dict[tuple[str, str], World], op: SpecOperation
) -> None:
    for owner_mode in MODES:
        owner = worlds[("A", owner_mode)]
        for intruder_at in (("B", owner_mode), ("A", OTHER_MODE[owner_mode])):
            intruder = worlds[intruder_at]
            ids = {slot: intruder.ids[_kind(slot)] for slot in op.id_slots if slot.where == "path"}
            request = example_request(op, ids)
            response = await client.get(
                request.path, params=request.params, headers=intruder.headers
            )
            assert response.status_code == 200, response.text
            visible = [i for i in _owner_ids(owner) if i in response.text]
            documented = op.operation_id == "api_keys.list" and _crossing_is_documented(
                "api_key", owner, intruder
            )
            expected = [owner.ids["api_key"]] if documented else []
            assert visible == expected, (op.operation_id, owner_mode, intruder_at, response.text)
