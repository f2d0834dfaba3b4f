"""The Astrocal MCP server: scheduling tools, resources and a prompt, built on the SDK.

The tools, resources and prompt are module-level functions. Each reads what it needs from one
typed dependency object, :class:`ToolDeps`, which the server's lifespan hands to every request
(``ctx.request_context.lifespan_context``). ``build_server(...)`` (or :func:`server_for`) returns an
:class:`mcp.server.MCPServer` with all of them registered.

Every API call goes through an :class:`astrocal_sdk.AsyncAstrocal` handed out by
``ToolDeps.clients`` (one shared client for stdio; one per request, carrying the caller's key, on
the reference server's ``/mcp`` endpoint). Tool names and parameter names follow the official
``@astrocal/mcp-server`` so existing agent prompts keep working.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from astrocal_sdk import APIError, AsyncAstrocal, SlotUnavailableError
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from astrocal_mcp import outputs, render
from astrocal_mcp.errors import tool_error
from astrocal_mcp.models import (
    AvailabilityResult,
    BookingInfo,
    BookingList,
    BookingWithLinks,
    CurrentTime,
    EventTypeList,
    Explanation,
    HostList,
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

__all__ = [
    "INSTRUCTIONS",
    "ClientSource",
    "Clock",
    "ToolDeps",
    "build_server",
    "server_for",
    "system_clock",
]

Clock = Callable[[], datetime]
ClientSource = Callable[[], AbstractAsyncContextManager[AsyncAstrocal]]
_T = TypeVar("_T")


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ToolDeps:
    """Everything the tools depend on."""

    clients: ClientSource  # an SDK client for the duration of one call
    api_url: str  # shown in errors that point the user at the API
    default_event_type_id: str | None = None  # used when a tool call names none
    clock: Clock = system_clock


# The context every tool, resource and prompt receives; the SDK leaves it out of their schemas.
Ctx = Context[ToolDeps, Any]

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
HostId = Annotated[
    str | None,
    Field(description="Team event types: only this host (host_…)."),
]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
_CHANGES_BOOKING = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
)

# The tools in registration order (the order tools/list shows them), with their annotations.
_TOOLS: list[tuple[Callable[..., Any], ToolAnnotations]] = []


def _tool(annotations: ToolAnnotations) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _TOOLS.append((fn, annotations))
        return fn

    return register


def _deps(ctx: Ctx) -> ToolDeps:
    return ctx.request_context.lifespan_context


def _result(model: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=model.model_dump(mode="json", exclude_none=True),
    )


def _key(*parts: object) -> str:
    """A stable Idempotency-Key for one logical request, so an agent's retry replays it."""
    digest = hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()
    return f"mcp_{digest[:48]}"


def _fail(deps: ToolDeps, exc: APIError, zone: ZoneInfo | None = None) -> ToolError:
    return tool_error(exc, api_url=deps.api_url, zone=zone)


def _checked(fn: Callable[[], _T]) -> _T:
    try:
        return fn()
    except InputError as exc:
        raise ToolError(str(exc)) from None


async def _page(
    deps: ToolDeps,
    fetch: Callable[[Any, dict[str, Any]], Awaitable[_T]],
    limit: int,
    **filters: str | None,
) -> _T:
    """One page of a list call, ``fetch(client, args)``, with the filters that were given."""
    args: dict[str, Any] = {"limit": limit, **{k: v for k, v in filters.items() if v}}
    async with deps.clients() as client:
        try:
            return await fetch(client, args)
        except APIError as exc:
            raise _fail(deps, exc) from None


def _event_type(deps: ToolDeps, given: str | None) -> str:
    chosen = (given or "").strip() or deps.default_event_type_id
    if not chosen:
        raise ToolError(
            "event_type_id is required (no default event type is configured). "
            "Call list_event_types and pass one of the ids."
        )
    return chosen


def _zone_or_none(name: str | None, param: str) -> ZoneInfo | None:
    if name is None or not name.strip():
        return None
    return _checked(lambda: resolve_zone(name, param=param))


@_tool(READ_ONLY)
def get_current_time(
    ctx: Ctx,
    time_zone: ZoneName = None,
) -> Annotated[CallToolResult, CurrentTime]:
    """Current date, time, weekday, UTC offset and DST flag in a zone (default UTC). Call this
    before turning 'today', 'tomorrow' or 'next Tuesday' into dates."""
    zone = _zone_or_none(time_zone, "time_zone") or ZoneInfo("UTC")
    now = _deps(ctx).clock()
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


