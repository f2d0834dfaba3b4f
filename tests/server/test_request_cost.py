"""What one request can cost the server, counted (not timed):

- the largest availability query the API allows (62 days, 5-minute slots, around the clock, many
  bookings and busy intervals) answers at most the documented number of slots and runs the same,
  small, number of SQL statements as a one-day query (the bound in openapi.yaml's description of
  ``GET /v1/availability``);
- a booking of an event type without hosts reads its one host with the event type, so its write
  transaction (serialised on SQLite) reads no host row;
- every operation answering a list is paginated (``limit`` with a maximum, and ``cursor``), except
  availability, which is bounded by its range instead;
- an oversized header set or header line is refused by the HTTP layer with 400/431, a body over
  ``ASTROCAL_MAX_BODY_BYTES`` with 413, never a 500, and the server keeps answering.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.accounts.keycache import changing_cached
from astrocal_server.app import create_app
from astrocal_server.availability import BusyScope, ExternalBusyResult
from astrocal_server.availability.engine import BusyInterval
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from astrocal_server.storage.models import EventType
from fastapi import FastAPI
from sqlalchemy import event

from tests.support.bookings import TUESDAY_9, Api, Book, create_event_type, make_schedule
from tests.support.hosts import add_host, add_host_id, default_host, occupy_hosts
from tests.support.live import serve_app
from tests.support.spec_ops import METHODS, resolve, spec

H = dict[str, str]
ALL_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FIRST_DAY = date(2026, 4, 14)  # the day after the pinned clock's
LAST_DAY = FIRST_DAY + timedelta(days=61)  # 62 days inclusive: the largest range allowed


def documented_bounds() -> dict[str, int]:
    """The numbers the availability operation's description promises."""
    text = spec()["paths"]["/v1/availability"]["get"]["description"]
    slots = re.search(r"at most ([\d,]+) slots", text)
    statements = re.search(r"at most (\d+) SQL statements", text)
    assert slots and statements, "openapi.yaml no longer states the availability bounds"
    return {
        "slots": int(slots.group(1).replace(",", "")),
        "statements": int(statements.group(1)),
    }


class ManyBusy:
    """An external busy source with one short busy interval every 20 minutes of the range."""

    def __init__(self) -> None:
        self.intervals = 0

    async def busy(self, scope: BusyScope, start: datetime, end: datetime) -> ExternalBusyResult:
        out: list[BusyInterval] = []
        at = start
        while at < end:
            out.append(BusyInterval(at, at + timedelta(minutes=5), "cal_many"))
            at += timedelta(minutes=20)
        self.intervals = len(out)
        return ExternalBusyResult(busy=out)


@contextmanager
def counted_statements(app: FastAPI) -> Iterator[list[str]]:
    """The statements the block runs, but the rate limit's: its batched counter write lands on
    one request in sixteen, whichever that is (``ratelimit.DatabaseCounterStore``)."""
    statements: list[str] = []
    engine = app.state.astrocal.db.engine.sync_engine

    def record(*args: Any) -> None:
        if "rate_limit_counters" not in str(args[2]):
            statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_the_largest_availability_query_stays_within_the_documented_bound(api: Api) -> None:
    bounds = documented_bounds()
    schedule = await make_schedule(
        api.client, api.headers, days=ALL_WEEK, start="00:00", end="24:00", time_zone="UTC"
    )
    created = await api.make_event_type(
        duration_minutes=5,
        slot_interval_minutes=5,
        minimum_notice_minutes=0,
        booking_window_days=365,
        schedule_id=schedule,
    )
    event_type_id = created["id"]
    params = {"event_type_id": event_type_id, "time_zone": "UTC"}
    # SQLite reads skip SQLAlchemy's execution events (storage/rows.py runs them on the driver
    # directly), so statements are counted on PostgreSQL.
    counting = api.app.state.astrocal.db.dialect == "postgresql"

    async def ask(**query: str) -> tuple[int, int]:
        """The slots and the statements of a request whose key and event type this process
        already knows; the first request after a change reads them too, within the bound."""
        with counted_statements(api.app) as first:
            r = await api.client.get(
                "/v1/availability", params={**params, **query}, headers=api.headers
            )
        assert r.status_code == 200, r.text
        if counting:
            assert len(first) <= bounds["statements"]
        with counted_statements(api.app) as statements:
            response = await api.client.get(
                "/v1/availability", params={**params, **query}, headers=api.headers
            )
        assert response.status_code == 200, response.text
        return len(response.json()["data"]), len(statements)

    one_day_slots, one_day_statements = await ask(date=FIRST_DAY.isoformat())
    assert one_day_slots == 24 * 12

    # The largest answer: nothing booked yet, every 5 minutes of 62 days open.
    full, full_statements = await ask(
        start_date=FIRST_DAY.isoformat(), end_date=LAST_DAY.isoformat()
    )
    assert full == 62 * 24 * 12 <= bounds["slots"]
    if counting:
        assert 0 < full_statements == one_day_statements <= bounds["statements"]

    # Many bookings and busy intervals cost rows and CPU, not statements.
    start = datetime.combine(FIRST_DAY, datetime.min.time(), tzinfo=UTC)
    for n in range(400):
        await api.add_booking(
            api.account, event_type_id, start + timedelta(hours=3 * n, minutes=10)
        )
    busy = ManyBusy()
    api.app.state.astrocal.busy_source = busy
    # Straight to the table, announced as every service write to an event type is.
    async with changing_cached(api.app.state.astrocal) as session:
        row = await session.get_one(EventType, event_type_id)
        row.conflict_calendars = [{"connection_id": "cal_many", "calendar_id": "many"}]
    crowded, crowded_statements = await ask(
        start_date=FIRST_DAY.isoformat(), end_date=LAST_DAY.isoformat()
    )
    assert busy.intervals > 4000
    assert 0 < crowded < full
    if counting:
        assert crowded_statements == one_day_statements

    too_long = await api.client.get(
        "/v1/availability",
        params={
            **params,
            "start_date": FIRST_DAY.isoformat(),
            "end_date": (LAST_DAY + timedelta(days=1)).isoformat(),
        },
        headers=api.headers,
    )
    assert too_long.status_code == 400, too_long.text


