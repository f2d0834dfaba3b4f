"""``astrocal bookings list|get|create|cancel|reschedule|update``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import CommandGroup
from astrocal_cli.display_fields import BOOKING, BOOKING_ROW
from astrocal_cli.request_fields import given, parse_answers, parse_metadata
from astrocal_cli.resource_commands import get_command as get_command_for
from astrocal_cli.result_display import show_one, show_page
from astrocal_cli.shared_options import Paging, host_option
from astrocal_cli.user_times import parse_instant, to_api_time, zone_name

__all__ = ["register"]

GROUP = CommandGroup("bookings", "Bookings: create, look up, reschedule and cancel.")
register = GROUP.register

IdArg = Annotated[str, typer.Argument(metavar="BOOKING_ID", help="bk_…")]
Start = Annotated[
    str,
    typer.Option(
        "--start",
        metavar="TIME",
        help="RFC 3339 (2026-04-15T14:00:00Z) or a wall time read in --tz ('2026-04-15 16:00').",
    ),
]
Metadata = Annotated[
    list[str] | None, typer.Option("--metadata", metavar="KEY=VALUE", help="Repeatable.")
]
Guests = Annotated[
    list[str] | None, typer.Option("--guest", metavar="EMAIL", help="A guest (repeatable).")
]
IdempotencyKey = Annotated[
    str | None,
    typer.Option("--idempotency-key", help="Make a retried command safe (default: one per call)."),
]
Notes = Annotated[str | None, typer.Option()]
Reason = Annotated[str | None, typer.Option(help="Told to the invitee.")]
# Required when booking, a filter when listing: one declaration, two optionalities.
_EVENT_TYPE = typer.Option("--event-type", metavar="EVT_ID", help="The event type (evt_…).")
_EMAIL = typer.Option("--email", metavar="EMAIL", help="The invitee's email.")
_NAME = typer.Option("--name", metavar="NAME", help="The invitee's name.")


def _time(cli: Cli, text: str | None) -> str | None:
    return to_api_time(parse_instant(text, cli.tz)) if text else None


def _request_options(idempotency_key: str | None) -> dict[str, Any]:
    return {"idempotency_key": idempotency_key} if idempotency_key else {}


def _show_booking(cli: Cli, waiting: str, operation: Callable[[Any], Any], title: str) -> None:
    """Run ``operation`` (``waiting`` under the spinner) and show the booking it answers."""
    show_one(cli, cli.call(waiting, operation), BOOKING, title=title)


@GROUP.command("list")
def list_command(
    cli: Cli,
    status: Annotated[
        str | None, typer.Option(help="confirmed or cancelled.", metavar="STATUS")
    ] = None,
    event_type: Annotated[str | None, _EVENT_TYPE] = None,
    host: Annotated[str | None, host_option("Only bookings occupying this host.")] = None,
    email: Annotated[str | None, _EMAIL] = None,
    after: Annotated[str | None, typer.Option("--after", help="Starting at or after.")] = None,
    before: Annotated[str | None, typer.Option("--before", help="Starting before.")] = None,
    *,
    page: Paging,
) -> None:
    """List bookings, ordered by start."""
    params = given(
        status=status,
        event_type_id=event_type,
        host_id=host,
        invitee_email=email,
        start_after=_time(cli, after),
        start_before=_time(cli, before),
        **page.params(),
    )
    result = cli.call("Fetching bookings", lambda c: c.bookings.list(**params))
    show_page(cli, result, BOOKING_ROW, title="Bookings", empty="No bookings match.")


GROUP.add("get", get_command_for("bookings", IdArg, BOOKING, "Booking"))


@GROUP.command("create")
def create_command(
    cli: Cli,
    event_type: Annotated[str, _EVENT_TYPE],
    start: Start,
    name: Annotated[str, _NAME],
    email: Annotated[str, _EMAIL],
    invitee_tz: Annotated[
        str | None,
        typer.Option(
            "--invitee-tz",
            metavar="ZONE",
            help="The invitee's zone (default: --tz or the local zone).",
        ),
    ] = None,
    guest: Guests = None,
    notes: Notes = None,
    duration: Annotated[
        int | None, typer.Option(help="Minutes, if the event type offers several.")
    ] = None,
    host: Annotated[
        str | None,
        host_option(
            "Round robin: book this host (one of the slot's free hosts; 409 if busy). "
            "Default: the event type's assignment rule picks."
        ),
    ] = None,
    answer: Annotated[
        list[str] | None,
        typer.Option(
            "--answer",
            metavar="KEY=VALUE",
            help="An answer to one of the event type's questions (repeatable; repeat a "
            "multi_select's key for each option). Numbers and yes/no are typed for you.",
        ),
    ] = None,
    metadata: Metadata = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Book a start that `astrocal availability` shows (409 with free alternatives if taken)."""
    zone = invitee_tz or zone_name(cli.tz)
    invitee = given(
        name=name, email=email, time_zone=zone if "/" in zone or zone == "UTC" else None
    )
    params = given(
        event_type_id=event_type,
        start=_time(cli, start),
        invitee=invitee,
        guests=guest or None,
        notes=notes,
        duration=duration,
        host_id=host,
        metadata=parse_metadata(metadata) if metadata else None,
    )
    if answer:
        # The event type's questions say how to type each value (12 is a number or a text).
        asked = cli.call("Reading the questions", lambda c: c.event_types.retrieve(event_type))
        params["answers"] = parse_answers(answer, (asked.data or {}).get("questions") or [])
    _show_booking(
        cli,
        "Booking",
        lambda c: c.bookings.create(**params, **_request_options(idempotency_key)),
        "Booked",
    )


@GROUP.command("cancel", confirm=True)
def cancel_command(
    cli: Cli,
    booking_id: IdArg,
    reason: Reason = None,
) -> None:
    """Cancel a booking (asks first); the invitee is told and the slot is free again."""
    cli.confirm(f"Cancel booking {booking_id}? The invitee will be notified.")
    params = given(reason=reason)
    _show_booking(cli, "Cancelling", lambda c: c.bookings.cancel(booking_id, **params), "Cancelled")


@GROUP.command("reschedule")
def reschedule_command(
    cli: Cli,
    booking_id: IdArg,
    start: Start,
    reason: Reason = None,
    reassign: Annotated[
        bool,
        typer.Option(
            "--reassign",
            help="Round robin: if the booking's host is busy then, move it to another free host.",
        ),
    ] = False,
) -> None:
    """Move a booking to another open start; it keeps its id (and its host, unless --reassign)."""
    params = given(start=_time(cli, start), reason=reason, reassign=reassign or None)
    _show_booking(
        cli, "Rescheduling", lambda c: c.bookings.reschedule(booking_id, **params), "Rescheduled"
    )


@GROUP.command("update")
def update_command(
    cli: Cli,
    booking_id: IdArg,
    notes: Notes = None,
    metadata: Metadata = None,
    name: Annotated[str | None, _NAME] = None,
    invitee_tz: Annotated[
        str | None, typer.Option("--invitee-tz", help="The invitee's zone.")
    ] = None,
    guest: Guests = None,
) -> None:
    """Change a booking's notes, metadata, guests or invitee name/zone."""
    invitee = given(name=name, time_zone=invitee_tz)
    params = given(
        notes=notes,
        metadata=parse_metadata(metadata) if metadata else None,
        invitee=invitee or None,
        guests=guest or None,
    )
    _show_booking(cli, "Updating", lambda c: c.bookings.update(booking_id, **params), "Updated")
