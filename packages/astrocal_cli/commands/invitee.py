"""``astrocal invitee show|slots|cancel|reschedule LINK``: a booking as its invitee acts on it.

``LINK`` is a booking's invitee link (``manage_url``, ``cancel_url``, ``reschedule_url``, or your own
page's URL from the account's template) or the bare token in it. These commands need no API key:
the token is the credential (a saved profile still gives the base URL).
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import CommandGroup
from astrocal_cli.commands.availability import (
    DateOption,
    FromOption,
    ToOption,
    dates_query,
    slots_table,
)
from astrocal_cli.display_fields import INVITEE_BOOKING
from astrocal_cli.error_reporting import CliError
from astrocal_cli.exit_codes import ExitCode
from astrocal_cli.request_fields import given
from astrocal_cli.result_display import show_one
from astrocal_cli.user_times import iana_name, parse_instant, to_api_time

__all__ = ["register", "token_in"]

GROUP = CommandGroup(
    "invitee", "A booking as its invitee sees it, with the token of its link (no API key)."
)
register = GROUP.register

# A token is 43 base64url characters; in a link it stands between non-token characters.
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")

LinkArg = Annotated[
    str, typer.Argument(metavar="LINK", help="The booking's invitee link, or the token in it.")
]


def token_in(link: str) -> str:
    """The token in an invitee link (or the token itself); a usage error when there is none."""
    found = _TOKEN.findall(link.strip())
    if len(found) != 1:
        raise CliError(
            "No invitee token in that link: pass the booking's manage_url (or the 43-character "
            "token in it).",
            ExitCode.USAGE,
        )
    return str(found[0])


@GROUP.command("show")
def show_command(cli: Cli, link: LinkArg) -> None:
    """Show the booking and whether it can still be cancelled or rescheduled."""
    token = token_in(link)
    result = cli.call("Opening the link", lambda c: c.invitee.retrieve(token), key_needed=False)
    show_one(cli, result, INVITEE_BOOKING, title="Booking")


@GROUP.command("slots")
def slots_command(
    cli: Cli, link: LinkArg, date: DateOption = None, from_: FromOption = None, to: ToOption = None
) -> None:
    """Open starts the booking can be rescheduled to, in --tz (default: local zone)."""
    token = token_in(link)
    params = given(time_zone=iana_name(cli.tz), **dates_query(cli, date, from_, to))
    result = cli.call(
        "Finding open slots",
        lambda c: c.invitee.availability(token, **params),
        key_needed=False,
    )
    cli.emit(result, lambda body: slots_table(cli, body))


@GROUP.command("cancel", confirm=True)
def cancel_command(
    cli: Cli,
    link: LinkArg,
    reason: Annotated[str | None, typer.Option("--reason", help="Told to the host.")] = None,
) -> None:
    """Cancel the booking as its invitee (asks first)."""
    token = token_in(link)
    cli.confirm("Cancel this booking? The host will be told.")
    params = given(reason=reason)
    result = cli.call("Cancelling", lambda c: c.invitee.cancel(token, **params), key_needed=False)
    show_one(cli, result, INVITEE_BOOKING, title="Cancelled")


@GROUP.command("reschedule")
def reschedule_command(
    cli: Cli,
    link: LinkArg,
    start: Annotated[
        str,
        typer.Option(
            "--start",
            help="The new start, one `astrocal invitee slots` lists (e.g. '2026-04-15 14:00').",
        ),
    ],
    reason: Annotated[str | None, typer.Option("--reason", help="Told to the host.")] = None,
) -> None:
    """Move the booking to another open start as its invitee."""
    token = token_in(link)
    params = given(start=to_api_time(parse_instant(start, cli.tz)), reason=reason)
    result = cli.call(
        "Rescheduling", lambda c: c.invitee.reschedule(token, **params), key_needed=False
    )
    show_one(cli, result, INVITEE_BOOKING, title="Rescheduled")
