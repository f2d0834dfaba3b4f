"""``astrocal availability EVENT_TYPE_ID``: open slots, or why a start is not one (--explain)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import command
from astrocal_cli.error_reporting import CliError
from astrocal_cli.exit_codes import ExitCode
from astrocal_cli.request_fields import given
from astrocal_cli.shared_options import host_option
from astrocal_cli.user_times import (
    format_instant,
    iana_name,
    parse_date,
    parse_instant,
    to_api_time,
    zone_name,
)

__all__ = ["DateOption", "FromOption", "ToOption", "dates_query", "register", "slots_table"]

DateOption = Annotated[
    str | None,
    typer.Option(
        "--date",
        metavar="DATE",
        help="One day: YYYY-MM-DD, today, tomorrow or +N days. Default: today.",
    ),
]
FromOption = Annotated[
    str | None,
    typer.Option("--from", metavar="DATE", help="First day of a range (same forms as --date)."),
]
ToOption = Annotated[
    str | None, typer.Option("--to", metavar="DATE", help="Last day of a range (inclusive).")
]


def dates_query(cli: Cli, date: str | None, from_: str | None, to: str | None) -> dict[str, Any]:
    """``--date`` or ``--from``/``--to`` as the API's ``date`` or ``start_date``/``end_date``."""
    if date and (from_ or to):
        raise CliError("Give either --date or --from/--to, not both.", ExitCode.USAGE)
    if bool(from_) != bool(to):
        raise CliError("A range needs both --from and --to.", ExitCode.USAGE)
    if from_ and to:
        return {
            "start_date": parse_date(from_, cli.tz).isoformat(),
            "end_date": parse_date(to, cli.tz).isoformat(),
        }
    return {"date": parse_date(date or "today", cli.tz).isoformat()}


def slots_table(cli: Cli, body: dict[str, Any]) -> None:
    slots = body.get("data") or []
    for warning in body.get("warnings") or []:
        cli.out.note(f"warning: {warning.get('message') if isinstance(warning, dict) else warning}")
    span = body.get("start_date")
    if body.get("end_date") and body.get("end_date") != span:
        span = f"{span} – {body.get('end_date')}"
    if not slots:
        cli.out.line(f"No open slots for {body.get('event_type_id')} on {span}.")
        return
    from rich.table import Table

    seated = any("seats_remaining" in s for s in slots)
    # Team event types name the hosts free at each start (round robin: who a booking may go to).
    hosted = any(s.get("host_ids") for s in slots)
    table = Table(
        title=f"Open slots, {span} (times in {zone_name(cli.tz)})",
        title_justify="left",
        header_style="bold",
    )
    table.add_column("Day")
    table.add_column("Time")
    table.add_column("Start (book with this)", no_wrap=True, style="cyan")
    if seated:
        table.add_column("Seats left", justify="right")
    if hosted:
        table.add_column("Free hosts")
    previous_day = None
    for slot in slots:
        start_local = format_instant(slot["start"], cli.tz, with_zone=False)
        end_local = format_instant(slot["end"], cli.tz)
        day, _, time = start_local.partition(" ")
        row = [
            day if day != previous_day else "",
            f"{time}–{end_local.partition(' ')[2]}",
            slot["start"],
        ]
        if seated:
            row.append(str(slot.get("seats_remaining", "")))
        if hosted:
            row.append(", ".join(slot.get("host_ids") or []))
        table.add_row(*row)
        previous_day = day
    cli.out.out.print(table)


def _explain(cli: Cli, body: dict[str, Any]) -> None:
    if body.get("available"):
        cli.out.line("Available: this start can be booked.", style="green")
        if body.get("host_ids"):
            cli.out.line(f"Free hosts: {', '.join(body['host_ids'])}")
        return
    cli.out.line("Not available:", style="red")
    for reason in body.get("reasons") or []:
        host = f"{reason['host_id']}: " if reason.get("host_id") else ""
        line = f"  • {host}{reason.get('code')}: {reason.get('message')}"
        conflict = reason.get("conflict")
        if isinstance(conflict, dict):
            line += (
                f" ({format_instant(conflict.get('start'), cli.tz)} – "
                f"{format_instant(conflict.get('end'), cli.tz)}, {conflict.get('source')})"
            )
        cli.out.line(line)
    alternatives = body.get("alternatives") or []
    if alternatives:
        cli.out.line("Free instead:")
        for slot in alternatives:
            cli.out.line(f"  {slot['start']}  ({format_instant(slot['start'], cli.tz)})")


def availability_command(
    cli: Cli,
    event_type_id: Annotated[str, typer.Argument(metavar="EVENT_TYPE_ID", help="evt_…")],
    date: DateOption = None,
    from_: FromOption = None,
    to: ToOption = None,
    duration: Annotated[
        int | None, typer.Option("--duration", help="Minutes, one of the event type's options.")
    ] = None,
    host: Annotated[
        str | None,
        host_option("Team event types: ask about this one host (host_…) instead of the team."),
    ] = None,
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            metavar="START",
            help="Say why START is (not) bookable and what is free nearby, e.g. '2026-04-15 14:00'.",
        ),
    ] = None,
) -> None:
    """Open slots of an event type on a day or a range of days, in --tz (default: local zone);
    for a team event type, each slot lists the hosts free at that start."""
    if explain is not None:
        if date or from_ or to:
            raise CliError("--explain takes a start time, not --date/--from/--to.", ExitCode.USAGE)
        start = to_api_time(parse_instant(explain, cli.tz))
        params = given(event_type_id=event_type_id, start=start, duration=duration, host_id=host)
        result = cli.call("Checking", lambda c: c.availability.check(**params))
        cli.emit(result, lambda body: _explain(cli, body))
        return
    query = dates_query(cli, date, from_, to)
    params = given(
        event_type_id=event_type_id,
        time_zone=iana_name(cli.tz),
        duration=duration,
        host_id=host,
        **query,
    )
    result = cli.call("Finding open slots", lambda c: c.availability.list(**params))
    cli.emit(result, lambda body: slots_table(cli, body))


def register(app: typer.Typer) -> None:
    command(app, "availability")(availability_command)