async def test_a_page_of_multi_host_bookings_costs_the_same_statements_at_any_size(
    api: Api,
) -> None:
    """Hosts are loaded for a whole page at once: the statements of a list request do not grow
    with the page's size or with the hosts each booking occupies."""
    schedule = await make_schedule(api.client, api.headers, days=ALL_WEEK, time_zone="UTC")
    created = await api.make_event_type(schedule_id=schedule)
    hosts = [await add_host(api.app, api.account, name=f"Host {n}") for n in range(3)]
    start = datetime.combine(FIRST_DAY, datetime.min.time(), tzinfo=UTC)
    for n in range(40):
        booking_id = await api.add_booking(api.account, created["id"], start + timedelta(hours=n))
        await occupy_hosts(api.app, booking_id, [h.id for h in hosts[: 1 + n % 3]])

    async def listed(limit: int) -> tuple[list[dict[str, Any]], int]:
        with counted_statements(api.app) as statements:
            response = await api.client.get(
                "/v1/bookings", params={"limit": str(limit)}, headers=api.headers
            )
        assert response.status_code == 200, response.text
        return response.json()["data"], len(statements)

    await listed(1)  # the key, forgotten when the hosts were added, is read again here
    one, one_statements = await listed(1)
    page, page_statements = await listed(40)
    assert len(one) == 1 and len(page) == 40
    assert [len(b["hosts"]) for b in page[:3]] == [2, 3, 4]
    assert 0 < page_statements == one_statements


async def test_a_single_host_booking_reads_its_host_with_its_event_type(
    app: FastAPI, account: NewAccount, book: Book, event_type: dict[str, Any]
) -> None:
    """A booking of an event type without hosts occupies the default host, read in the one
    statement that reads the event type: the write (inside the write lock on SQLite) reads no host
    row of its own, and the booking still names its host."""
    with counted_statements(app) as statements:
        created = await book(event_type["id"], TUESDAY_9)
    assert created.status_code == 201, created.text
    owner = await default_host(app, account)
    assert created.json()["hosts"] == [{"id": owner.id, "name": owner.name, "email": owner.email}]
    # On PostgreSQL the host row is the first part of the write's one INSERT statement.
    assert any("INSERT INTO booking_hosts" in s for s in statements)
    assert not [s for s in statements if s.lstrip().startswith("SELECT hosts.")]


