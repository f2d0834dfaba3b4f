"""``astrocal waitlist join|list|get|leave``: queue a person for a taken start (or day); when it
frees they are promoted with a hold and an email to confirm."""

from __future__ import annotations

from typing import Annotated

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import CommandGroup
from astrocal_cli.display_fields import WAITLIST_ENTRY, WAITLIST_ENTRY_ROW
from astrocal_cli.error_reporting import CliError
from astrocal_cli.exit_codes import ExitCode
from astrocal_cli.request_fields import given
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
    Metadata,
    api_time,
    invitee_fields,
    metadata_param,
    request_options,
    status_filter,
)

__all__ = ["register"]

GROUP = CommandGroup(
    "waitlist", "Waitlist: queue a person for a taken time; promoted with a hold when it frees."
)
register = GROUP.register

IdArg = Annotated[str, typer.Argument(metavar="ENTRY_ID", help="wl_…")]


@GROUP.command("join")
def join_command(
    cli: Cli,
    event_type: Annotated[str, EVENT_TYPE],
    name: Annotated[str, INVITEE_NAME],
    email: Annotated[str, INVITEE_EMAIL],
    start: Annotated[str | None, START] = None,
    day: Annotated[
        str | None,
        typer.Option("--date", metavar="YYYY-MM-DD", help="Or any start on this day."),
    ] = None,
    invitee_tz: InviteeZone = None,
    host: Annotated[
        str | None, typer.Option("--host", metavar="HOST_ID", help="Round robin: this host.")
    ] = None,
    metadata: Metadata = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Wait for a taken --start (or any start on --date); 409 slot_available if it is open."""
    if (start is None) == (day is None):
        raise CliError("Give exactly one of --start and --date.", ExitCode.USAGE)
    params = given(
        event_type_id=event_type,
        invitee=invitee_fields(cli, name, email, invitee_tz),
        start=api_time(cli, start),
        date=day,
        host_id=host,
        metadata=metadata_param(metadata),
    )
    result = cli.call(
        "Joining the waitlist",
        lambda c: c.waitlist.create(**params, **request_options(idempotency_key)),
    )
    show_one(cli, result, WAITLIST_ENTRY, title="On the waitlist")


GROUP.add("list", list_command(
    "waitlist", WAITLIST_ENTRY_ROW, "Waitlist", "No entries match.",
    "List waitlist entries in queue order.",
    status_filter("waiting, promoted, booked, expired or cancelled."), EVENT_TYPE_FILTER,
    INVITEE_EMAIL_FILTER, waiting="Fetching the waitlist",
))  # fmt: skip


GROUP.add("get", get_command_for("waitlist", IdArg, WAITLIST_ENTRY, "Waitlist entry"))


@GROUP.command("leave")
def leave_command(cli: Cli, entry_id: IdArg) -> None:
    """Take an entry off the queue (a promoted one's hold is released for the next)."""
    result = cli.call("Leaving the waitlist", lambda c: c.waitlist.delete(entry_id))
    show_one(cli, result, WAITLIST_ENTRY, title="Left the waitlist")
