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
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from astrocal_sdk import APIError, AsyncAstrocal, SlotUnavailableError
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.mcpserver.prompts.base import Message, Prompt
from mcp.server.mcpserver.tools import Tool
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    CallToolResult,
    InputRequiredResult,
    TextContent,
    ToolAnnotations,
)
from pydantic import BaseModel, Field

from astrocal_mcp import outputs, render
from astrocal_mcp.arguments import AgentTool
from astrocal_mcp.errors import tool_error
from astrocal_mcp.models import (
    AvailabilityResult,
    BookingInfo,
    BookingList,
    CurrentTime,
    EventTypeList,
    Explanation,
    HoldInfo,
    HostList,
    WaitlistInfo,
    WaitlistList,
    compact_schema,
    inline_defs,
)
from astrocal_mcp.timeutil import (
    InputError,
    ShownZone,
    bracket_zone,
    describe_instant,
    parse_date,
    parse_instant,
    resolve_zone,
    utc_text,
    working_hours_text,
    zone_written_in,
)

__all__ = [
    "HINT_DEFAULTS",
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
    "create_booking. Times need a UTC offset or zone; zones are IANA names (Europe/Berlin). "
    "An event type with questions (list_event_types) needs their answers in create_booking. "
    "To ask the person first, hold_slot the start, then create_booking with its hold_id (or "
    "release_hold); a taken time can be waited for with join_waitlist."
)

# Parameter types: the descriptions are what the model reads to fill them in.
# They are sent on every tools/list, so each is a few words; the conventions they share (IANA
# zones, times with an offset) are also in INSTRUCTIONS.
EventTypeId = Annotated[str | None, Field(description="evt_… from list_event_types.")]
ZoneName = Annotated[str | None, Field(description="IANA, e.g. Europe/Berlin.")]
_INSTANT_TEXT = "With offset or [zone], e.g. 2026-04-21T14:00+02:00."
Instant = Annotated[str, Field(description=_INSTANT_TEXT)]
BookingId = Annotated[str, Field(description="bk_…")]
HoldId = Annotated[str, Field(description="hold_… from hold_slot.")]
InviteeName = Annotated[str, Field(description="Full name.")]
InviteeEmail = Annotated[str, Field(description="Gets the invite.")]
Duration = Annotated[int | None, Field(description="Minutes, one of the event type's.")]
HostId = Annotated[str | None, Field(description="Team: only this host (host_…).")]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
# What a client assumes of a hint that is not sent (the MCP spec's defaults); _tools() sends only
# the hints that differ, so the annotations above stay complete and the tool list stays short.
HINT_DEFAULTS = {
    "read_only_hint": False,
    "destructive_hint": True,
    "idempotent_hint": False,
    "open_world_hint": True,
}
_CHANGES_BOOKING = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
)
# Makes something new; a retry with the same arguments answers with what the first call made.
_CREATES = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)

# The tools in registration order (the order tools/list shows them), with their annotations.
_TOOLS: list[tuple[Callable[..., Any], str, ToolAnnotations]] = []


