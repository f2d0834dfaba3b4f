"""Options that commands of several groups take, declared once as
:class:`~astrocal_cli.command_registration.OptionGroup` classes.

Flag names, help texts and defaults are part of the CLI's interface (``astrocal … --help``); the
API parameters they become are those of ``openapi.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from astrocal_cli.command_registration import OptionGroup
from astrocal_cli.request_fields import given, parse_metadata
from astrocal_cli.user_times import parse_instant, to_api_time, zone_name

if TYPE_CHECKING:
    from astrocal_cli.command_context import Cli

__all__ = [
    "EVENT_TYPE",
    "EVENT_TYPE_FILTER",
    "INVITEE_EMAIL",
    "INVITEE_EMAIL_FILTER",
    "INVITEE_NAME",
    "START",
    "BodyMetadata",
    "IdempotencyKey",
    "InviteeZone",
    "ListFilter",
    "Metadata",
    "Paging",
    "Start",
    "api_time",
    "data_option",
    "host_option",
    "invitee_fields",
    "metadata_param",
    "request_options",
    "status_filter",
]

# The booking-shaped commands (bookings, holds, waitlist) take these the same way.
START = typer.Option(
    "--start",
    metavar="TIME",
    help="RFC 3339 (2026-04-15T14:00:00Z) or a wall time read in --tz ('2026-04-15 16:00').",
)
Start = Annotated[str, START]
Metadata = Annotated[
    list[str] | None, typer.Option("--metadata", metavar="KEY=VALUE", help="Repeatable.")
]
# The metadata and extra JSON fields of a create/update command's body.
BodyMetadata = Annotated[
    list[str] | None, typer.Option("--metadata", help="key=value (repeatable).")
]
IdempotencyKey = Annotated[
    str | None,
    typer.Option("--idempotency-key", help="Make a retried command safe (default: one per call)."),
]
InviteeZone = Annotated[
    str | None,
    typer.Option(
        "--invitee-tz",
        metavar="ZONE",
        help="The invitee's zone (default: --tz or the local zone).",
    ),
]
# Required when booking, a filter when listing: one declaration, two optionalities.
EVENT_TYPE = typer.Option("--event-type", metavar="EVT_ID", help="The event type (evt_…).")
INVITEE_EMAIL = typer.Option("--email", metavar="EMAIL", help="The invitee's email.")
INVITEE_NAME = typer.Option("--name", metavar="NAME", help="The invitee's name.")


def api_time(cli: Cli, text: str | None) -> str | None:
    """A time the user typed (read in ``--tz`` when it has no offset), as the API takes it."""
    return to_api_time(parse_instant(text, cli.tz)) if text else None


def request_options(idempotency_key: str | None) -> dict[str, Any]:
    return {"idempotency_key": idempotency_key} if idempotency_key else {}


def metadata_param(metadata: list[str] | None) -> dict[str, str] | None:
    return parse_metadata(metadata) if metadata else None


def invitee_fields(cli: Cli, name: str, email: str, invitee_tz: str | None) -> dict[str, Any]:
    """The invitee object: its zone is ``--invitee-tz``, else ``--tz`` or the local zone when
    that is an IANA name (a bare offset says nothing of daylight saving time)."""
    zone = invitee_tz or zone_name(cli.tz)
    return given(name=name, email=email, time_zone=zone if "/" in zone or zone == "UTC" else None)


class Paging(OptionGroup):
    """``--limit`` and ``--cursor`` of every list command (the API's cursor pagination)."""

    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, max=100, help="How many per page (1–100; API default 20)."),
    ] = None
    cursor: Annotated[
        str | None,
        typer.Option("--cursor", help="Continue after a previous page (its next_cursor)."),
    ] = None

    def params(self) -> dict[str, Any]:
        """The list call's ``limit``/``cursor`` keyword arguments, only those given."""
        return given(limit=self.limit, cursor=self.cursor)


def data_option(help: str) -> Any:
    """``--data JSON|@FILE``: more body fields, as ``help`` says for the command."""
    return typer.Option("--data", metavar="JSON|@FILE", help=help)


def host_option(help: str) -> Any:
    """``--host HOST_ID`` (a ``host_…`` id), meaning what ``help`` says for the command."""
    return typer.Option("--host", metavar="HOST_ID", help=help)


class ListFilter:
    """One option of a ``list`` command, parameter ``name`` of type ``kind`` (or None) declared by
    ``option``, sent as the list call's ``api`` parameter (default: ``name``), through ``convert``
    when given (say, a time read in ``--tz``); unset, it is left out of the request."""

    def __init__(
        self, name: str, kind: Any, option: Any, api: str | None = None,
        convert: Callable[[Cli, Any], Any] | None = None,
    ) -> None:  # fmt: skip
        self.name, self.kind, self.option = name, kind, option
        self.api, self.convert = api or name, convert

    def value(self, cli: Cli, given_value: Any) -> Any:
        if given_value is None or self.convert is None:
            return given_value
        return self.convert(cli, given_value)


def status_filter(statuses: str) -> ListFilter:
    """``--status STATUS``, one of ``statuses`` (as the help says them)."""
    return ListFilter("status", str, typer.Option(help=statuses, metavar="STATUS"))


EVENT_TYPE_FILTER = ListFilter("event_type", str, EVENT_TYPE, api="event_type_id")
INVITEE_EMAIL_FILTER = ListFilter("email", str, INVITEE_EMAIL, api="invitee_email")
