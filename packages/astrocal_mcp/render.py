"""Short text renderings of the tools' results (the ``content`` a model reads next to
``structuredContent``): every id and time it needs to act on, nothing else. Pure."""

from __future__ import annotations

from astrocal_mcp.models import (
    AvailabilityResult,
    BookingInfo,
    BookingList,
    CurrentTime,
    DaySlots,
    EventTypeList,
    Explanation,
    HoldInfo,
    HostList,
    QuestionInfo,
    SlotInfo,
    WaitlistInfo,
    WaitlistList,
)

__all__ = [
    "answer_text",
    "render_availability",
    "render_booking",
    "render_bookings",
    "render_event_types",
    "render_explanation",
    "render_hold",
    "render_hosts",
    "render_slot",
    "render_time",
    "render_waitlist",
]


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
        if et.questions:
            lines.append("  Ask when booking (create_booking answers, by key):")
            lines += [f"  - {_question(q)}" for q in et.questions]
    return "Event types:\n" + "\n".join(lines)


def _question(q: QuestionInfo) -> str:
    shape = {
        "number": "a number",
        "checkbox": "true/false",
        "date": "YYYY-MM-DD",
        "multi_select": "a list of: " + " | ".join(q.options or []),
        "single_select": "one of: " + " | ".join(q.options or []),
    }.get(q.type, q.type.replace("_", " "))
    need = "required" if q.required else "optional"
    hint = f" Hint: {q.help_text}" if q.help_text else ""
    return f"{q.key}: {q.label!r} ({need}; {shape}).{hint}"


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
    local = slot.local.replace("T", " ")
    return f"{slot.weekday[:3]} {local} (start_time {slot.start}){seats}{hosts}"


def _day_line(day: DaySlots) -> str:
    starts = []
    for start in day.starts:
        extra = []
        if day.seats_remaining and start in day.seats_remaining:
            extra.append(f"{day.seats_remaining[start]} seats")
        if day.free_hosts and start in day.free_hosts:
            extra.append("+".join(day.free_hosts[start]))
        starts.append(f"{start} ({', '.join(extra)})" if extra else start)
    return f"{day.weekday[:3]} {day.date} (UTC{day.utc_offset}): {' '.join(starts)}"


def render_availability(result: AvailabilityResult) -> str:
    """Every slot, one line per local day; the duration and how to write a start stated once."""
    length = f"{result.duration_minutes}-min " if result.duration_minutes else ""
    head = (
        f"{result.slot_count} open {length}slot(s) for {result.event_type_id}, "
        f"{result.start_date} to {result.end_date}, times in {result.time_zone} "
        f"(from the {result.time_zone_source})"
    )
    if not result.days:
        text = f"{head}. None: {result.none_because or 'every time in the range is taken.'}"
    else:
        text = f"{head}. start_time = {result.start_time_format}.\n" + "\n".join(
            _day_line(d) for d in result.days
        )
    if result.warnings:
        text += "\nWarnings: " + "; ".join(result.warnings)
    return text


def render_explanation(result: Explanation) -> str:
    when = f"{result.local_time} (start_time {result.start_time})"
    if result.available:
        hosts = f" (free hosts: {', '.join(result.host_ids)})" if result.host_ids else ""
        return (
            f"{when} is available for {result.event_type_id}{hosts}; book it with create_booking."
        )
    reasons = "\n".join(
        f"- {r.host_id + ': ' if r.host_id else ''}{r.message} ({r.code})" for r in result.reasons
    )
    text = f"{when} is not available for {result.event_type_id}:\n{reasons}"
    if result.working_hours:
        text += f"\nWorking hours: {result.working_hours}."
    for label, slots in (("Nearest open before", result.before), ("after", result.after)):
        if slots:
            text += f"\n{label}: " + "; ".join(render_slot(s) for s in slots)
    if not result.before and not result.after:
        text += "\nNo open slot within three days of it; try check_availability on other dates."
    return text