def _tool(
    title: str, annotations: ToolAnnotations
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _TOOLS.append((fn, title, annotations))
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


def _fail(deps: ToolDeps, exc: APIError, tool: str, zone: tzinfo | None = None) -> ToolError:
    return tool_error(exc, tool=tool, api_url=deps.api_url, zone=zone)


def _checked(fn: Callable[[], _T]) -> _T:
    try:
        return fn()
    except InputError as exc:
        raise ToolError(str(exc)) from None


async def _page(
    deps: ToolDeps,
    tool: str,
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
            raise _fail(deps, exc, tool) from None


def _event_type(deps: ToolDeps, given: str | None) -> str:
    chosen = (given or "").strip() or deps.default_event_type_id
    if not chosen:
        raise ToolError(
            "event_type_id is required (no default event type is configured). "
            "Call list_event_types and pass one of the ids."
        )
    return chosen


def _zone_or_none(name: str | None, param: str = "time_zone") -> ZoneInfo | None:
    if name is None or not name.strip():
        return None
    return _checked(lambda: resolve_zone(name, param=param))


def _shown(
    asked: ZoneInfo | None,
    *,
    written: str | None = None,
    invitee: str | None = None,
    fallback: tuple[tzinfo, str, str] | None = None,
) -> ShownZone:
    """The zone a result shows times in, by the rule every tool follows: the time_zone argument,
    the zone written in the input (an offset is named as one), the invitee's, the fallback (the
    host's or the event type's), UTC."""
    if asked is not None:
        return ShownZone(asked, asked.key, "time_zone argument")
    in_input = zone_written_in(written) if written else None
    if in_input is not None:
        return ShownZone(in_input[0], in_input[1], "start time as written")
    own = outputs_zone(invitee)
    if own is not None:
        return ShownZone(own, own.key, "invitee's zone")
    if fallback is not None:
        return ShownZone(*fallback)
    return ShownZone(ZoneInfo("UTC"), "UTC", "default, no zone known")


def outputs_zone(name: str | None) -> ZoneInfo | None:
    try:
        return resolve_zone(name) if name else None
    except InputError:
        return None


@_tool("Current time", READ_ONLY)
def get_current_time(
    ctx: Ctx,
    time_zone: ZoneName = None,
) -> Annotated[CallToolResult, CurrentTime]:
    """Now in a zone (default UTC); use it to turn 'today' or 'next Tuesday' into dates."""
    zone = _zone_or_none(time_zone) or ZoneInfo("UTC")
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
            raise _fail(deps, exc, "list_event_types") from None
    return EventTypeList(
        event_types=[outputs.event_type_info(e, deps.default_event_type_id) for e in found],
        default_event_type_id=deps.default_event_type_id,
    )


@_tool("List event types", READ_ONLY)
async def list_event_types(ctx: Ctx) -> Annotated[CallToolResult, EventTypeList]:
    """Bookable event types and their questions; teams: collective (all attend) or round_robin
    (one)."""
    result = await _fetch_event_types(_deps(ctx))
    return _result(result, render.render_event_types(result))


@_tool("List hosts", READ_ONLY)
async def list_hosts(
    ctx: Ctx,
    external_id: Annotated[str | None, Field(description="The app's own id for the host.")] = None,
    cursor: Annotated[str | None, Field(description="next_cursor of the previous page.")] = None,
) -> Annotated[CallToolResult, HostList]:
    """The people whose time is booked."""
    page = await _page(
        _deps(ctx),
        "list_hosts",
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


async def _why_none(
    client: AsyncAstrocal, evt: str, first: date, last: date, shown: ShownZone, now: datetime
) -> str:
    """Why a range has no open slot, in words: the past, the booking window, or what the engine
    says of the range's first day (no working hours, all booked, …)."""
    today = now.astimezone(shown.zone).date()
    if last < today:
        return f"the dates are in the past (today is {today} in {shown.name})."
    event_type = await client.event_types.retrieve(evt)
    window = int(getattr(event_type, "booking_window_days", 0) or 0)
    if window and first > today + timedelta(days=window):
        return (
            f"the dates are beyond the booking window of {window} days (the last bookable day is "
            f"{today + timedelta(days=window)})."
        )
    probe = max(first, today)
    noon = datetime.combine(probe, datetime.min.time().replace(hour=12), shown.zone)
    check = await client.availability.check(event_type_id=evt, start=noon.astimezone(UTC))
    said = "; ".join(str(getattr(r, "message", "")) for r in getattr(check, "reasons", []) or [])
    return f"every time is taken or outside the hours (at noon on {probe}: {said or 'booked'})."


@_tool("Check availability", READ_ONLY)
async def check_availability(
    ctx: Ctx,
    start_date: Annotated[str, Field(description="YYYY-MM-DD.")],
    end_date: Annotated[str, Field(description="Inclusive; at most 62 days on.")],
    event_type_id: EventTypeId = None,
    time_zone: ZoneName = None,
    duration: Duration = None,
    host_id: HostId = None,
) -> Annotated[CallToolResult, AvailabilityResult]:
    """Open slots by local day as HH:MM starts; start_time = date + 'T' + HH:MM + the day's
    offset."""
    deps = _deps(ctx)
    first = _checked(lambda: parse_date(start_date, param="start_date"))
    last = _checked(lambda: parse_date(end_date, param="end_date"))
    if last < first:
        raise ToolError(f"end_date {last} is before start_date {first}; swap them.")
    zone = _zone_or_none(time_zone)
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
            own = str(getattr(availability, "time_zone", "UTC"))
            shown = _shown(zone, fallback=(ZoneInfo(own), own, "event type's schedule"))
            none_because = None
            if not availability.data:
                none_because = await _why_none(client, evt, first, last, shown, deps.clock())
        except APIError as exc:
            raise _fail(deps, exc, "check_availability", zone) from None
    result = outputs.availability_result(availability, shown, none_because)
    return _result(result, render.render_availability(result))


async def _schedule_of(client: AsyncAstrocal, evt: str) -> Any | None:
    """The event type's schedule (None for a team whose hosts each keep their own)."""
    event_type = await client.event_types.retrieve(evt)
    schedule_id = getattr(event_type, "schedule_id", None)
    return None if not schedule_id else await client.schedules.retrieve(schedule_id)


@_tool("Explain availability", READ_ONLY)
async def explain_availability(
    ctx: Ctx,
    start_time: Instant,
    event_type_id: EventTypeId = None,
    time_zone: ZoneName = None,
    host_id: HostId = None,
) -> Annotated[CallToolResult, Explanation]:
    """Why a start time can or cannot be booked, and the nearest open slots."""
    deps = _deps(ctx)
    start = _checked(lambda: parse_instant(start_time, param="start_time"))
    asked = _zone_or_none(time_zone)
    evt = _event_type(deps, event_type_id)
    host_args: dict[str, Any] = {"host_id": host_id.strip()} if host_id else {}
    async with deps.clients() as client:
        try:
            check = await client.availability.check(event_type_id=evt, start=start, **host_args)
            schedule = await _schedule_of(client, evt)
            fallback = None
            if schedule is not None:
                fallback = (
                    ZoneInfo(schedule.time_zone),
                    schedule.time_zone,
                    "event type's schedule",
                )
            shown = _shown(asked, written=start_time, fallback=fallback)
            day = start.astimezone(shown.zone).date()
            list_args: dict[str, Any] = dict(host_args)
            if isinstance(shown.zone, ZoneInfo):
                list_args["time_zone"] = shown.zone.key
            nearby = await client.availability.list(
                event_type_id=evt,
                start_date=day - timedelta(days=3),
                end_date=day + timedelta(days=3),
                **list_args,
            )
        except APIError as exc:
            raise _fail(deps, exc, "explain_availability", asked) from None
    hours = None
    if schedule is not None:
        weekly = [(str(h.day), h.start, h.end) for h in schedule.weekly_hours]
        hours = working_hours_text(weekly, schedule.time_zone, shown, day)
    result = outputs.explanation(check, evt, start, shown, working_hours=hours, nearby=nearby.data)
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


async def _host_zones(client: AsyncAstrocal, bookings: list[Any]) -> dict[str, str]:
    """The zones of the first hosts of ``bookings`` that have no invitee zone (one call each)."""
    wanted = {b.hosts[0].id for b in bookings if b.hosts and outputs.invitee_zone(b) is None}
    return {h: (await client.hosts.retrieve(h)).time_zone for h in sorted(wanted)}


def _booking_zone(
    booking: Any, asked: ZoneInfo | None, hosts: dict[str, str], written: str | None = None
) -> ShownZone:
    invitee = outputs.invitee_zone(booking)
    host_zone = hosts.get(booking.hosts[0].id) if booking.hosts else None
    fallback = None if host_zone is None else (ZoneInfo(host_zone), host_zone, "host's zone")
    return _shown(
        asked,
        written=written,
        invitee=invitee.key if invitee is not None else None,
        fallback=fallback,
    )


async def _shown_booking(
    client: AsyncAstrocal,
    booking: Any,
    asked: ZoneInfo | None,
    written: str | None = None,
    *,
    links: bool = False,
) -> BookingInfo:
    hosts = await _host_zones(client, [booking]) if asked is None and written is None else {}
    shown = _booking_zone(booking, asked, hosts, written)
    return outputs.booking_info(booking, shown, links=links)


@_tool("Create a booking", _CREATES)
async def create_booking(
    ctx: Ctx,
    invitee_name: InviteeName,
    invitee_email: InviteeEmail,
    start_time: Annotated[str | None, Field(description=f"{_INSTANT_TEXT} Or hold_id.")] = None,
    hold_id: Annotated[str | None, Field(description="A hold_slot hold to book.")] = None,
    event_type_id: EventTypeId = None,
    time_zone: Annotated[
        str | None,
        Field(description="Invitee's IANA zone; default: start_time's."),
    ] = None,
    notes: Annotated[str | None, Field(description="For the host.")] = None,
    host_id: Annotated[
        str | None,
        Field(description="Round robin: one of the slot's host_ids."),
    ] = None,
    answers: Annotated[
        dict[str, Any] | None,
        Field(description="By question key (list_event_types)."),
    ] = None,
) -> Annotated[CallToolResult, BookingInfo]:
    """Book a start from check_availability, or a hold; the invitee is emailed. A retry returns the
    same booking."""
    deps = _deps(ctx)
    hold = (hold_id or "").strip()
    if start_time is None and not hold:
        raise ToolError(
            "start_time is required (a start from check_availability), or give hold_id "
            "(from hold_slot)."
        )
    start = None
    if start_time is not None:
        written = start_time
        start = _checked(lambda: parse_instant(written, param="start_time"))
    # The invitee's zone: the one given, else the one the time was written in (an IANA name
    # only: an offset says nothing of daylight saving time).
    zone = _zone_or_none(time_zone) or (bracket_zone(start_time) if start_time else None)
    # A hold names its event type and start: only the ones given are sent (the API checks them).
    evt = (event_type_id or "").strip() if hold else _event_type(deps, event_type_id)
    email = invitee_email.strip()
    invitee: dict[str, Any] = {"name": invitee_name.strip(), "email": email}
    if zone is not None:
        invitee["time_zone"] = zone.key
    body: dict[str, Any] = {"invitee": invitee}
    if evt:
        body["event_type_id"] = evt
    if start is not None:
        body["start"] = start
    if hold:
        body["hold_id"] = hold
    if notes:
        body["notes"] = notes
    host = (host_id or "").strip()
    if host:
        body["host_id"] = host
    if answers:
        body["answers"] = answers
    # A host or answers given are part of the request (other ones make another booking); without
    # them the key stays what it always was, so retries across an upgrade still replay.
    key = _key(
        "create_booking",
        *(["hold", hold] if hold else []),
        evt,
        utc_text(start) if start is not None else "",
        invitee,
        notes or "",
        *([host] if host else []),
        *([answers] if answers else []),
    )
    written_in = zone_written_in(start_time) if start_time else None
    shown_in = zone or (written_in[0] if written_in else None)
    async with deps.clients() as client:
        try:
            response = await client.with_raw_response.bookings.create(**body, idempotency_key=key)
            booking, headline = response.parse(), ""
            if response.idempotent_replayed:
                # An earlier call with these arguments booked it; report its state now.
                booking = await client.bookings.retrieve(booking.id)
                headline = f"Already booked by an earlier call: {booking.id}."
                if booking.status == "cancelled" and not hold:
                    # ...but it was cancelled since, so this is a new request: book anew.
                    booking = await client.bookings.create(
                        **body, idempotency_key=_key(key, booking.id)
                    )
                    headline = ""
            headline = headline or f"Booked {booking.id}."
        except SlotUnavailableError as exc:
            existing = None if start is None else await _find_existing(client, evt, start, email)
            if existing is None:
                raise _fail(deps, exc, "create_booking", shown_in) from None
            booking, headline = existing, f"Already booked by an earlier call: {existing.id}."
        except APIError as exc:
            raise _fail(deps, exc, "create_booking", shown_in) from None
    shown = _booking_zone(booking, _zone_or_none(time_zone), {}, start_time)
    result = outputs.booking_info(booking, shown, links=True)
    return _result(result, render.render_booking(result, headline=headline))


@_tool(
    "Hold a slot",
    ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
    ),
)
async def hold_slot(
    ctx: Ctx,
    start_time: Instant,
    event_type_id: EventTypeId = None,
    duration: Duration = None,
    host_id: HostId = None,
    time_zone: ZoneName = None,
    ttl_seconds: Annotated[int | None, Field(description="60–1800, default 600.")] = None,
) -> Annotated[CallToolResult, HoldInfo]:
    """Reserve a start while you ask the person; then create_booking with hold_id, or release_hold."""
    deps = _deps(ctx)
    start = _checked(lambda: parse_instant(start_time, param="start_time"))
    asked = _zone_or_none(time_zone)
    args: dict[str, Any] = {"event_type_id": _event_type(deps, event_type_id), "start": start}
    for name, value in (("duration", duration), ("ttl_seconds", ttl_seconds)):
        if value is not None:
            args[name] = value
    if host_id and host_id.strip():
        args["host_id"] = host_id.strip()
    shown = _shown(asked, written=start_time)
    async with deps.clients() as client:
        try:
            held = await client.holds.create(**args)
        except APIError as exc:
            raise _fail(deps, exc, "hold_slot", shown.zone) from None
    result = outputs.hold_info(held, shown)
    return _result(result, render.render_hold(result, headline=f"Held {held.id}."))


@_tool("Release a hold", _CHANGES_BOOKING)
async def release_hold(ctx: Ctx, hold_id: HoldId) -> Annotated[CallToolResult, HoldInfo]:
    """Give a held slot back. Releasing twice is safe."""
    deps = _deps(ctx)
    async with deps.clients() as client:
        try:
            held = await client.holds.release(hold_id.strip())
        except APIError as exc:
            raise _fail(deps, exc, "release_hold") from None
    result = outputs.hold_info(held, _shown(None))
    return _result(result, render.render_hold(result, headline=f"{held.id} is {held.status}."))


def _entry_zone(entry: Any, asked: ZoneInfo | None) -> ShownZone:
    return _shown(asked, invitee=getattr(entry.invitee, "time_zone", None))


@_tool("Join the waitlist", _CREATES)
async def join_waitlist(
    ctx: Ctx,
    invitee_name: InviteeName,
    invitee_email: InviteeEmail,
    start_time: Annotated[str | None, Field(description=_INSTANT_TEXT)] = None,
    date: Annotated[str | None, Field(description="Or a day, YYYY-MM-DD.")] = None,
    event_type_id: EventTypeId = None,
    host_id: HostId = None,
    time_zone: ZoneName = None,
) -> Annotated[CallToolResult, WaitlistInfo]:
    """Queue the invitee for a taken start (or day); when it frees they get a hold and an email to
    confirm."""
    deps = _deps(ctx)
    if (start_time is None) == (date is None):
        raise ToolError("Give exactly one of start_time (one start) and date (any start that day).")
    asked = _zone_or_none(time_zone)
    # The invitee's zone, as create_booking reads it: given, else the one the start is written in.
    own = asked or (bracket_zone(start_time) if start_time else None)
    invitee: dict[str, Any] = {"name": invitee_name.strip(), "email": invitee_email.strip()}
    if own is not None:
        invitee["time_zone"] = own.key
    body: dict[str, Any] = {"event_type_id": _event_type(deps, event_type_id), "invitee": invitee}
    if start_time is not None:
        written = start_time
        body["start"] = _checked(lambda: parse_instant(written, param="start_time"))
    else:
        day = date or ""
        body["date"] = _checked(lambda: parse_date(day, param="date"))
    if host_id and host_id.strip():
        body["host_id"] = host_id.strip()
    async with deps.clients() as client:
        try:
            entry = await client.waitlist.create(
                **body, idempotency_key=_key("join_waitlist", body)
            )
        except APIError as exc:
            raise _fail(deps, exc, "join_waitlist", asked) from None
    result = outputs.waitlist_info(entry, _entry_zone(entry, asked))
    return _result(result, render.render_waitlist(result, headline=f"On the waitlist: {entry.id}"))


@_tool("Check the waitlist", READ_ONLY)
async def check_waitlist(
    ctx: Ctx,
    entry_id: Annotated[str | None, Field(description="wl_… from join_waitlist.")] = None,
    invitee_email: Annotated[str | None, Field(description="Or this invitee's entries.")] = None,
    time_zone: ZoneName = None,
) -> Annotated[CallToolResult, WaitlistList]:
    """An entry's status (position, or its hold once promoted), or an invitee's entries."""
    deps = _deps(ctx)
    asked = _zone_or_none(time_zone)
    async with deps.clients() as client:
        try:
            if entry_id and entry_id.strip():
                entries = [await client.waitlist.retrieve(entry_id.strip())]
                more, cursor = False, None
            else:
                email = (invitee_email or "").strip()
                filters: dict[str, Any] = {"invitee_email": email} if email else {}
                page = await client.waitlist.list(limit=20, **filters)
                entries, more, cursor = page.data, bool(page.has_more), page.next_cursor
        except APIError as exc:
            raise _fail(deps, exc, "check_waitlist") from None
    result = WaitlistList(
        entries=[outputs.waitlist_info(e, _entry_zone(e, asked)) for e in entries],
        has_more=more,
        next_cursor=cursor,
    )
    return _result(result, render.render_waitlist(result))


@_tool("Get a booking", READ_ONLY)
async def get_booking(
    ctx: Ctx, booking_id: BookingId, time_zone: ZoneName = None
) -> Annotated[CallToolResult, BookingInfo]:
    """One booking, with the invitee's own links."""
    deps = _deps(ctx)
    asked = _zone_or_none(time_zone)
    async with deps.clients() as client:
        try:
            booking = await client.bookings.retrieve(booking_id.strip())
            result = await _shown_booking(client, booking, asked, links=True)
        except APIError as exc:
            raise _fail(deps, exc, "get_booking") from None
    return _result(result, render.render_booking(result))


def _day_start(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)


@_tool("List bookings", READ_ONLY)
async def list_bookings(
    ctx: Ctx,
    status: Literal["confirmed", "cancelled"] | None = None,
    invitee_email: Annotated[str | None, Field(description="Only this invitee's.")] = None,
    start_date: Annotated[str | None, Field(description="YYYY-MM-DD.")] = None,
    end_date: Annotated[str | None, Field(description="Inclusive.")] = None,
    time_zone: ZoneName = None,
    event_type_id: Annotated[str | None, Field(description="evt_…")] = None,
    host_id: Annotated[str | None, Field(description="host_…")] = None,
    limit: Annotated[int, Field(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Field(description="next_cursor of the previous page.")] = None,
) -> Annotated[CallToolResult, BookingList]:
    """Find bookings, soonest first; days are in time_zone (default UTC)."""
    deps = _deps(ctx)
    asked = _zone_or_none(time_zone)
    day_zone = asked or ZoneInfo("UTC")
    first = _checked(lambda: parse_date(start_date, param="start_date")) if start_date else None
    last = _checked(lambda: parse_date(end_date, param="end_date")) if end_date else None
    if first is not None and last is not None and last < first:
        raise ToolError(f"end_date {last} is before start_date {first}; swap them.")
    filters: dict[str, Any] = {
        "status": status,
        "invitee_email": (invitee_email or "").strip() or None,
        "event_type_id": event_type_id,
        "host_id": host_id,
        "cursor": cursor,
        "start_after": None if first is None else _day_start(first, day_zone),
        "start_before": None if last is None else _day_start(last + timedelta(days=1), day_zone),
    }
    args: dict[str, Any] = {"limit": limit, **{k: v for k, v in filters.items() if v}}
    async with deps.clients() as client:
        try:
            page = await client.bookings.list(**args)
            hosts = await _host_zones(client, page.data) if asked is None else {}
        except APIError as exc:
            raise _fail(deps, exc, "list_bookings") from None
    result = BookingList(
        bookings=[outputs.booking_info(b, _booking_zone(b, asked, hosts)) for b in page.data],
        has_more=bool(page.has_more),
        next_cursor=page.next_cursor,
    )
    return _result(result, render.render_bookings(result))


@_tool("Reschedule a booking", _CHANGES_BOOKING)
async def reschedule_booking(
    ctx: Ctx,
    booking_id: BookingId,
    new_start_time: Instant,
    reason: Annotated[str | None, Field(description="Shown to the invitee.")] = None,
    reassign: Annotated[
        bool | None,
        Field(description="Round robin: to a free host if its own is busy."),
    ] = None,
    time_zone: ZoneName = None,
) -> Annotated[CallToolResult, BookingInfo]:
    """Move a booking to a new open start (same id and length); the invitee is notified."""
    deps = _deps(ctx)
    start = _checked(lambda: parse_instant(new_start_time, param="new_start_time"))
    asked = _zone_or_none(time_zone)
    shown_in: tzinfo | None = asked
    async with deps.clients() as client:
        try:
            current = await client.bookings.retrieve(booking_id.strip())
            shown_in = asked or outputs.invitee_zone(current)
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
            result = await _shown_booking(client, booking, asked, links=True)
        except APIError as exc:
            raise _fail(deps, exc, "reschedule_booking", shown_in) from None
    return _result(result, render.render_booking(result, headline=headline))


@_tool("Cancel a booking", _CHANGES_BOOKING)
async def cancel_booking(
    ctx: Ctx,
    booking_id: BookingId,
    reason: Annotated[str | None, Field(description="Shown to the invitee.")] = None,
) -> Annotated[CallToolResult, BookingInfo]:
    """Cancel a booking; the invitee is notified. Cancelling twice is safe."""
    deps = _deps(ctx)
    args: dict[str, Any] = {"reason": reason} if reason else {}
    async with deps.clients() as client:
        try:
            current = await client.bookings.retrieve(booking_id.strip())
            if current.status == "cancelled":
                booking, headline = current, f"{current.id} was already cancelled; nothing changed."
            else:
                booking = await client.bookings.cancel(current.id, **args)
                headline = f"Cancelled {booking.id}."
            result = await _shown_booking(client, booking, None)
        except APIError as exc:
            raise _fail(deps, exc, "cancel_booking") from None
    return _result(result, render.render_booking(result, headline=headline))


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
            raise ResourceError(str(_fail(deps, exc, "get_booking"))) from None
        info = await _shown_booking(client, booking, None)
    return info.model_dump_json(indent=2, exclude_none=True)


def schedule_meeting(
    invitee_name: Annotated[str, Field(description="The person to meet, as they are called.")],
    invitee_email: Annotated[str, Field(description="Their email address; the invite goes there.")],
    when: Annotated[
        str, Field(description="When, in words, e.g. 'next Tuesday afternoon'.")
    ] = "the next few days",
    time_zone: Annotated[
        str, Field(description="Their IANA time zone, e.g. Europe/Berlin; times are shown in it.")
    ] = "UTC",
) -> str:
    return (
        f"Schedule a meeting with {invitee_name} <{invitee_email}> {when}, in {time_zone}.\n"
        f"1. Call get_current_time with time_zone={time_zone} to know today's date and weekday.\n"
        "2. Call list_event_types to pick the meeting type and see the questions it asks.\n"
        f"3. Call check_availability for the matching dates with timezone={time_zone}.\n"
        "4. Offer at most three slots in local time with weekdays, and wait for a choice.\n"
        f"5. Ask the event type's questions, then call create_booking with the chosen slot's "
        f"start value, invitee_timezone={time_zone} and the answers by key.\n"
        "6. Confirm the booking id and local time. If the slot was taken, offer the alternatives."
    )


class _Prompt(Prompt):
    """A prompt whose missing arguments are an invalid-params error naming them (the SDK's own
    check raises a bare ValueError, which reaches the client as error code 0)."""

    async def render(
        self, arguments: dict[str, Any] | None, context: Context[Any, Any]
    ) -> list[Message] | InputRequiredResult:
        given = arguments or {}
        missing = [a.name for a in self.arguments or () if a.required and not given.get(a.name)]
        if missing:
            described = ", ".join(
                f"{a.name} ({a.description})" for a in self.arguments or () if a.name in missing
            )
            raise MCPError(
                INVALID_PARAMS,
                f"Prompt {self.name} needs {described}; pass them as the prompt's arguments.",
            )
        return await super().render(arguments, context)


# Output shapes several tools return, each written out once in the tool named here; the others'
# output schemas refer to it (the tool list is sent to the model on every session).
_SHAPE_OWNERS = {
    "BookingInfo": "get_booking",
    "SlotInfo": "explain_availability",
    "HoldInfo": "hold_slot",
    "WaitlistInfo": "join_waitlist",
}


def _shared_outputs(tool: Tool) -> dict[str, Any] | None:
    name, schema, model = tool.name, tool.fn_metadata.output_schema, tool.fn_metadata.output_model
    if schema is None:
        return None
    owner = _SHAPE_OWNERS.get(getattr(model, "__name__", ""))
    if owner is not None and owner != name:
        return {"type": "object", "description": f"As {owner}'s output."}
    defs = schema.get("$defs", {})
    for shape, owner in _SHAPE_OWNERS.items():
        if shape in defs and owner != name:
            defs[shape] = {"description": f"As {owner}'s output."}
    return inline_defs(schema)


def _tools() -> list[Tool]:
    made: list[Tool] = []
    for fn, title, hints in _TOOLS:
        description = " ".join(inspect.cleandoc(fn.__doc__ or "").split())
        sent = {k: v for k, v in hints.model_dump().items() if HINT_DEFAULTS.get(k) != v}
        tool = AgentTool.from_function(
            fn, title=title, description=description, annotations=ToolAnnotations(**sent)
        )
        # Optional inputs are plain types: an absent argument says what null would, in fewer tokens.
        compact_schema(tool.parameters, omit_nulls=True)
        tool.fn_metadata.output_schema = _shared_outputs(tool)
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
    server.add_prompt(
        _Prompt.from_function(
            schedule_meeting,
            name="schedule_meeting",
            title="Schedule a meeting",
            description="Find a time with someone and book it, step by step.",
        )
    )
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