async def _fetch_event_types(deps: ToolDeps) -> EventTypeList:
    async with deps.clients() as client:
        try:
            found = [e async for e in client.event_types.list(limit=100)]
        except APIError as exc:
            raise _fail(deps, exc) from None
    return EventTypeList(
        event_types=[outputs.event_type_info(e, deps.default_event_type_id) for e in found],
        default_event_type_id=deps.default_event_type_id,
    )


@_tool(READ_ONLY)
async def list_event_types(ctx: Ctx) -> Annotated[CallToolResult, EventTypeList]:
    """List the bookable event types (id, title, duration). Use an id as event_type_id. Team
    event types add host_ids and assignment (collective: all hosts attend; round_robin: one)."""
    result = await _fetch_event_types(_deps(ctx))
    return _result(result, render.render_event_types(result))


@_tool(READ_ONLY)
async def list_hosts(
    ctx: Ctx,
    external_id: Annotated[
        str | None, Field(description="The app's own id for a person; finds that host.")
    ] = None,
    cursor: Annotated[str | None, Field(description="next_cursor of the previous page.")] = None,
) -> Annotated[CallToolResult, HostList]:
    """List hosts, the people whose time is booked (id, name, zone, external_id)."""
    page = await _page(
        _deps(ctx),
        lambda c, args: c.hosts.list(**args),
        100,
        external_id=external_id,
        cursor=cursor,
    )
    result = HostList(
        hosts=[outputs.host_info(h) for h in page.data],
        has_more=bool(page.has_more),
        next_cursor=page.next_cursor,
    )
    return _result(result, render.render_hosts(result))


@_tool(READ_ONLY)
async def check_availability(
    ctx: Ctx,
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
    host_id: HostId = None,
) -> Annotated[CallToolResult, AvailabilityResult]:
    """Open slots of an event type between two dates. Each slot has start (UTC; pass it as
    start_time to create_booking) and local_start/weekday in the zone; on team event types also
    host_ids, the hosts free then."""
    deps = _deps(ctx)
    first = _checked(lambda: parse_date(start_date, param="start_date"))
    last = _checked(lambda: parse_date(end_date, param="end_date"))
    if last < first:
        raise ToolError(f"end_date {last} is before start_date {first}; swap them.")
    zone = _zone_or_none(timezone, "timezone")
    evt = _event_type(deps, event_type_id)
    args: dict[str, Any] = {"event_type_id": evt, "start_date": first, "end_date": last}
    if zone is not None:
        args["time_zone"] = zone.key
    if duration is not None:
        args["duration"] = duration
    if host_id:
        args["host_id"] = host_id.strip()
    async with deps.clients() as client:
        try:
            availability = await client.availability.list(**args)
        except APIError as exc:
            raise _fail(deps, exc, zone) from None
    shown_in = zone or _checked(
        lambda: resolve_zone(str(getattr(availability, "time_zone", "UTC")))
    )
    result = outputs.availability_result(availability, shown_in, duration)
    return _result(result, render.render_availability(result))


@_tool(READ_ONLY)
async def explain_availability(
    ctx: Ctx,
    start_time: Instant,
    event_type_id: EventTypeId = None,
    timezone: ZoneName = None,
    host_id: HostId = None,
) -> Annotated[CallToolResult, Explanation]:
    """Whether one start time can be booked; if not, why (reason codes) and the nearest open
    slots. Use it when a wanted time is missing from check_availability."""
    deps = _deps(ctx)
    start = _checked(lambda: parse_instant(start_time, param="start_time"))
    zone = _zone_or_none(timezone, "timezone") or bracket_zone(start_time) or ZoneInfo("UTC")
    evt = _event_type(deps, event_type_id)
    args: dict[str, Any] = {"host_id": host_id.strip()} if host_id else {}
    async with deps.clients() as client:
        try:
            check = await client.availability.check(event_type_id=evt, start=start, **args)
        except APIError as exc:
            raise _fail(deps, exc, zone) from None
    result = outputs.explanation(check, evt, start, zone)
    return _result(result, render.render_explanation(result))


