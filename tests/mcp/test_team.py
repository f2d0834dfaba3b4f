"""Team event types through the MCP tools (in-memory ``mcp.Client``, reference server in process).

``list_event_types`` names the team (its assignment and host ids); ``host_id`` on
check_availability, explain_availability and create_booking and ``reassign`` on
reschedule_booking reach the API as the contract's fields (checked on the requests sent); slots,
checks and reasons that name hosts keep them in the tools' results.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from astrocal_mcp import outputs, render
from astrocal_mcp.timeutil import ShownZone
from astrocal_server.storage.models import EventType
from fastapi import FastAPI
from sqlalchemy import select

from tests.support.agent import Mcp
from tests.support.app import bearer
from tests.support.bookings import create_event_type
from tests.support.clocks import NOW
from tests.support.sent_requests import SentRequests, record_requests
from tests.support.team_rows import insert_hosts

TUESDAY = "2026-04-14"
FIRST_TUESDAY_SLOT = "2026-04-14T07:00:00Z"
BERLIN = ZoneInfo("Europe/Berlin")


def text_of(result: Any) -> str:
    return "\n".join(block.text for block in result.content if getattr(block, "type", "") == "text")


async def call(client: Any, name: str, **arguments: Any) -> tuple[dict[str, Any], str]:
    result = await client.call_tool(name, arguments)
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return dict(result.structured_content), text_of(result)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> SentRequests:
    return record_requests(monkeypatch)


@pytest.fixture
async def team(ref_app: FastAPI, event_type_id: str) -> tuple[str, list[str]]:
    """The fixture's event type made a round robin of two new hosts, in the database itself."""
    db = ref_app.state.astrocal.db
    async with db.read() as session:
        account_id = (
            await session.scalars(select(EventType.account_id).where(EventType.id == event_type_id))
        ).one()
    hosts = await insert_hosts(db, account_id, ["Ana", "Ben"], now=NOW)
    async with db.write() as session:
        row = (await session.scalars(select(EventType).where(EventType.id == event_type_id))).one()
        row.hosts = [{"host_id": h, "priority": 0, "weight": 1} for h in hosts]
        row.assignment = "round_robin"
    return event_type_id, hosts


async def test_list_event_types_names_team_event_types(
    mcp: Mcp, team: tuple[str, list[str]], http: Any, api_key: str
) -> None:
    evt, hosts = team
    async with http() as client:
        fields = {"title": "Solo", "slug": "solo", "duration_minutes": 30}
        solo = await create_event_type(client, bearer(api_key), **fields)
    async with mcp() as client:
        result, text = await call(client, "list_event_types")
    by_id = {e["id"]: e for e in result["event_types"]}
    assert (by_id[evt]["assignment"], by_id[evt]["host_ids"]) == ("round_robin", hosts)
    # One-host event types carry neither field.
    assert "assignment" not in by_id[solo["id"]]
    assert "host_ids" not in by_id[solo["id"]]
    assert f"round_robin team of {hosts[0]}, {hosts[1]}" in text


async def test_host_id_and_reassign_reach_the_api(
    mcp: Mcp, team: tuple[str, list[str]], sent: SentRequests
) -> None:
    _, (ana, ben) = team
    async with mcp() as client:
        await call(client, "check_availability", start_date=TUESDAY, end_date=TUESDAY,
                   host_id=f" {ben} ")  # fmt: skip
        assert sent.last_query("GET", "/v1/availability")["host_id"] == ben
        await call(client, "check_availability", start_date=TUESDAY, end_date=TUESDAY)
        assert "host_id" not in sent.last_query("GET", "/v1/availability")

        await call(client, "explain_availability", start_time=FIRST_TUESDAY_SLOT, host_id=ana)
        assert sent.last_query("GET", "/v1/availability/check")["host_id"] == ana

        booked, _ = await call(client, "create_booking", start_time=FIRST_TUESDAY_SLOT,
                               invitee_name="Jo", invitee_email="jo@example.com", host_id=ben)  # fmt: skip
        [create] = sent.to("POST", "/v1/bookings")
        assert sent.last_body("POST", "/v1/bookings")["host_id"] == ben
        path = f"/v1/bookings/{booked['id']}/reschedule"
        await call(client, "reschedule_booking", booking_id=booked["id"],
                   new_start_time="2026-04-14T08:00:00Z", reassign=True)  # fmt: skip
        assert sent.last_body("POST", path) == {"start": "2026-04-14T08:00:00Z", "reassign": True}
        await call(client, "reschedule_booking", booking_id=booked["id"],
                   new_start_time="2026-04-14T09:00:00Z")  # fmt: skip
        assert sent.last_body("POST", path) == {"start": "2026-04-14T09:00:00Z"}

        # Asking for a host is part of the request: its idempotency key differs from the same
        # booking without one (and a retry with the same host replays the first).
        await client.call_tool("create_booking", {"start_time": "2026-04-14T10:00:00Z",
                               "invitee_name": "Jo", "invitee_email": "jo@example.com"})  # fmt: skip
        without_host = sent.to("POST", "/v1/bookings")[-1]
    assert create.headers["idempotency-key"] != without_host.headers["idempotency-key"]


def test_slots_checks_and_reasons_keep_their_hosts() -> None:
    slot = outputs.slot_info(
        {"start": "2026-04-14T07:00:00Z", "end": "2026-04-14T07:30:00Z", "host_ids": ["host_a"]},
        BERLIN,
    )
    assert slot.host_ids == ["host_a"]
    assert render.render_slot(slot).endswith("free hosts host_a")
    plain = outputs.slot_info(
        {"start": "2026-04-14T07:00:00Z", "end": "2026-04-14T07:30:00Z"}, BERLIN
    )
    assert "host_ids" not in plain.model_dump(exclude_none=True)

    start = datetime(2026, 4, 14, 7, tzinfo=UTC)
    shown = ShownZone(BERLIN, "Europe/Berlin", "time_zone argument")
    busy = outputs.explanation(
        {"available": False, "host_ids": [], "alternatives": [],
         "reasons": [{"code": "booked", "message": "Taken.", "host_id": "host_a"}]},
        "evt_1", start, shown, working_hours=None, nearby=[],
    )  # fmt: skip
    assert busy.reasons[0].host_id == "host_a" and busy.host_ids is None
    assert "- host_a: Taken. (booked)" in render.render_explanation(busy)
    free = outputs.explanation(
        {"available": True, "host_ids": ["host_b"], "reasons": [], "alternatives": []},
        "evt_1", start, shown, working_hours=None, nearby=[],
    )  # fmt: skip
    assert free.host_ids == ["host_b"] and "free hosts: host_b" in render.render_explanation(free)
    team_day = outputs.day_slots(
        [{"start": "2026-04-14T07:00:00Z", "end": "2026-04-14T07:30:00Z", "host_ids": ["host_a"]}],
        BERLIN,
    )
    assert team_day[0].free_hosts == {"09:00": ["host_a"]}
