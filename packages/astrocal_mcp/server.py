"""The Astrocal MCP server: scheduling tools, resources and a prompt, built on the SDK.

``build_server(...)`` returns an :class:`mcp.server.MCPServer`. Every API call goes through an
:class:`astrocal_sdk.AsyncAstrocal` handed out by ``clients`` (one shared client for stdio; one per
request, carrying the caller's key, on the reference server's ``/mcp`` endpoint). Tool names and
parameter names follow the official ``@astrocal/mcp-server`` so existing agent prompts keep working.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from astrocal_sdk import APIError, AsyncAstrocal, SlotUnavailableError
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from astrocal_mcp import convert, render
from astrocal_mcp.errors import tool_error
from astrocal_mcp.models import (
    AvailabilityResult,
    BookingInfo,
    BookingList,
    CurrentTime,
    EventTypeList,
    Explanation,
    compact_schema,
)
from astrocal_mcp.timeutil import (
    InputError,
    bracket_zone,
    describe_instant,
    parse_date,
    parse_instant,
    resolve_zone,
    utc_text,
)

__all__ = ["INSTRUCTIONS", "ClientSource", "Clock", "build_server", "system_clock"]

Clock = Callable[[], datetime]
ClientSource = Callable[[], AbstractAsyncContextManager[AsyncAstrocal]]


def system_clock() -> datetime:
    return datetime.now(UTC)


INSTRUCTIONS = (
    "Astrocal schedules meetings. Call get_current_time before resolving 'today', 'tomorrow' or a "
    "weekday. Find open times with check_availability, then book one of its start values with "
    "create_booking. Times need a UTC offset or zone; zones are IANA names (Europe/Berlin)."
)

# Parameter types: the descriptions are what the model reads to fill them in.
EventTypeId = Annotated[
    str | None,
    Field(description="Event type id (evt_…) from list_event_types; omit to use the default."),
]
ZoneName = Annotated[str | None, Field(description="IANA time zone, e.g. Europe/Berlin.")]
Instant = Annotated[
    str,
    Field(
        description="RFC 3339 with offset, e.g. 2026-04-21T14:00:00+02:00 or a slot's start value."
    ),
]
BookingId = Annotated[str, Field(description="Booking id (bk_…).")]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


def _result(model: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=model.model_dump(mode="json", exclude_none=True),
    )


def _key(*parts: object) -> str:
    """A stable Idempotency-Key for one logical request, so an agent's retry replays it."""
    digest = hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()
    return f"mcp_{digest[:48]}"