async def _find_existing(
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


@_tool(
    ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True
    )
)
async def create_booking(
    ctx: Ctx,
    start_time: Instant,
    invitee_name: Annotated[str, Field(description="Invitee's full name.")],
    invitee_email: Annotated[str, Field(description="Invitee's email; the invite goes here.")],
    event_type_id: EventTypeId = None,
    invitee_timezone: Annotated[
        str | None, Field(description="Invitee's IANA zone, for the invite's local times.")
    ] = None,
    notes: Annotated[str | None, Field(description="Anything the host should know.")] = None,
    host_id: Annotated[
        str | None,
        Field(
            description="Round robin: book this host, one of the slot's host_ids; omit to "
            "let the event type's rule pick."
        ),
    ] = None,
) -> Annotated[CallToolResult, BookingWithLinks]:
    """Book a start_time (from check_availability) for the invitee, who gets an email invite.
    Retrying with the same arguments returns the same booking instead of a second one."""
    deps = _deps(ctx)
    start = _checked(lambda: parse_instant(start_time, param="start_time"))
    zone = _zone_or_none(invitee_timezone, "invitee_timezone")
    evt = _event_type(deps, event_type_id)
    shown_in = zone or bracket_zone(start_time)
    email = invitee_email.strip()
    invitee: dict[str, Any] = {"name": invitee_name.strip(), "email": email}
    if zone is not None:
        invitee["time_zone"] = zone.key
    body: dict[str, Any] = {"event_type_id": evt, "start": start, "invitee": invitee}
    if notes:
        body["notes"] = notes
    host = (host_id or "").strip()
    if host:
        body["host_id"] = host
    # A host asked for is part of the request (a different host is a different booking); without
    # one the key stays what it always was, so retries across an upgrade still replay.
    key = _key(
        "create_booking", evt, utc_text(start), invitee, notes or "", *([host] if host else [])
    )
    async with deps.clients() as client:
        try:
            response = await client.with_raw_response.bookings.create(**body, idempotency_key=key)
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
            existing = await _find_existing(client, evt, start, email)
            if existing is None:
                raise _fail(deps, exc, shown_in) from None
            booking, headline = existing, f"Already booked by an earlier call: {existing.id}."
        except APIError as exc:
            raise _fail(deps, exc, shown_in) from None
    result = outputs.booking_with_links(booking)
    return _result(result, render.render_booking(result, headline=headline))


@_tool(READ_ONLY)
async def get_booking(
    ctx: Ctx, booking_id: BookingId
) -> Annotated[CallToolResult, BookingWithLinks]:
    """One booking by id, with its status, time, invitee and host(s)."""
    deps = _deps(ctx)
    async with deps.clients() as client:
        try:
            booking = await client.bookings.retrieve(booking_id.strip())
        except APIError as exc:
            raise _fail(deps, exc) from None
    result = outputs.booking_with_links(booking)
    return _result(result, render.render_booking(result))


