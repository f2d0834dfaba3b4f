"""Team event types (``hosts``, ``assignment``): what a create or PATCH accepts, and every bad
input answered with a 4xx naming the parameter (never a 500)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from fastapi import FastAPI

from tests.support.hosts import add_host_id
from tests.support.resources import H, created, poster

_create = poster("/v1/event_types", title="Team call", slug="team-call", duration_minutes=30)


@pytest.fixture
async def two_hosts(app: FastAPI, account: NewAccount) -> list[str]:
    schedule = account.test_schedule.id
    return [
        await add_host_id(app, account, name="Ada", schedule=schedule),
        await add_host_id(app, account, name="Bo", schedule=schedule),
    ]


async def test_team_create_defaults_and_patch(
    client: httpx.AsyncClient, auth_headers: H, two_hosts: list[str]
) -> None:
    a, b = two_hosts
    r = await _create(
        client,
        auth_headers,
        hosts=[{"host_id": a}, {"host_id": b, "priority": 5, "weight": 3}],
        assignment="round_robin",
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["hosts"] == [
        {"host_id": a, "priority": 0, "weight": 1},
        {"host_id": b, "priority": 5, "weight": 3},
    ]
    assert body["assignment"] == "round_robin"
    assert body["schedule_id"] is None  # each host works its own default schedule
    url = f"/v1/event_types/{body['id']}"
    r = await client.patch(url, headers=auth_headers, json={"assignment": "collective"})
    assert r.status_code == 200 and r.json()["assignment"] == "collective", r.text
    # Back to the default host: the account's default schedule again.
    r = await client.patch(url, headers=auth_headers, json={"hosts": [], "assignment": "single"})
    assert r.status_code == 200, r.text
    assert r.json()["hosts"] == [] and r.json()["schedule_id"] is not None


async def test_event_type_without_hosts_is_unchanged(
    client: httpx.AsyncClient, auth_headers: H, account: NewAccount
) -> None:
    body = created(await _create(client, auth_headers))
    assert body["hosts"] == [] and body["assignment"] == "single"
    assert body["schedule_id"] == account.test_schedule.id


async def _bad_host_ids(app: FastAPI, account: NewAccount, make_account: Any) -> dict[str, str]:
    other = await make_account(name="Other", email="other@example.com")
    return {
        "unknown": "host_doesnotexist",
        "other_account": await add_host_id(app, other, schedule=other.test_schedule.id),
        "live_mode": await add_host_id(app, account, livemode=True),
        "inactive": await add_host_id(
            app, account, schedule=account.test_schedule.id, active=False
        ),
        "no_schedule": await add_host_id(app, account),
    }


# (case, body built from (good host ids, bad host ids), status, param)
CASES: list[tuple[str, Any, int, str]] = [
    ("unknown host", lambda g, b: {"hosts": [{"host_id": b["unknown"]}], "assignment": "collective"}, 404, "hosts.0.host_id"),
    ("other account's host", lambda g, b: {"hosts": [{"host_id": g[0]}, {"host_id": b["other_account"]}], "assignment": "collective"}, 404, "hosts.1.host_id"),
    ("other mode's host", lambda g, b: {"hosts": [{"host_id": b["live_mode"]}], "assignment": "round_robin"}, 404, "hosts.0.host_id"),
    ("deactivated host", lambda g, b: {"hosts": [{"host_id": b["inactive"]}], "assignment": "round_robin"}, 400, "hosts.0.host_id"),
    ("host without a schedule", lambda g, b: {"hosts": [{"host_id": b["no_schedule"]}], "assignment": "round_robin"}, 400, "hosts.0.host_id"),
    ("host listed twice", lambda g, b: {"hosts": [{"host_id": g[0]}, {"host_id": g[1]}, {"host_id": g[0]}], "assignment": "collective"}, 400, "hosts.2.host_id"),
    ("team without hosts", lambda g, b: {"hosts": [], "assignment": "round_robin"}, 400, "hosts"),
    ("collective without hosts", lambda g, b: {"assignment": "collective"}, 400, "hosts"),
    ("single with two hosts", lambda g, b: {"hosts": [{"host_id": g[0]}, {"host_id": g[1]}]}, 400, "assignment"),
    ("weight zero", lambda g, b: {"hosts": [{"host_id": g[0], "weight": 0}], "assignment": "round_robin"}, 400, "hosts.0.weight"),
    ("weight negative", lambda g, b: {"hosts": [{"host_id": g[0], "weight": -2}], "assignment": "round_robin"}, 400, "hosts.0.weight"),
    ("priority too high", lambda g, b: {"hosts": [{"host_id": g[0], "priority": 101}], "assignment": "round_robin"}, 400, "hosts.0.priority"),
    ("malformed host id", lambda g, b: {"hosts": [{"host_id": "sam"}], "assignment": "round_robin"}, 400, "hosts.0.host_id"),
    ("51 hosts", lambda g, b: {"hosts": [{"host_id": f"host_x{i}"} for i in range(51)], "assignment": "collective"}, 400, "hosts"),
    ("unknown assignment", lambda g, b: {"hosts": [{"host_id": g[0]}], "assignment": "everyone"}, 400, "assignment"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "param"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_bad_team_input_names_the_param(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth_headers: H,
    account: NewAccount,
    make_account: Any,
    two_hosts: list[str],
    body: Any,
    status: int,
    param: str,
) -> None:
    bad = await _bad_host_ids(app, account, make_account)
    fields = body(two_hosts, bad)
    r = await _create(client, auth_headers, **fields)
    assert r.status_code == status, r.text
    assert r.json()["error"]["param"] == param, r.text
    if status == 404:
        assert r.json()["error"]["code"] == "resource_missing"
    # The same body as a PATCH of an existing event type answers the same (dropping its schedule
    # too where the hosts' own schedules are what is wrong).
    created = await _create(client, auth_headers, slug="plain")
    assert created.status_code == 201, created.text
    if bad["no_schedule"] in str(fields):
        fields["schedule_id"] = None
    r = await client.patch(
        f"/v1/event_types/{created.json()['id']}", headers=auth_headers, json=fields
    )
    assert r.status_code == status, r.text
    assert r.json()["error"]["param"] == param, r.text


async def test_schedule_null_only_for_teams(
    client: httpx.AsyncClient, auth_headers: H, two_hosts: list[str]
) -> None:
    plain = (await _create(client, auth_headers)).json()
    r = await client.patch(
        f"/v1/event_types/{plain['id']}", headers=auth_headers, json={"schedule_id": None}
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "schedule_id", r.text
    team = (
        await _create(
            client,
            auth_headers,
            slug="team",
            hosts=[{"host_id": two_hosts[0]}],
            assignment="round_robin",
            schedule_id=plain["schedule_id"],
        )
    ).json()
    assert team["schedule_id"] == plain["schedule_id"]
    r = await client.patch(
        f"/v1/event_types/{team['id']}", headers=auth_headers, json={"schedule_id": None}
    )
    assert r.status_code == 200 and r.json()["schedule_id"] is None, r.text
