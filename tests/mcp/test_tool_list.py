"""The tool list an agent sees: names and parameters of the official server, honest annotations,
structured output everywhere, and a size that stays within a token budget."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from astrocal_mcp.server import build_server
from mcp import Client

# Estimated tokens for the whole tools/list answer (names, descriptions, input and output
# schemas, annotations). Estimate: compact JSON characters / 4, the usual rule of thumb for
# English and JSON with BPE tokenizers. Raise it only on purpose.
# Team scheduling added hosts to every booking result and host_id/reassign inputs (~360 tokens
# over the 3,500 this list held before); the budget holds the line at what the list costs now.
# Booking questions added each event type's questions to list_event_types (what an agent must ask),
# answers to create_booking's input and to every booking result (~220 tokens over 3,858).
TOKEN_BUDGET = 4_100


def estimate_tokens(tools: list[Any]) -> int:
    dumped = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
    for tool in dumped:
        tool.pop("_meta", None)
    return len(json.dumps(dumped, separators=(",", ":"), ensure_ascii=False)) // 4


@asynccontextmanager
async def no_api() -> AsyncIterator[Any]:
    raise AssertionError("listing tools must not call the API")
    yield  # pragma: no cover


async def list_tools() -> dict[str, Any]:
    server = build_server(clients=no_api, api_url="http://x", default_event_type_id="evt_a")
    async with Client(server) as client:
        return {t.name: t for t in (await client.list_tools()).tools}


def props(tool: Any) -> tuple[set[str], set[str]]:
    schema = tool.input_schema
    return set(schema["properties"]), set(schema.get("required", []))


async def test_names_and_parameters_match_the_official_server() -> None:
    tools = await list_tools()
    assert set(tools) == {
        "get_current_time",
        "list_event_types",
        "list_hosts",
        "check_availability",
        "explain_availability",
        "create_booking",
        "get_booking",
        "list_bookings",
        "reschedule_booking",
        "cancel_booking",
    }
    assert props(tools["get_current_time"]) == ({"time_zone"}, set())
    assert props(tools["list_event_types"]) == (set(), set())
    # Team scheduling adds optional parameters only (host_id, reassign): the official names all
    # stay, and nothing new is required.
    assert props(tools["list_hosts"]) == ({"external_id", "cursor"}, set())
    assert props(tools["check_availability"]) == (
        {"event_type_id", "start_date", "end_date", "timezone", "duration", "host_id"},
        {"start_date", "end_date"},
    )
    assert props(tools["explain_availability"]) == (
        {"event_type_id", "start_time", "timezone", "host_id"},
        {"start_time"},
    )
    assert props(tools["create_booking"]) == (
        {
            "event_type_id",
            "start_time",
            "invitee_name",
            "invitee_email",
            "invitee_timezone",
            "notes",
            "host_id",
            "answers",
        },
        {"start_time", "invitee_name", "invitee_email"},
    )
    assert props(tools["get_booking"]) == ({"booking_id"}, {"booking_id"})
    assert props(tools["list_bookings"]) == (
        {"status", "event_type_id", "host_id", "limit", "cursor"},
        set(),
    )
    assert props(tools["reschedule_booking"]) == (
        {"booking_id", "new_start_time", "reason", "reassign"},
        {"booking_id", "new_start_time"},
    )
    assert props(tools["cancel_booking"]) == ({"booking_id", "reason"}, {"booking_id"})


async def test_every_parameter_and_tool_is_described_and_has_an_output_schema() -> None:
    for name, tool in (await list_tools()).items():
        assert tool.description and "\n" not in tool.description, name
        assert tool.output_schema and tool.output_schema["type"] == "object", name
        for param, schema in tool.input_schema["properties"].items():
            if (name, param) not in {("list_bookings", "status"), ("list_bookings", "limit")}:
                assert schema.get("description"), f"{name}.{param} has no description"
        assert "title" not in json.dumps(tool.input_schema), name


async def test_annotations_are_honest() -> None:
    tools = await list_tools()
    for name in ("get_current_time", "list_event_types", "list_hosts", "check_availability",
                 "explain_availability", "get_booking", "list_bookings"):  # fmt: skip
        assert tools[name].annotations.read_only_hint is True, name
    cancel = tools["cancel_booking"].annotations
    assert (cancel.read_only_hint, cancel.destructive_hint, cancel.idempotent_hint) == (
        False,
        True,
        True,
    )
    move = tools["reschedule_booking"].annotations
    assert (move.read_only_hint, move.destructive_hint) == (False, True)
    create = tools["create_booking"].annotations
    # Additive, and keyed by its arguments (Idempotency-Key), so a retry is not a second booking.
    assert (create.read_only_hint, create.destructive_hint, create.idempotent_hint) == (
        False,
        False,
        True,
    )


async def test_tool_list_fits_the_token_budget() -> None:
    tools = await list_tools()
    used = estimate_tokens(list(tools.values()))
    assert used <= TOKEN_BUDGET, f"tools/list is ~{used} tokens, over the {TOKEN_BUDGET} budget"