def _heading(kind: str, obj: BookingInfo | HoldInfo, headline: str | None) -> list[str]:
    """The first lines of a booking's or a hold's text: the headline, then what it is."""
    return [
        headline or f"{kind} {obj.id}",
        f"id: {obj.id}, status: {obj.status}, event type: {obj.event_type_id}",
    ]


def _labelled(*pairs: tuple[str, object]) -> list[str]:
    """``label: value`` lines of the values that are set, in order."""
    return [f"{label}: {value}" for label, value in pairs if value]


def render_booking(b: BookingInfo, *, headline: str | None = None) -> str:
    lines = [
        *_heading("Booking", b, headline),
        f"time: {b.when} (times in {b.time_zone}, from the {b.time_zone_source})",
        f"invitee: {b.invitee_name} <{b.invitee_email}>",
    ]
    if b.hosts:
        label = "host" if len(b.hosts) == 1 else "hosts"
        named = ", ".join(
            f"{h.name} <{h.email}> ({h.id})" if h.email else f"{h.name} ({h.id})" for h in b.hosts
        )
        lines.append(f"{label}: {named}")
    lines += _labelled(("location", b.location), ("notes", b.notes))
    if b.answers:
        lines.append(
            "answers: " + "; ".join(f"{k}: {answer_text(v)}" for k, v in b.answers.items())
        )
    if b.previously:
        lines.append(f"previously: {b.previously}")
    if b.cancelled_at:
        reason = f" ({b.cancel_reason})" if b.cancel_reason else ""
        lines.append(f"cancelled: {b.cancelled_at}{reason}")
    if b.manage_url:
        lines.append(
            "the invitee's own links (no API key; give them only to the invitee): "
            f"manage {b.manage_url}, cancel {b.cancel_url}, reschedule {b.reschedule_url}"
        )
    return "\n".join(lines)


def answer_text(value: object) -> str:
    """An answer as it reads: yes/no, a multi_select's options joined by commas, else as is."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def render_bookings(result: BookingList) -> str:
    if not result.bookings:
        return "No bookings match."
    lines = [
        f"- {b.id}: {b.status}, {b.when}, {b.invitee_name} <{b.invitee_email}>, {b.event_type_id}"
        + (f", with {', '.join(h.name for h in b.hosts)}" if b.hosts else "")
        for b in result.bookings
    ]
    more = f"\nMore: call again with cursor={result.next_cursor}" if result.has_more else ""
    return f"{len(result.bookings)} booking(s):\n" + "\n".join(lines) + more


def render_hold(h: HoldInfo, *, headline: str | None = None) -> str:
    lines = [*_heading("Hold", h, headline), f"time: {h.when}", f"expires: {h.expires}"]
    lines += _labelled(("hosts", ", ".join(h.host_ids or [])), ("booking", h.booking_id))
    if not h.booking_id and h.status == "active":
        lines.append("Book it with create_booking and this hold_id before it expires.")
    return "\n".join(lines)


def _entry_line(e: WaitlistInfo) -> str:
    parts = [f"{e.id}: {e.status}", f"waiting for {e.waiting_for}", e.invitee_email]
    if e.position is not None:
        parts.append(f"position {e.position}")
    if e.hold_id:
        parts.append(f"hold {e.hold_id} until {e.hold_expires}")
    if e.booking_id:
        parts.append(f"booking {e.booking_id}")
    if e.confirm_url:
        parts.append(f"invitee's confirm link {e.confirm_url}")
    return ", ".join(parts)


def render_waitlist(result: WaitlistList | WaitlistInfo, *, headline: str | None = None) -> str:
    entries = result.entries if isinstance(result, WaitlistList) else [result]
    if not entries:
        return "No waitlist entries match."
    lines = [f"- {_entry_line(e)}" for e in entries]
    more = ""
    if isinstance(result, WaitlistList) and result.has_more:
        more = f"\nMore: pass cursor {result.next_cursor}."
    return (headline or f"{len(entries)} waitlist entr{'y' if len(entries) == 1 else 'ies'}:") + (
        "\n" + "\n".join(lines) + more
    )
