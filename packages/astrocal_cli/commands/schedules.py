"""``astrocal schedules list|get|create|update|delete``: working hours."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from astrocal_cli.app import group
from astrocal_cli.inputs import merge_body, parse_data, parse_hours, parse_override
from astrocal_cli.listing import CursorOption, LimitOption, given, sdk_kwargs, show_one, show_page
from astrocal_cli.runtime import Cli, command
from astrocal_cli.views import SCHEDULE, SCHEDULE_ROW

__all__ = ["register"]

IdArg = Annotated[str, typer.Argument(metavar="SCHEDULE_ID", help="sch_…")]
Name = Annotated[str | None, typer.Option(help="e.g. 'Office hours'.")]
TimeZone = Annotated[
    str | None, typer.Option("--time-zone", help="IANA zone the hours are in (default: account's).")
]
Hours = Annotated[
    list[str] | None,
    typer.Option(
        "--hours",
        metavar="DAYS SPANS",
        help="Weekly hours, e.g. 'mon-fri 09:00-12:00,13:00-17:00' (repeatable; replaces all).",
    ),
]
Overrides = Annotated[
    list[str] | None,
    typer.Option(
        "--override",
        metavar="DATE=SPANS",
        help="A date's hours instead: 2026-12-24=off or 2026-12-27=10:00-14:00 (repeatable; replaces all).",
    ),
]
Default = Annotated[
    bool | None, typer.Option("--default/--not-default", help="Make it the account's default.")
]
Data = Annotated[
    str | None,
    typer.Option("--data", metavar="JSON|@FILE", help="More fields as a JSON object; flags win."),
]


def _body(
    data: str | None,
    name: str | None,
    time_zone: str | None,
    hours: list[str] | None,
    overrides: list[str] | None,
    default: bool | None,
) -> dict[str, Any]:
    return merge_body(
        parse_data(data),
        name=name,
        time_zone=time_zone,
        weekly_hours=parse_hours(hours) if hours else None,
        date_overrides=[parse_override(o) for o in overrides] if overrides else None,
        is_default=default,
    )


def list_command(cli: Cli, limit: LimitOption = None, cursor: CursorOption = None) -> None:
    """List schedules."""
    params = given(limit=limit, cursor=cursor)
    result = cli.call("Fetching schedules", lambda c: c.schedules.list(**params))
    show_page(cli, result, SCHEDULE_ROW, title="Schedules", empty="No schedules yet.")


def get_command(cli: Cli, schedule_id: IdArg) -> None:
    """Show one schedule."""
    result = cli.call("Fetching the schedule", lambda c: c.schedules.retrieve(schedule_id))
    show_one(cli, result, SCHEDULE, title="Schedule")


def create_command(
    cli: Cli,
    name: Name = None,
    time_zone: TimeZone = None,
    hours: Hours = None,
    override: Overrides = None,
    default: Default = None,
    data: Data = None,
) -> None:
    """Create a schedule (default hours: Mon–Fri 09:00–17:00)."""
    body = _body(data, name, time_zone, hours, override, default)
    result = cli.call(
        "Creating the schedule",
        lambda c: c.schedules.create(**sdk_kwargs(c.schedules.create, body, "schedules create")),
    )
    show_one(cli, result, SCHEDULE, title="Created schedule")


def update_command(
    cli: Cli,
    schedule_id: IdArg,
    name: Name = None,
    time_zone: TimeZone = None,
    hours: Hours = None,
    override: Overrides = None,
    default: Default = None,
    data: Data = None,
) -> None:
    """Change a schedule's fields (only those given)."""
    body = _body(data, name, time_zone, hours, override, default)
    result = cli.call(
        "Updating the schedule",
        lambda c: c.schedules.update(
            schedule_id, **sdk_kwargs(c.schedules.update, body, "schedules update")
        ),
    )
    show_one(cli, result, SCHEDULE, title="Updated schedule")


def delete_command(cli: Cli, schedule_id: IdArg) -> None:
    """Delete a schedule (asks first; one that an event type uses cannot be deleted)."""
    cli.confirm(f"Delete schedule {schedule_id}?")
    result = cli.call("Deleting the schedule", lambda c: c.schedules.delete(schedule_id))
    if cli.json_mode:
        cli.out.raw_json(result.text)
    else:
        cli.out.line(f"Deleted schedule {schedule_id}.")


def register(app: typer.Typer) -> None:
    sub = group("schedules", "Schedules: weekly working hours and date overrides.")
    command(sub, "list")(list_command)
    command(sub, "get")(get_command)
    command(sub, "create")(create_command)
    command(sub, "update")(update_command)
    command(sub, "delete", confirm=True)(delete_command)