def _operations() -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    for path, item in spec()["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item, item[method]


def _answers_a_list(operation: dict[str, Any]) -> bool:
    for status, response in operation.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        schema = resolve(
            resolve(response).get("content", {}).get("application/json", {}).get("schema")
        )
        if not isinstance(schema, dict):
            continue
        if schema.get("type") == "array":
            return True
        data = resolve((schema.get("properties") or {}).get("data"))
        if isinstance(data, dict) and data.get("type") == "array":
            return True
    return False


LISTS = [
    (method.upper(), path, item, operation)
    for path, method, item, operation in _operations()
    if _answers_a_list(operation)
]
BOUNDED_BY_RANGE = {
    ("GET", "/v1/availability"),
    ("POST", "/v1/availability"),
    ("GET", "/v1/invitee/bookings/{token}/availability"),  # the same engine, range and bound
}


def test_the_spec_has_list_operations() -> None:
    assert len(LISTS) >= 7


@pytest.mark.parametrize(
    ("method", "path", "item", "operation"), LISTS, ids=[f"{m} {p}" for m, p, _, _ in LISTS]
)
def test_every_list_operation_is_paginated_or_bounded(
    method: str, path: str, item: dict[str, Any], operation: dict[str, Any]
) -> None:
    if (method, path) in BOUNDED_BY_RANGE:
        documented_bounds()  # bounded by the 62-day range, and says how much that is
        return
    parameters = {
        p["name"]: p
        for p in (
            resolve(x) for x in [*item.get("parameters", []), *operation.get("parameters", [])]
        )
    }
    assert "cursor" in parameters and "limit" in parameters, f"{method} {path} is not paginated"
    limit = resolve(parameters["limit"]["schema"])
    assert isinstance(limit.get("maximum"), int) and limit["maximum"] <= 100, limit


def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def _status(answer: bytes) -> int:
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
    assert match, answer[:200]
    return int(match.group(1))


@pytest.mark.parametrize(
    "headers",
    [
        [("X-Long", "a" * 70_000)],  # one header line far over the parser's limit
        [(f"X-Many-{n}", "b" * 60) for n in range(1_000)],  # many ordinary headers
    ],
    ids=["long-line", "many-headers"],
)
def test_oversized_headers_are_a_4xx_not_a_500(
    settings: Settings, clock: FixedClock, headers: list[tuple[str, str]]
) -> None:
    """uvicorn's h11 parser let these through to the app (its 16 KiB limit only applies to a block
    still incomplete), so the app refuses them itself with 431 ``request_headers_too_large``; a
    parser that refuses first answers 400 or 431 on its own."""
    with serve_app(create_app(settings, clock=clock)) as url:
        block = "".join(f"{name}: {value}\r\n" for name, value in headers)
        answer = _raw(
            url,
            (
                "GET /v1/account HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer sk_test_x\r\n{block}Connection: close\r\n\r\n"
            ).encode(),
        )
        assert _status(answer) in (400, 431), answer[:300]
        if _status(answer) == 431:
            assert b"request_headers_too_large" in answer
        assert httpx.get(f"{url}/healthz").status_code == 200  # and the server keeps serving


def test_an_oversized_body_is_a_413(settings: Settings, clock: FixedClock) -> None:
    limit = settings.max_body_bytes
    with serve_app(create_app(settings, clock=clock)) as url:
        response = httpx.post(
            f"{url}/v1/bookings",
            headers={"Authorization": "Bearer sk_test_x", "Content-Type": "application/json"},
            content=b'{"notes": "' + b"x" * (limit + 1) + b'"}',
        )
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "request_too_large"


async def test_team_availability_costs_the_same_statements_for_2_and_20_hosts(api: Api) -> None:
    """One query loads every host with its hours, one every host's bookings: the statement count
    of a team's availability and check does not grow with the number of hosts."""
    schedule = await make_schedule(api.client, api.headers, days=ALL_WEEK)
    hosts = [
        await add_host_id(api.app, api.account, name=f"Host {i}", schedule=schedule)
        for i in range(20)
    ]
    day = FIRST_DAY.isoformat()
    costs = []
    for size in (2, 20):
        team = await create_event_type(
            api.client,
            api.headers,
            title=f"Team of {size}",
            slug=f"team-{size}",
            duration_minutes=30,
            hosts=[{"host_id": h} for h in hosts[:size]],
            assignment="round_robin",
        )
        with counted_statements(api.app) as statements:
            slots = await api.client.get(
                "/v1/availability",
                params={"event_type_id": team["id"], "date": day, "time_zone": "UTC"},
                headers=api.headers,
            )
            check = await api.client.get(
                "/v1/availability/check",
                params={"event_type_id": team["id"], "start": f"{day}T09:00:00Z"},
                headers=api.headers,
            )
        assert slots.status_code == 200 and check.status_code == 200, (slots.text, check.text)
        assert len(slots.json()["data"][0]["host_ids"]) == size
        costs.append(len(statements))
    assert 0 < costs[0] == costs[1], costs
