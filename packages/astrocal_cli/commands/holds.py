"""``astrocal holds create|list|get|release``: a slot reserved while a person decides, then booked
with ``astrocal bookings create --hold HOLD_ID``."""

from __future__ import annotations

from typing import Annotated

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import CommandGroup
from astrocal_cli.display_fields import HOLD, HOLD_ROW
from astrocal_cli.request_fields import given
from astrocal_cli.resource_commands import get_command as get_command_for
from astrocal_cli.resource_commands import list_command
from astrocal_cli.result_display import show_one
from astrocal_cli.shared_options import (
    EVENT_TYPE,
    EVENT_TYPE_FILTER,
    IdempotencyKey,
    ListFilter,
    Metadata,
    Start,
    api_time,
    metadata_param,
    request_options,
    status_filter,
)

__all__ = ["register"]

GROUP = CommandGroup(
    "holds", "Holds: reserve a slot while a person decides, then book it with --hold."
)
register = GROUP.register

IdArg = Annotated[str, typer.Argument(metavar="HOLD_ID", help="hold_…")]
_HOST = typer.Option("--host", metavar="HOST_ID", help="Round robin: this host.")


@GROUP.command("create")
def create_command(
    cli: Cli,
    event_type: Annotated[str, EVENT_TYPE],
    start: Start,
    duration: Annotated[
        int | None, typer.Option(help="Minutes, if the event type offers several.")
    ] = None,
    host: Annotated[str | None, _HOST] = None,
    ttl: Annotated[
        int | None,
        typer.Option("--ttl", metavar="SECONDS", help="How long it holds (60–1800; default 600)."),
    ] = None,
    metadata: Metadata = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Hold a start `astrocal availability` shows: nobody else can book it until it expires."""
    params = given(
        event_type_id=event_type,
        start=api_time(cli, start),
        duration=duration,
        host_id=host,
        ttl_seconds=ttl,
        metadata=metadata_param(metadata),
    )
    result = cli.call(
        "Holding", lambda c: c.holds.create(**params, **request_options(idempotency_key))
    )
    show_one(cli, result, HOLD, title="Held")


GROUP.add("list", list_command(
    "holds", HOLD_ROW, "Holds", "No holds match.", "List holds, ordered by start.",
    status_filter("active, released, converted or expired."), EVENT_TYPE_FILTER,
    ListFilter("host", str, _HOST, api="host_id"),
))  # fmt: skip


GROUP.add("get", get_command_for("holds", IdArg, HOLD, "Hold"))


@GROUP.command("release")
def release_command(cli: Cli, hold_id: IdArg) -> None:
    """Give the held slot back at once; releasing again changes nothing."""
    result = cli.call("Releasing", lambda c: c.holds.release(hold_id))
    show_one(cli, result, HOLD, title="Released")