def build_server(
    *,
    clients: ClientSource,
    api_url: str,
    default_event_type_id: str | None = None,
    clock: Clock = system_clock,
    name: str = "astrocal",
) -> MCPServer:
    """The MCP server with every Astrocal tool, resource and prompt registered."""
    tools: list[Tool] = []

    def tool(annotations: ToolAnnotations) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            description = " ".join(inspect.cleandoc(fn.__doc__ or "").split())
            made = Tool.from_function(fn, description=description, annotations=annotations)
            compact_schema(made.parameters)
            tools.append(made)
            return fn

        return register

    def fail(exc: APIError, zone: ZoneInfo | None = None) -> ToolError:
        return tool_error(exc, api_url=api_url, zone=zone)

    def checked(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except InputError as exc:
            raise ToolError(str(exc)) from None

    def event_type(given: str | None) -> str:
        chosen = (given or "").strip() or default_event_type_id
        if not chosen:
            raise ToolError(
                "event_type_id is required (no default event type is configured). "
                "Call list_event_types and pass one of the ids."
            )
        return chosen

    def zone_or_none(name: str | None, param: str) -> ZoneInfo | None:
        if name is None or not name.strip():
            return None
        return checked(lambda: resolve_zone(name, param=param))

    @tool(READ_ONLY)
    def get_current_time(
        time_zone: ZoneName = None,
    ) -> Annotated[CallToolResult, CurrentTime]:
        """Current date, time, weekday, UTC offset and DST flag in a zone (default UTC). Call this
        before turning 'today', 'tomorrow' or 'next Tuesday' into dates."""
        zone = zone_or_none(time_zone, "time_zone") or ZoneInfo("UTC")
        now = clock()
        here = describe_instant(now, zone)
        tomorrow_local = describe_instant(now.astimezone(zone) + timedelta(days=1), zone)
        result = CurrentTime(
            time_zone=zone.key,
            now=here.local,
            now_utc=utc_text(now),
            date=here.date,
            time=here.time,
            weekday=here.weekday,
            utc_offset=here.utc_offset,
            is_dst=here.is_dst,
            abbreviation=here.abbreviation,
            tomorrow=f"{tomorrow_local.date} ({tomorrow_local.weekday})",
        )
        return _result(result, render.render_time(result))

    async def fetch_event_types() -> EventTypeList:
        async with clients() as client:
            try:
                found = [e async for e in client.event_types.list(limit=100)]
            except APIError as exc:
                raise fail(exc) from None
        return EventTypeList(
            event_types=[convert.event_type_info(e, default_event_type_id) for e in found],
            default_event_type_id=default_event_type_id,
        )

    @tool(READ_ONLY)
    async def list_event_types() -> Annotated[CallToolResult, EventTypeList]:
        """List the bookable event types (id, title, duration). Use an id as event_type_id."""
        result = await fetch_event_types()
        return _result(result, render.render_event_types(result))

    @tool(READ_ONLY)
    async def check_availability(
        start_date: Annotated[str, Field(description="First day, YYYY-MM-DD (in timezone).")],
        end_date: Annotated[str, Field(description="Last day, inclusive; at most 62 days on.")],
        event_type_id: EventTypeId = None,
        timezone: Annotated[
            str | None,
            Field(description="IANA zone the dates are read in and slots shown in."),
        ] = None,
        duration: Annotated[
            int | None, Field(description="Minutes, one of the event type's durations.")
        ] = None,
    ) -> Annotated[CallToolResult, AvailabilityResult]:
        """Open slots of an event type between two dates. Each slot has start (UTC; pass it as
        start_time to create_booking) and local_start/weekday in the zone."""
        first = checked(lambda: parse_date(start_date, param="start_date"))
        last = checked(lambda: parse_date(end_date, param="end_date"))
        if last < first:
            raise ToolError(f"end_date {last} is before start_date {first}; swap them.")
        zone = zone_or_none(timezone, "timezone")
        evt = event_type(event_type_id)
        args: dict[str, Any] = {"event_type_id": evt, "start_date": first, "end_date": last}
        if zone is not None:
            args["time_zone"] = zone.key
        if duration is not None:
            args["duration"] = duration
        async with clients() as client:
            try:
                availability = await client.availability.list(**args)
            except APIError as exc:
                raise fail(exc, zone) from None
        shown_in = zone or checked(
            lambda: resolve_zone(str(getattr(availability, "time_zone", "UTC")))
        )
        result = convert.availability_result(availability, shown_in, duration)
        return _result(result, render.render_availability(result))

    @tool(READ_ONLY)
    async def explain_availability(
        start_time: Instant,
        event_type_id: EventTypeId = None,
        timezone: ZoneName = None,
    ) -> Annotated[CallToolResult, Explanation]:
        """Whether one start time can be booked; if not, why (reason codes) and the nearest open
        slots. Use it when a wanted time is missing from check_availability."""
        start = checked(lambda: parse_instant(start_time, param="start_time"))
        zone = zone_or_none(timezone, "timezone") or bracket_zone(start_time) or ZoneInfo("UTC")
        evt = event_type(event_type_id)
        async with clients() as client:
            try:
                check = await client.availability.check(event_type_id=evt, start=start)
            except APIError as exc:
                raise fail(exc, zone) from None
        result = convert.explanation(check, evt, start, zone)
        return _result(result, render.render_explanation(result))

    async def find_existing(
        client: AsyncAstrocal, evt: str, start: datetime, email: str
    ) -> Any | None:
        """A confirmed booking of this invitee at this start: what an earlier try created."""
        page = await client.bookings.list(
            event_type_id=evt,
            invitee_email=email,
            status="confirmed",
            start_after=start,
            start_before=start + timedelta(seconds=1),
            limit=1,
        )
        return page.data[0] if page.data else None

    @tool(
        ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True
        )
    )
    async def create_booking(
        start_time: Instant,
        invitee_name: Annotated[str, Field(description="Invitee's full name.")],
        invitee_email: Annotated[str, Field(description="Invitee's email; the invite goes here.")],
        event_type_id: EventTypeId = None,
        invitee_timezone: Annotated[
            str | None, Field(description="Invitee's IANA zone, for the invite's local times.")
        ] = None,
        notes: Annotated[str | None, Field(description="Anything the host should know.")] = None,
    ) -> Annotated[CallToolResult, BookingInfo]:
        """Book a start_time (from check_availability) for the invitee, who gets an email invite.
        Retrying with the same arguments returns the same booking instead of a second one."""
        start = checked(lambda: parse_instant(start_time, param="start_time"))
        zone = zone_or_none(invitee_timezone, "invitee_timezone")
        evt = event_type(event_type_id)
        shown_in = zone or bracket_zone(start_time)
        email = invitee_email.strip()
        invitee: dict[str, Any] = {"name": invitee_name.strip(), "email": email}
        if zone is not None:
            invitee["time_zone"] = zone.key
        body: dict[str, Any] = {"event_type_id": evt, "start": start, "invitee": invitee}
        if notes:
            body["notes"] = notes
        key = _key("create_booking", evt, utc_text(start), invitee, notes or "")
        async with clients() as client:
            try:
                response = await client.with_raw_response.bookings.create(
                    **body, idempotency_key=key
                )
                booking, headline = response.parse(), ""
                if response.idempotent_replayed:
                    # An earlier call with these arguments booked it; report its state now.
                    booking = await client.bookings.retrieve(booking.id)
                    headline = f"Already booked by an earlier call: {booking.id}."
                    if booking.status == "cancelled":
                        # ...but it was cancelled since, so this is a new request: book anew.
                        booking = await client.bookings.create(
                            **body, idempotency_key=_key(key, booking.id)
                        )
                        headline = ""
                headline = headline or f"Booked {booking.id}."
            except SlotUnavailableError as exc:
                existing = await find_existing(client, evt, start, email)
                if existing is None:
                    raise fail(exc, shown_in) from None
                booking, headline = existing, f"Already booked by an earlier call: {existing.id}."
            except APIError as exc:
                raise fail(exc, shown_in) from None
        result = convert.booking_info(booking)
        return _result(result, render.render_booking(result, headline=headline))

    @tool(READ_ONLY)
    async def get_booking(booking_id: BookingId) -> Annotated[CallToolResult, BookingInfo]:
        """One booking by id, with its status, time and invitee."""
        async with clients() as client:
            try:
                booking = await client.bookings.retrieve(booking_id.strip())
            except APIError as exc:
                raise fail(exc) from None
        result = convert.booking_info(booking)
        return _result(result, render.render_booking(result))

    @tool(READ_ONLY)
    async def list_bookings(
        status: Literal["confirmed", "cancelled"] | None = None,
        event_type_id: Annotated[str | None, Field(description="Only this event type.")] = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        cursor: Annotated[
            str | None, Field(description="next_cursor of the previous page.")
        ] = None,
    ) -> Annotated[CallToolResult, BookingList]:
        """List bookings, soonest first, optionally by status or event type; paginate with cursor."""
        args: dict[str, Any] = {"limit": limit}
        for name, value in (
            ("status", status),
            ("event_type_id", event_type_id),
            ("cursor", cursor),
        ):
            if value:
                args[name] = value
        async with clients() as client:
            try:
                page = await client.bookings.list(**args)
            except APIError as exc:
                raise fail(exc) from None
        result = BookingList(
            bookings=[convert.booking_info(b) for b in page.data],
            has_more=bool(page.has_more),
            next_cursor=page.next_cursor,
        )
        return _result(result, render.render_bookings(result))

    @tool(
        ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
        )
    )
    async def reschedule_booking(
        booking_id: BookingId,
        new_start_time: Instant,
        reason: Annotated[str | None, Field(description="Shown to the invitee.")] = None,
    ) -> Annotated[CallToolResult, BookingInfo]:
        """Move a booking to a new open start (same length, same id); the invitee is notified."""
        start = checked(lambda: parse_instant(new_start_time, param="new_start_time"))
        invitee_zone: ZoneInfo | None = None
        async with clients() as client:
            try:
                current = await client.bookings.retrieve(booking_id.strip())
                invitee_zone = convert.invitee_zone(current)
                if current.status == "confirmed" and current.start == start:
                    # A retry of a reschedule that already happened: nothing to move.
                    booking, headline = current, f"{current.id} is already at that time."
                else:
                    args: dict[str, Any] = {"start": start}
                    if reason:
                        args["reason"] = reason
                    booking = await client.bookings.reschedule(current.id, **args)
                    headline = f"Rescheduled {booking.id}."
            except APIError as exc:
                raise fail(exc, invitee_zone) from None
        result = convert.booking_info(booking)
        return _result(result, render.render_booking(result, headline=headline))

    @tool(
        ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
        )
    )
    async def cancel_booking(
        booking_id: BookingId,
        reason: Annotated[str | None, Field(description="Shown to the invitee.")] = None,
    ) -> Annotated[CallToolResult, BookingInfo]:
        """Cancel a booking; the slot frees up and the invitee is notified. Cancelling twice is safe."""
        args: dict[str, Any] = {"reason": reason} if reason else {}
        async with clients() as client:
            try:
                booking = await client.bookings.cancel(booking_id.strip(), **args)
            except APIError as exc:
                raise fail(exc) from None
        result = convert.booking_info(booking)
        return _result(result, render.render_booking(result, headline=f"Cancelled {booking.id}."))

    server: MCPServer = MCPServer(name, instructions=INSTRUCTIONS, version="1", tools=tools)

    @server.resource(
        "astrocal://event-types",
        name="event-types",
        description="The account's event types.",
        mime_type="application/json",
    )
    async def event_types_resource() -> str:
        try:
            result = await fetch_event_types()
        except ToolError as exc:
            raise _resource_error(exc) from None
        return result.model_dump_json(indent=2, exclude_none=True)

    @server.resource(
        "astrocal://bookings/{booking_id}",
        name="booking",
        description="One booking by id.",
        mime_type="application/json",
    )
    async def booking_resource(booking_id: str) -> str:
        async with clients() as client:
            try:
                booking = await client.bookings.retrieve(booking_id)
            except APIError as exc:
                raise _resource_error(fail(exc)) from None
        return convert.booking_info(booking).model_dump_json(indent=2, exclude_none=True)

    @server.prompt(
        name="schedule_meeting",
        description="Find a time with someone and book it, step by step.",
    )
    def schedule_meeting(
        invitee_name: str,
        invitee_email: str,
        when: str = "the next few days",
        time_zone: str = "UTC",
    ) -> str:
        return (
            f"Schedule a meeting with {invitee_name} <{invitee_email}> {when}, in {time_zone}.\n"
            f"1. Call get_current_time with time_zone={time_zone} to know today's date and weekday.\n"
            "2. If unsure which meeting type, call list_event_types.\n"
            f"3. Call check_availability for the matching dates with timezone={time_zone}.\n"
            "4. Offer at most three slots in local time with weekdays, and wait for a choice.\n"
            f"5. Call create_booking with the chosen slot's start value and invitee_timezone={time_zone}.\n"
            "6. Confirm the booking id and local time. If the slot was taken, offer the alternatives."
        )

    return server


def _resource_error(exc: ToolError) -> ResourceError:
    return ResourceError(str(exc))
