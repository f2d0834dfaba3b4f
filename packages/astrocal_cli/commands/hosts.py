"""``astrocal hosts list|get|create|update|delete``: the people whose time is booked."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from astrocal_cli.command_registration import CommandGroup, OptionGroup
from astrocal_cli.display_fields import HOST, HOST_ROW
from astrocal_cli.request_fields import merge_body, parse_data, parse_metadata
from astrocal_cli.resource_commands import delete_command, list_command, save_commands
from astrocal_cli.resource_commands import get_command as get_command_for
from astrocal_cli.shared_options import BodyMetadata, ListFilter, data_option

__all__ = ["register"]

GROUP = CommandGroup("hosts", "Hosts: the people whose time is booked, with their own hours.")
register = GROUP.register

IdArg = Annotated[str, typer.Argument(metavar="HOST_ID", help="host_…")]


class HostFields(OptionGroup):
    """The fields ``create`` and ``update`` take, in the order ``--help`` lists them."""

    name: Annotated[str | None, typer.Option(help="e.g. 'Dr. Ana Ruiz'.")] = None
    email: Annotated[str | None, typer.Option(help="Where the host's booking emails go.")] = None
    time_zone: Annotated[
        str | None,
        typer.Option("--time-zone", help="IANA zone of the host (default: account's)."),
    ] = None
    external_id: Annotated[
        str | None,
        typer.Option("--external-id", help="Your own id for this person (unique per account)."),
    ] = None
    default_schedule: Annotated[
        str | None,
        typer.Option("--default-schedule", help="sch_… one of the host's schedules (update only)."),
    ] = None
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Bring back or deactivate (update).")
    ] = None
    metadata: BodyMetadata = None
    data: Annotated[
        str | None,
        data_option("More fields as a JSON object (calendars, …); the flags win over it."),
    ] = None

    def body(self) -> dict[str, Any]:
        """The request body: ``--data`` with the flags given on top, in the API's field names."""
        return merge_body(
            parse_data(self.data),
            name=self.name,
            email=self.email,
            time_zone=self.time_zone,
            external_id=self.external_id,
            default_schedule_id=self.default_schedule,
            active=self.active,
            metadata=parse_metadata(self.metadata) if self.metadata else None,
        )


GROUP.add("list", list_command(
    "hosts", HOST_ROW, "Hosts", "No hosts found.", "List hosts (the default host among them).",
    ListFilter("external_id", str, typer.Option(
        "--external-id", help="Only the host with this id of yours."
    )),
))  # fmt: skip


GROUP.add("get", get_command_for("hosts", IdArg, HOST, "Host"))


save_commands(
    GROUP, "hosts", "host", HostFields, IdArg, HOST,
    create_doc="Create a host (needs --name; it gets its own Mon–Fri 09:00–17:00 schedule).",
    update_doc="Change a host's fields (only those given).",
)  # fmt: skip


GROUP.add(
    "delete",
    delete_command(
        "hosts", "host", IdArg,
        doc="Delete a host (asks first; --yes skips the question). The default host cannot be "
        "deleted.",
        force_help="With upcoming bookings, deactivate instead of failing.",
    ),
    confirm=True,
)  # fmt: skip