@_tool(READ_ONLY)
async def list_bookings(
    ctx: Ctx,
    status: Literal["confirmed", "cancelled"] | None = None,
    event_type_id: Annotated[str | None, Field(description="Only this event type.")] = None,
    host_id: Annotated[
        str | None, Field(description="Only bookings with this host (host_…, from a booking).")
    ] = None,
    limit: Annotated[int, Field(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Field(description="next_cursor of the previous page.")] = None,
) -> Annotated[CallToolResult, BookingList]:
    """List bookings, soonest first, optionally by status, event type or host; paginate with cursor."""
    page = await _page(
        _deps(ctx),
        lambda c, args: c.bookings.list(**args),
        limit,
        status=status,
        event_type_id=event_type_id,
        host_id=host_id,
        cursor=cursor,
    )
    result = BookingList(
        bookings=[outputs.booking_info(b) for b in page.data],
        has_more=bool(page.has_more),
        next_cursor=page.next_cursor,
    )
    return _result(result, render.render_bookings(result))


@_tool(_CHANGES_BOOKING)
async def reschedule_booking(
    ctx: Ctx,
    booking_id: BookingId,
    new_start_time: Instant,
    reason: Annotated[str | None, Field(description="Shown to the invitee.")] = None,
    reassign: Annotated[
        bool | None,
        Field(description="Round robin: if its host is busy then, move it to another free host."),
    ] = None,
) -> Annotated[CallToolResult, BookingWithLinks]:
    """Move a booking to a new open start (same length, same id, same host unless reassign);
    the invitee is notified."""
    deps = _deps(ctx)
    start = _checked(lambda: parse_instant(new_start_time, param="new_start_time"))
    invitee_zone: ZoneInfo | None = None
    async with deps.clients() as client:
        try:
            current = await client.bookings.retrieve(booking_id.strip())
            invitee_zone = outputs.invitee_zone(current)
            if current.status == "confirmed" and current.start == start:
                # A retry of a reschedule that already happened: nothing to move.
                booking, headline = current, f"{current.id} is already at that time."
            else:
                args: dict[str, Any] = {"start": start}
                if reason:
                    args["reason"] = reason
                if reassign:
                    args["reassign"] = True
                booking = await client.bookings.reschedule(current.id, **args)
                headline = f"Rescheduled {booking.id}."
        except APIError as exc:
            raise _fail(deps, exc, invitee_zone) from None
    result = outputs.booking_with_links(booking)
    return _result(result, render.render_booking(result, headline=headline))


@_tool(_CHANGES_BOOKING)
async def cancel_booking(
    ctx: Ctx,
    booking_id: BookingId,
    reason: Annotated[str | None, Field(description="Shown to the invitee.")] = None,
) -> Annotated[CallToolResult, BookingInfo]:
    """Cancel a booking; the slot frees up and the invitee is notified. Cancelling twice is safe."""
    deps = _deps(ctx)
    args: dict[str, Any] = {"reason": reason} if reason else {}
    async with deps.clients() as client:
        try:
            booking = await client.bookings.cancel(booking_id.strip(), **args)
        except APIError as exc:
            raise _fail(deps, exc) from None
    result = outputs.booking_info(booking)
    return _result(result, render.render_booking(result, headline=f"Cancelled {booking.id}."))


async def event_types_resource(deps: ToolDeps) -> str:
    try:
        result = await _fetch_event_types(deps)
    except ToolError as exc:
        raise ResourceError(str(exc)) from None
    return result.model_dump_json(indent=2, exclude_none=True)


async def booking_resource(ctx: Ctx, booking_id: str) -> str:
    deps = _deps(ctx)
    async with deps.clients() as client:
        try:
            booking = await client.bookings.retrieve(booking_id)
        except APIError as exc:
            raise ResourceError(str(_fail(deps, exc))) from None
    return outputs.booking_info(booking).model_dump_json(indent=2, exclude_none=True)


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


def _tools() -> list[Tool]:
    made: list[Tool] = []
    for fn, hints in _TOOLS:
        description = " ".join(inspect.cleandoc(fn.__doc__ or "").split())
        tool = Tool.from_function(fn, description=description, annotations=hints)
        compact_schema(tool.parameters)
        made.append(tool)
    return made


def server_for(deps: ToolDeps, *, name: str = "astrocal") -> MCPServer[ToolDeps]:
    """The MCP server with every Astrocal tool, resource and prompt, serving over ``deps``."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[ToolDeps]) -> AsyncIterator[ToolDeps]:
        yield deps

    server: MCPServer[ToolDeps] = MCPServer(
        name, instructions=INSTRUCTIONS, version="1", tools=_tools(), lifespan=lifespan
    )

    # A resource without URI variables gets no Context from the SDK, so this one is bound here.
    @server.resource(
        "astrocal://event-types",
        name="event-types",
        description="The account's event types.",
        mime_type="application/json",
    )
    async def event_types() -> str:
        return await event_types_resource(deps)

    server.resource(
        "astrocal://bookings/{booking_id}",
        name="booking",
        description="One booking by id.",
        mime_type="application/json",
    )(booking_resource)
    server.prompt(
        name="schedule_meeting",
        description="Find a time with someone and book it, step by step.",
    )(schedule_meeting)
    return server


def build_server(
    *,
    clients: ClientSource,
    api_url: str,
    default_event_type_id: str | None = None,
    clock: Clock = system_clock,
    name: str = "astrocal",
) -> MCPServer[ToolDeps]:
    """:func:`server_for` with the :class:`ToolDeps` given field by field."""
    deps = ToolDeps(
        clients=clients, api_url=api_url, default_event_type_id=default_event_type_id, clock=clock
    )
    return server_for(deps, name=name)
