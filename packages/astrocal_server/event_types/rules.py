"""Pure event type rules: duration options, references to the caller's calendars, slug clashes,
the shape of a team (hosts, assignment, schedule), the location. No I/O: the service loads what the
rules look at.

Locations of type ``google_meet`` / ``microsoft_teams`` (``locations.ROOM_PROVIDERS``) take no
``value``: each booking gets its own room from the provider of a destination calendar, so such an
event type needs a destination calendar on a connection of that provider.

A *team* event type is one with ``hosts``: ``single`` with exactly one listed host (that host, not
the account's default one), ``collective`` or ``round_robin`` with 1–50. Only a team may have
``schedule_id`` null (each host then works its own default schedule).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from astrocal_server.errors import Conflict, conflict, invalid_param, not_found
from astrocal_server.locations import ROOM_PROVIDERS
from astrocal_server.storage.models import CalendarConnection, Host

__all__ = [
    "CalendarRefs",
    "calendar_refs",
    "check_at_most",
    "check_calendar_refs",
    "check_conference_destination",
    "check_durations",
    "check_host_rows",
    "check_location",
    "check_team",
    "first_repeat",
    "slug_taken",
]

_PROVIDER_LABELS = {"google": "Google Calendar", "microsoft": "Microsoft (Outlook) calendar"}

# (request param, {"connection_id": …, "calendar_id": …}) in the order they are checked.
CalendarRefs = list[tuple[str, dict[str, Any]]]


def check_durations(duration_minutes: int, options: Sequence[int] | None) -> None:
    """``duration_options`` lists each duration once and includes ``duration_minutes``."""
    if options is None:
        return
    if len(set(options)) != len(options):
        raise invalid_param(
            "duration_options", "duration_options lists a duration twice; list each once."
        )
    if duration_minutes not in options:
        raise invalid_param(
            "duration_options",
            f"duration_options must include duration_minutes ({duration_minutes}); add it to the list.",
        )


def calendar_refs(
    conflict_calendars: Sequence[dict[str, Any]], destination_calendar: dict[str, Any] | None
) -> CalendarRefs:
    refs: CalendarRefs = [(f"conflict_calendars.{i}", c) for i, c in enumerate(conflict_calendars)]
    if destination_calendar:
        refs.append(("destination_calendar", destination_calendar))
    return refs


def check_calendar_refs(refs: CalendarRefs, connections: Mapping[str, CalendarConnection]) -> None:
    """Each ref names one of the caller's ``connections`` and one of its calendars (when the
    connection has listed them); bookings can only be written to a writable calendar."""
    for param, ref in refs:
        connection = connections.get(ref["connection_id"])
        if connection is None:
            raise not_found(
                "calendar connection", ref["connection_id"], param=f"{param}.connection_id"
            )
        calendars = {str(c.get("id")): c for c in connection.calendars or []}
        if calendars and ref["calendar_id"] not in calendars:
            raise invalid_param(
                f"{param}.calendar_id",
                f"Calendar {ref['calendar_id']!r} is not one of connection {connection.id}'s calendars: {', '.join(sorted(calendars))}.",
            )
        chosen = calendars.get(ref["calendar_id"])
        if param == "destination_calendar" and chosen and chosen.get("read_only"):
            writable = sorted(i for i, c in calendars.items() if not c.get("read_only"))
            raise invalid_param(
                "destination_calendar.calendar_id",
                f"Calendar {ref['calendar_id']!r} is read-only, so bookings cannot be written to it; "
                f"choose a writable calendar of connection {connection.id}"
                + (f": {', '.join(writable)}." if writable else " (it has none)."),
            )


def check_at_most(items: Sequence[Any], field: str, most: int) -> None:
    """400 on ``field`` when an event type lists more than ``most`` of its ``field``."""
    if len(items) > most:
        raise invalid_param(
            field,
            f"An event type has at most {most} {field}; this one lists {len(items)}. Remove some.",
        )


def first_repeat(values: Iterable[str]) -> tuple[int, int] | None:
    """The positions of the first value given again: (where it first stands, where again)."""
    first_at: dict[str, int] = {}
    for i, value in enumerate(values):
        if value in first_at:
            return first_at[value], i
        first_at[value] = i
    return None


def slug_taken(slug: str) -> Conflict:
    return conflict(
        "slug_taken",
        f"Another event type in this account already uses the slug {slug!r}; choose another slug.",
        param="slug",
    )


def check_team(
    hosts: Sequence[Mapping[str, Any]],
    assignment: str,
    schedule_id: str | None,
) -> None:
    """Each host listed once; a team assignment has hosts, ``single`` at most one; ``schedule_id``
    null only with hosts. (The schema bounds the list at 50 and each priority and weight.)"""
    repeat = first_repeat(str(host["host_id"]) for host in hosts)
    if repeat is not None:
        first, i = repeat
        raise invalid_param(
            f"hosts.{i}.host_id",
            f"Host {hosts[i]['host_id']} is listed twice (hosts.{first} and hosts.{i}); "
            "list each host once.",
        )
    if assignment != "single" and not hosts:
        raise invalid_param(
            "hosts",
            f"A {assignment} event type needs 1–50 hosts; list them in hosts "
            '([{"host_id": "host_…"}]), or use assignment single.',
        )
    if assignment == "single" and len(hosts) > 1:
        raise invalid_param(
            "assignment",
            f"assignment single books one host, but hosts lists {len(hosts)}; use collective "
            "(every host) or round_robin (one of them), or list one host.",
        )
    if schedule_id is None and not hosts:
        raise invalid_param(
            "schedule_id",
            "schedule_id may be null only for event types with hosts (each then works its own "
            "default schedule); pass a schedule id.",
        )


def check_host_rows(
    hosts: Sequence[Mapping[str, Any]],
    found: Mapping[str, Host],
    *,
    own_schedules: bool,
) -> None:
    """Each listed host is one of ``found`` (the caller's hosts, not deleted) and active; with
    ``own_schedules`` (no ``schedule_id``) each has a default schedule to work."""
    for i, ref in enumerate(hosts):
        param = f"hosts.{i}.host_id"
        host = found.get(str(ref["host_id"]))
        if host is None:
            raise not_found("host", str(ref["host_id"]), param=param)
        if not host.active:
            raise invalid_param(
                param,
                f"Host {host.id} is deactivated and cannot be booked; reactivate it "
                "(PATCH /v1/hosts/{id} with active true) or remove it from hosts.",
            )
        if own_schedules and host.default_schedule_id is None:
            raise invalid_param(
                param,
                f"Host {host.id} has no default schedule, and the event type has no schedule_id; "
                "give the event type a schedule_id, or the host a default schedule.",
            )


def check_location(location: Mapping[str, Any] | None) -> None:
    """A fixed location has its ``value``; a per-booking room (Meet, Teams) has none."""
    if not location:
        return
    kind = str(location.get("type"))
    if kind in ROOM_PROVIDERS:
        if location.get("value") is not None:
            raise invalid_param(
                "location.value",
                f"A {kind} location takes no value: every booking gets its own room, whose link "
                "is the booking's location.join_url. Leave value out (or use type video with a "
                "fixed link).",
            )
    elif location.get("value") is None:
        raise invalid_param(
            "location.value",
            f"A {kind} location needs a value (the address, number, link or text); add it.",
        )


def check_conference_destination(
    location: Mapping[str, Any] | None, destination_providers: Sequence[str]
) -> None:
    """A Meet / Teams location needs a destination calendar of that provider among the ones a
    booking is written to (``destination_providers``: their connections' providers)."""
    kind = str((location or {}).get("type"))
    provider = ROOM_PROVIDERS.get(kind)
    if provider is None or provider in destination_providers:
        return
    raise invalid_param(
        "location.type",
        f"location.type {kind} needs a {_PROVIDER_LABELS[provider]} to make the room in: set "
        f"destination_calendar to a calendar of a {provider} calendar connection (or give the "
        "hosts one), or choose another location type.",
    )
