"""``astrocal bookings list|get|create|cancel|reschedule|update``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import CommandGroup
from astrocal_cli.display_fields import BOOKING, BOOKING_ROW
from astrocal_cli.error_reporting import CliError
from astrocal_cli.exit_codes import ExitCode
from astrocal_cli.request_fields import given, parse_answers
from astrocal_cli.resource_commands import get_command as get_command_for
from astrocal_cli.resource_commands import list_command
from astrocal_cli.result_display import show_one
from astrocal_cli.shared_options import (
    EVENT_TYPE,
    EVENT_TYPE_FILTER,
    INVITEE_EMAIL,
    INVITEE_EMAIL_FILTER,
    INVITEE_NAME,
    START,
    IdempotencyKey,
    InviteeZone,
    ListFilter,
    Metadata,
    Start,
    api_time,
    host_option,
    invitee_fields,
    metadata_param,
    request_options,
    status_filter,
)

__all__ = ["register"]

GROUP = CommandGroup("bookings", "Bookings: create, look up, reschedule and cancel.")
register = GROUP.register

IdArg = Annotated[str, typer.Argument(metavar="BOOKING_ID", help="bk_…")]
Guests = Annotated[
    list[str] | None, typer.Option("--guest", metavar="EMAIL", help="A guest (repeatable).")
]
Notes = Annotated[str | None, typer.Option()]
Reason = Annotated[str | None, typer.Option(help="Told to the invitee.")]


def _show_booking(cli: Cli, waiting: str, operation: Callable[[Any], Any], title: str) -> None:
    """Run ``operation`` (``waiting`` under the spinner) and show the booking it answers."""
    show_one(cli, cli.call(waiting, operation), BOOKING, title=title)


GROUP.add("list", list_command(
    "bookings", BOOKING_ROW, "Bookings", "No bookings match.", "List bookings, ordered by start.",
    status_filter("confirmed or cancelled."), EVENT_TYPE_FILTER,
    ListFilter("host", str, host_option("Only bookings occupying this host."), "host_id"),
    INVITEE_EMAIL_FILTER,
    ListFilter("after", str, typer.Option("--after", help="Starting at or after."), "start_after",
               api_time),
    ListFilter("before", str, typer.Option("--before", help="Starting before."), "start_before",
               api_time),
))  # fmt: skip


GROUP.add("get", get_command_for("bookings", IdArg, BOOKING, "Booking"))


@GROUP.command("create")
def create_command(
    cli: Cli,
    name: Annotated[str, INVITEE_NAME],
    email: Annotated[str, INVITEE_EMAIL],
    event_type: Annotated[str | None, EVENT_TYPE] = None,
    start: Annotated[str | None, START] = None,
    hold: Annotated[
        str | None,
        typer.Option(
            "--hold",
            metavar="HOLD_ID",
            help="Book what this hold reserves (`astrocal holds create`); then --event-type and "
            "--start may be left out.",
        ),
    ] = None,
    invitee_tz: InviteeZone = None,
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
    """Book a start that `astrocal availability` shows (409 with free alternatives if taken), or
    a hold with --hold."""
    if not hold and not (event_type and start):
        raise CliError("Give --event-type and --start, or --hold HOLD_ID.", ExitCode.USAGE)
    params = given(
        event_type_id=event_type,
        start=api_time(cli, start),
        hold_id=hold,
        invitee=invitee_fields(cli, name, email, invitee_tz),
        guests=guest or None,
        notes=notes,
        duration=duration,
        host_id=host,
        metadata=metadata_param(metadata),
    )
    if answer:
        # The event type's questions say how to type each value (12 is a number or a text).
        evt = (
            event_type
            or (cli.call("Reading the hold", lambda c: c.holds.retrieve(hold)).data)[
                "event_type_id"
            ]
        )
        asked = cli.call("Reading the questions", lambda c: c.event_types.retrieve(evt))
        params["answers"] = parse_answers(answer, (asked.data or {}).get("questions") or [])
    _show_booking(
        cli,
        "Booking",
        lambda c: c.bookings.create(**params, **request_options(idempotency_key)),
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
    params = given(start=api_time(cli, start), reason=reason, reassign=reassign or None)
    _show_booking(
        cli, "Rescheduling", lambda c: c.bookings.reschedule(booking_id, **params), "Rescheduled"
    )


@GROUP.command("update")
def update_command(
    cli: Cli,
    booking_id: IdArg,
    notes: Notes = None,
    metadata: Metadata = None,
    name: Annotated[str | None, INVITEE_NAME] = None,
    invitee_tz: Annotated[
        str | None, typer.Option("--invitee-tz", help="The invitee's zone.")
    ] = None,
    guest: Guests = None,
) -> None:
    """Change a booking's notes, metadata, guests or invitee name/zone."""
    invitee = given(name=name, time_zone=invitee_tz)
    params = given(
        notes=notes,
        metadata=metadata_param(metadata),
        invitee=invitee or None,
        guests=guest or None,
    )
    _show_booking(cli, "Updating", lambda c: c.bookings.update(booking_id, **params), "Updated")
