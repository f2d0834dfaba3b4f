"""Short text renderings of the tools' results (the ``content`` a model reads next to
``structuredContent``): every id and time it needs to act on, nothing else. Pure."""

from __future__ import annotations

from astrocal_mcp.models import (
    AvailabilityResult,
    BookingInfo,
    BookingList,
    BookingWithLinks,
    CurrentTime,
    EventTypeList,
    Explanation,
    HostList,
    SlotInfo,
)

__all__ = [
    "render_availability",
    "render_booking",
    "render_bookings",
    "render_event_types",
    "render_explanation",
    "render_hosts",
    "render_slot",
    "render_time",
]

MAX_SLOTS_IN_TEXT = 40


def render_time(t: CurrentTime) -> str:
    dst = "daylight saving time" if t.is_dst else "standard time"
    return (
        f"It is {t.weekday} {t.date}, {t.time} in {t.time_zone} (UTC{t.utc_offset}, {t.abbreviation}, "
        f"{dst}). Now: {t.now} = {t.now_utc}. Tomorrow: {t.tomorrow}."
    )


def render_event_types(result: EventTypeList) -> str:
    if not result.event_types:
        return "No event types exist yet; create one in the Astrocal dashboard or API first."
    lines = []
    for et in result.event_types:
        extras = []
        if et.duration_options:
            extras.append("durations " + "/".join(str(d) for d in et.duration_options))
        if not et.active:
            extras.append("inactive")
        if et.is_default:
            extras.append("default")
        if et.host_ids:
            extras.append(f"{et.assignment} team of {', '.join(et.host_ids)}")
        suffix = f" ({', '.join(extras)})" if extras else ""
        lines.append(f"- {et.id}: {et.title}, {et.duration_minutes} min{suffix}")
    return "Event types:\n" + "\n".join(lines)


def render_hosts(result: HostList) -> str:
    if not result.hosts:
        return "No host matches."
    lines = []
    for host in result.hosts:
        extras = [f"external_id {host.external_id}"] if host.external_id else []
        if host.is_default:
            extras.append("default")
        if not host.active:
            extras.append("inactive")
        suffix = f" ({', '.join(extras)})" if extras else ""
        lines.append(f"- {host.id}: {host.name}, {host.time_zone}{suffix}")
    more = f"\nMore: pass cursor {result.next_cursor}." if result.has_more else ""
    return "Hosts:\n" + "\n".join(lines) + more


def render_slot(slot: SlotInfo) -> str:
    seats = f", {slot.seats_remaining} seats left" if slot.seats_remaining is not None else ""
    hosts = f", free hosts {', '.join(slot.host_ids)}" if slot.host_ids else ""
    return f"{slot.weekday} {slot.local_start[:16].replace('T', ' ')}–{slot.local_end[11:16]} (start_time {slot.start}){seats}{hosts}"


def render_availability(result: AvailabilityResult) -> str:
    head = (
        f"{len(result.slots)} open slot(s) for {result.event_type_id} from {result.start_date} to "
        f"{result.end_date}, local times in {result.time_zone}"
    )
    if not result.slots:
        text = head + ". Try a later or wider date range."
    else:
        shown = result.slots[:MAX_SLOTS_IN_TEXT]
        text = head + ":\n" + "\n".join("- " + render_slot(s) for s in shown)
        if len(result.slots) > len(shown):
            text += f"\n… and {len(result.slots) - len(shown)} more (see structured content)."
    if result.warnings:
        text += "\nWarnings: " + "; ".join(result.warnings)
    return text


def render_explanation(result: Explanation) -> str:
    if result.available:
        hosts = f" (free hosts: {', '.join(result.host_ids)})" if result.host_ids else ""
        return (
            f"{result.start_time} is available for {result.event_type_id}{hosts}; "
            "create_booking with it."
        )
    reasons = "\n".join(
        f"- {r.host_id + ': ' if r.host_id else ''}{r.code}: {r.message}" for r in result.reasons
    )
    text = f"{result.start_time} is not available for {result.event_type_id}:\n{reasons}"
    if result.alternatives:
        text += "\nNearest open slots:\n" + "\n".join(
            "- " + render_slot(s) for s in result.alternatives
        )
    return text


def render_booking(b: BookingInfo, *, headline: str | None = None) -> str:
    local = f" ({b.weekday} {b.local_start} {b.invitee_timezone})" if b.local_start else ""
    lines = [
        headline or f"Booking {b.id}",
        f"id: {b.id}, status: {b.status}, event type: {b.event_type_id}",
        f"time: {b.start} – {b.end}{local}",
        f"invitee: {b.invitee_name} <{b.invitee_email}>",
    ]
    if b.hosts:
        label = "host" if len(b.hosts) == 1 else "hosts"
        named = ", ".join(
            f"{h.name} <{h.email}> ({h.id})" if h.email else f"{h.name} ({h.id})" for h in b.hosts
        )
        lines.append(f"{label}: {named}")
    if b.location:
        lines.append(f"location: {b.location}")
    if b.notes:
        lines.append(f"notes: {b.notes}")
    if b.previous_start:
        lines.append(f"previously: {b.previous_start}")
    if b.cancelled_at:
        reason = f" ({b.cancel_reason})" if b.cancel_reason else ""
        lines.append(f"cancelled at {b.cancelled_at}{reason}")
    if isinstance(b, BookingWithLinks) and b.manage_url:
        lines.append(
            "the invitee's own links (no API key; give them only to the invitee): "
            f"manage {b.manage_url}, cancel {b.cancel_url}, reschedule {b.reschedule_url}"
        )
    return "\n".join(lines)


def render_bookings(result: BookingList) -> str:
    if not result.bookings:
        return "No bookings match."
    lines = [
        f"- {b.id}: {b.status}, {b.start}, {b.invitee_name} <{b.invitee_email}>, {b.event_type_id}"
        + (f", with {', '.join(h.name for h in b.hosts)}" if b.hosts else "")
        for b in result.bookings
    ]
    more = f"\nMore: call again with cursor={result.next_cursor}" if result.has_more else ""
    return f"{len(result.bookings)} booking(s):\n" + "\n".join(lines) + more
