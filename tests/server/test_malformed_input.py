"""Malformed input the schema cannot catch answers 400 naming the parameter, never 500, on
SQLite and PostgreSQL: forged pagination cursors on every list operation of openapi.yaml."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.support.app import override_settings
from tests.support.bookings import Api
from tests.support.spec_ops import sdk_operations
from tests.support.webhooks import MakeEndpoint

LIST_OPERATIONS = sorted(
    (op for op in sdk_operations() if "cursor" in op.query), key=lambda op: op.operation_id
)


def _cursor(values: Any) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Each list's sort key is (datetime, id); these have the right length and the wrong types.
FORGED_CURSORS = {
    "string_for_datetime": _cursor(["2026-01-01", "sch_x"]),
    "int_for_datetime": _cursor([1, "sch_x"]),
    "int_for_id": _cursor([{"dt": "2026-01-01T00:00:00+00:00"}, 7]),
    "float_for_id": _cursor([{"dt": "2026-01-01T00:00:00+00:00"}, 1.5]),
    "bool_for_id": _cursor([{"dt": "2026-01-01T00:00:00+00:00"}, True]),
    "null_values": _cursor([None, None]),
    "nested_in_dt": _cursor([{"dt": {"dt": "x"}}, "sch_x"]),
    "nested_list": _cursor([["a"], "sch_x"]),
    "naive_datetime": _cursor([{"dt": "2026-01-01T00:00:00"}, "sch_x"]),
    "datetime_past_year_1": _cursor([{"dt": "0001-01-01T00:00:00+05:00"}, "sch_x"]),
    "datetime_past_year_9999": _cursor([{"dt": "9999-12-31T23:00:00-05:00"}, "sch_x"]),
    "nul_in_id": _cursor([{"dt": "2026-01-01T00:00:00+00:00"}, "sch_\u0000"]),
    "swapped": _cursor(["sch_x", {"dt": "2026-01-01T00:00:00+00:00"}]),
    "not_a_list": _cursor({"a": 1}),
}


@pytest.mark.parametrize("shape", sorted(FORGED_CURSORS))
@pytest.mark.parametrize("operation", LIST_OPERATIONS, ids=lambda op: op.operation_id)
async def test_forged_cursor_is_parameter_invalid(
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    make_endpoint: MakeEndpoint,
    operation: Any,
    shape: str,
) -> None:
    path = operation.path
    if "{webhook_id}" in path:
        path = path.replace("{webhook_id}", (await make_endpoint())["id"])
    assert "{" not in path, f"no fixture for the path parameters of {operation.path}"
    r = await client.get(path, params={"cursor": FORGED_CURSORS[shape]}, headers=auth_headers)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "parameter_invalid" and error["param"] == "cursor"


async def test_a_real_cursor_still_pages(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    for name in ("a", "b", "c"):
        body = {"name": name, "time_zone": "UTC"}
        assert (await client.post("/v1/schedules", json=body, headers=auth_headers)).is_success
    first = (await client.get("/v1/schedules?limit=2", headers=auth_headers)).json()
    second = (
        await client.get(
            "/v1/schedules",
            params={"limit": 2, "cursor": first["next_cursor"]},
            headers=auth_headers,
        )
    ).json()
    names = [s["name"] for s in first["data"] + second["data"]]
    assert len(names) == len(set(names)) and len(second["data"]) >= 1


JSON_BODY_OPERATIONS = sorted(
    (op for op in sdk_operations() if op.has_body), key=lambda op: op.operation_id
)


@pytest.mark.parametrize("depth", [100, 100_000])
@pytest.mark.parametrize("operation", JSON_BODY_OPERATIONS, ids=lambda op: op.operation_id)
async def test_deeply_nested_json_is_invalid_json(
    client: httpx.AsyncClient, auth_headers: dict[str, str], operation: Any, depth: int
) -> None:
    path = operation.path
    for name in operation.path_params:
        path = path.replace("{" + name + "}", "xx_missing")
    field = next(iter(operation.body), "name")
    body = '{"' + field + '":' + "[" * depth + "]" * depth + "}"
    r = await client.request(
        operation.method,
        path,
        content=body.encode(),
        headers={**auth_headers, "Content-Type": "application/json"},
    )
    # An operation on a missing object may answer 404 before it reads the body; never 500.
    assert r.status_code in (400, 404), r.text
    if r.status_code == 400:
        assert r.json()["error"]["code"] == "invalid_json", r.text


def _string_fields(operation: Any) -> list[str]:
    return sorted(
        name
        for name, schema in operation.body_schemas.items()
        if "string" in str(schema.get("type", "")) or "$ref" in schema or "enum" in schema
    )


NUL_CASES = [
    pytest.param(op, name, id=f"{op.operation_id}-{name}")
    for op in JSON_BODY_OPERATIONS
    if not op.path_params
    for name in _string_fields(op)
]


@pytest.mark.parametrize(("operation", "field"), NUL_CASES)
async def test_nul_in_a_body_string_is_parameter_invalid(
    client: httpx.AsyncClient, auth_headers: dict[str, str], operation: Any, field: str
) -> None:
    r = await client.request(
        operation.method, operation.path, json={field: "a\u0000b"}, headers=auth_headers
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "parameter_invalid" and error["param"] == field, r.text


async def test_nul_in_an_otherwise_valid_body_is_parameter_invalid(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    for body, param in [
        ({"name": "Desk\u0000", "time_zone": "UTC"}, "name"),
        ({"name": "Desk", "time_zone": "UTC", "metadata": {"k": "v\u0000"}}, "metadata"),
        ({"name": "Desk", "time_zone": "UTC", "metadata": {"k\u0000": "v"}}, "metadata"),
    ]:
        r = await client.post("/v1/schedules", json=body, headers=auth_headers)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["param"] == param, r.text
    r = await client.post(
        "/v1/availability",
        content=b"event_type_id=et_%00&start=2026-04-15",
        headers={**auth_headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "event_type_id", r.text


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/v1/bookings?event_type_id=et_%00", "event_type_id"),
        ("/v1/schedules/sch_%00", "schedule_id"),
        ("/v1/event_types/et_%00", "event_type_id"),
    ],
)
async def test_nul_in_a_query_or_path_parameter_is_parameter_invalid(
    client: httpx.AsyncClient, auth_headers: dict[str, str], url: str, param: str
) -> None:
    r = await client.get(url, headers=auth_headers)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "parameter_invalid" and error["param"] == param, r.text


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"date": "0001-01-01"}, "date"),
        ({"date": "0001-01-01", "time_zone": "Pacific/Kiritimati"}, "date"),
        ({"date": "0001-01-02", "time_zone": "America/New_York"}, "date"),
        ({"date": "9999-12-31"}, "date"),
        ({"date": "9999-12-30", "time_zone": "Pacific/Pago_Pago"}, "date"),
        ({"start_date": "0001-01-01", "end_date": "0001-01-05"}, "start_date"),
        ({"start_date": "9999-12-25", "end_date": "9999-12-31"}, "end_date"),
    ],
)
async def test_dates_at_the_ends_of_the_calendar_are_parameter_invalid(
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    event_type: dict[str, Any],
    params: dict[str, str],
    param: str,
) -> None:
    query = {"event_type_id": event_type["id"], **params}
    for r in (
        await client.get("/v1/availability", params=query, headers=auth_headers),
        await client.post("/v1/availability", json=query, headers=auth_headers),
    ):
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["code"] == "parameter_invalid" and error["param"] == param, r.text


@pytest.mark.parametrize("day", ["0001-01-15", "9999-12-17"])
async def test_dates_just_inside_the_supported_range_still_answer(
    client: httpx.AsyncClient, auth_headers: dict[str, str], event_type: dict[str, Any], day: str
) -> None:
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        query = {"event_type_id": event_type["id"], "date": day, "time_zone": zone}
        r = await client.get("/v1/availability", params=query, headers=auth_headers)
        assert r.status_code == 200, r.text


MALFORMED_URLS = [
    "http://[::1/",
    "http://example.com:99999/",
    "https://example.com:-1/",
    "http://[zz]/",
]


@pytest.fixture
def google_configured(app: Any) -> None:
    """The server has a Google OAuth client, so a Google connection gets as far as its URL."""
    override_settings(app, google_client_id="cid", google_client_secret="secret")


@pytest.mark.usefixtures("google_configured")
@pytest.mark.parametrize("url", MALFORMED_URLS)
@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"provider": "caldav", "username": "u", "password": "p"}, "server_url"),
        ({"provider": "google"}, "redirect_uri"),
    ],
)
async def test_malformed_connection_url_is_parameter_invalid(
    api: Api, body: dict[str, str], param: str, url: str
) -> None:
    r = await api.client.post(
        "/v1/calendar_connections", json={**body, param: url}, headers=api.headers
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "parameter_invalid" and error["param"] == param, r.text
