"""``astrocal schedules list|get|create|update|delete``: working hours."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from astrocal_cli.command_registration import CommandGroup, OptionGroup
from astrocal_cli.display_fields import SCHEDULE, SCHEDULE_ROW
from astrocal_cli.request_fields import (
    merge_body,
    parse_data,
    parse_hours,
    parse_override,
)
from astrocal_cli.resource_commands import delete_command, list_command, save_commands
from astrocal_cli.resource_commands import get_command as get_command_for
from astrocal_cli.shared_options import data_option

__all__ = ["register"]

GROUP = CommandGroup("schedules", "Schedules: weekly working hours and date overrides.")
register = GROUP.register

IdArg = Annotated[str, typer.Argument(metavar="SCHEDULE_ID", help="sch_…")]


class ScheduleFields(OptionGroup):
    """The fields ``create`` and ``update`` take, in the order ``--help`` lists them."""

    name: Annotated[str | None, typer.Option(help="e.g. 'Office hours'.")] = None
    time_zone: Annotated[
        str | None,
        typer.Option("--time-zone", help="IANA zone the hours are in (default: account's)."),
    ] = None
    hours: Annotated[
        list[str] | None,
        typer.Option(
            "--hours",
            metavar="DAYS SPANS",
            help="Weekly hours, e.g. 'mon-fri 09:00-12:00,13:00-17:00' (repeatable; replaces all).",
        ),
    ] = None
    override: Annotated[
        list[str] | None,
        typer.Option(
            "--override",
            metavar="DATE=SPANS",
            help="A date's hours instead: 2026-12-24=off or 2026-12-27=10:00-14:00 (repeatable; replaces all).",
        ),
    ] = None
    default: Annotated[
        bool | None, typer.Option("--default/--not-default", help="Make it the account's default.")
    ] = None
    host: Annotated[
        str | None,
        typer.Option("--host", help="host_… whose hours these are (create only; default host)."),
    ] = None
    data: Annotated[str | None, data_option("More fields as a JSON object; flags win.")] = None

    def body(self) -> dict[str, Any]:
        """The request body: ``--data`` with the flags given on top, in the API's field names."""
        return merge_body(
            parse_data(self.data),
            name=self.name,
            time_zone=self.time_zone,
            weekly_hours=parse_hours(self.hours) if self.hours else None,
            date_overrides=[parse_override(o) for o in self.override] if self.override else None,
            is_default=self.default,
            host_id=self.host,
        )


GROUP.add("list", list_command(
    "schedules", SCHEDULE_ROW, "Schedules", "No schedules yet.", "List schedules."
))  # fmt: skip


GROUP.add("get", get_command_for("schedules", IdArg, SCHEDULE, "Schedule"))


save_commands(
    GROUP, "schedules", "schedule", ScheduleFields, IdArg, SCHEDULE,
    create_doc="Create a schedule (default hours: Mon–Fri 09:00–17:00).",
    update_doc="Change a schedule's fields (only those given).",
)  # fmt: skip


GROUP.add(
    "delete",
    delete_command(
        "schedules", "schedule", IdArg,
        doc="Delete a schedule (asks first; one that an event type uses cannot be deleted).",
    ),
    confirm=True,
)  # fmt: skip
