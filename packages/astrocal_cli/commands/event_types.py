"""``astrocal event-types list|get|create|update|delete``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from astrocal_cli.command_registration import CommandGroup, OptionGroup
from astrocal_cli.display_fields import EVENT_TYPE, EVENT_TYPE_ROW
from astrocal_cli.request_fields import (
    merge_body,
    parse_data,
    parse_hosts,
    parse_metadata,
    parse_questions,
    parse_reminders,
)
from astrocal_cli.resource_commands import delete_command, list_command, save_commands
from astrocal_cli.resource_commands import get_command as get_command_for
from astrocal_cli.shared_options import BodyMetadata, ListFilter, data_option

__all__ = ["register"]

GROUP = CommandGroup(
    "event-types", "Event types: what can be booked, for how long, on which schedule."
)
register = GROUP.register

IdArg = Annotated[str, typer.Argument(metavar="EVENT_TYPE_ID", help="evt_…")]


class EventTypeFields(OptionGroup):
    """The fields ``create`` and ``update`` take, in the order ``--help`` lists them."""

    title: Annotated[str | None, typer.Option(help="Shown to invitees.")] = None
    slug: Annotated[str | None, typer.Option(help="Unique per account, e.g. intro-call.")] = None
    duration: Annotated[int | None, typer.Option("--duration", help="Minutes (5–720).")] = None
    description: Annotated[str | None, typer.Option()] = None
    duration_option: Annotated[
        list[int] | None,
        typer.Option("--duration-option", help="Another length invitees may pick (repeatable)."),
    ] = None
    slot_interval: Annotated[
        int | None, typer.Option("--slot-interval", help="Minutes between starts.")
    ] = None
    buffer_before: Annotated[
        int | None, typer.Option("--buffer-before", help="Minutes kept free before.")
    ] = None
    buffer_after: Annotated[
        int | None, typer.Option("--buffer-after", help="Minutes kept free after.")
    ] = None
    minimum_notice: Annotated[
        int | None, typer.Option("--minimum-notice", help="Minutes of notice.")
    ] = None
    booking_window: Annotated[
        int | None, typer.Option("--booking-window", help="Days ahead that can be booked.")
    ] = None
    max_per_day: Annotated[
        int | None, typer.Option("--max-per-day", help="Bookings per day at most.")
    ] = None
    seats: Annotated[int | None, typer.Option("--seats", help="Invitees per slot.")] = None
    waitlist_hold: Annotated[
        int | None,
        typer.Option(
            "--waitlist-hold-minutes",
            help="How long a promoted waitlist entry's hold lasts (5–1440; default 30).",
        ),
    ] = None
    schedule: Annotated[
        str | None,
        typer.Option(
            "--schedule",
            metavar="SCH_ID|none",
            help="sch_…, the hours every host works (default: the default schedule; for a team, "
            "each host's own default schedule). Update: none goes back to each host's own.",
        ),
    ] = None
    host: Annotated[
        list[str] | None,
        typer.Option(
            "--host",
            metavar="HOST_ID[,weight=N][,priority=N]",
            help="A host of a team event type (repeatable, in order), e.g. --host host_a "
            "--host host_b,weight=2. Round robin: weight is a host's share (default 1), "
            "priority breaks ties, higher first (default 0). Update: replaces the list; "
            "--host none goes back to the account's default host.",
        ),
    ] = None
    assignment: Annotated[
        str | None,
        typer.Option(
            "--assignment",
            metavar="single|collective|round_robin",
            help="Who a booking goes to: collective = every host (all must be free); "
            "round_robin = one free host, picked by the rule in the API docs.",
        ),
    ] = None
    location: Annotated[
        str | None,
        typer.Option(
            "--location",
            metavar="TYPE[=VALUE]",
            help="in_person|phone|video|custom=VALUE, e.g. --location video=https://meet…, or "
            "google_meet|microsoft_teams (a room per booking, made in the Google or Microsoft "
            "destination calendar; its link is the booking's location.join_url).",
        ),
    ] = None
    active: Annotated[bool | None, typer.Option("--active/--inactive")] = None
    question: Annotated[
        list[str] | None,
        typer.Option(
            "--question",
            metavar="KEY:TYPE:LABEL[:required][:OPT|OPT…]",
            help="A question invitees answer when booking (repeatable, in order), e.g. "
            "--question company:short_text:Company:required --question "
            "size:single_select:Team size:1-10|11-50|50+. TYPE: short_text, long_text, email, "
            "phone, number, single_select, multi_select, checkbox, date. A JSON object works "
            "too. Update: replaces the list; --question none removes them.",
        ),
    ] = None
    reminder: Annotated[
        list[str] | None,
        typer.Option(
            "--reminder",
            metavar="MINUTES:CHANNELS:RECIPIENTS",
            help="A reminder before every booking's start (repeatable, at most 5), e.g. "
            "--reminder 60:email,webhook:invitee,hosts --reminder 1440:email:invitee. "
            "CHANNELS: email, webhook (a booking.reminder event); RECIPIENTS: invitee, hosts; "
            "MINUTES: 5–10080. A JSON object works too. Update: replaces the list; "
            "--reminder none removes them.",
        ),
    ] = None
    invitee_cancel: Annotated[
        bool | None,
        typer.Option(
            "--invitee-cancel/--no-invitee-cancel",
            help="Whether invitees may cancel with their link (default: yes).",
        ),
    ] = None
    invitee_reschedule: Annotated[
        bool | None,
        typer.Option(
            "--invitee-reschedule/--no-invitee-reschedule",
            help="Whether invitees may reschedule with their link (default: yes).",
        ),
    ] = None
    invitee_notice: Annotated[
        int | None,
        typer.Option(
            "--invitee-notice",
            metavar="MINUTES",
            help="No change through the invitee's link closer than this to the start (default 0).",
        ),
    ] = None
    metadata: BodyMetadata = None
    data: Annotated[
        str | None,
        data_option("More fields as a JSON object (or @file.json); the flags win over it."),
    ] = None

    def body(self) -> dict[str, Any]:
        """The request body: ``--data`` with the flags given on top, in the API's field names."""
        body = merge_body(
            parse_data(self.data),
            title=self.title,
            slug=self.slug,
            description=self.description,
            duration_minutes=self.duration,
            duration_options=self.duration_option or None,
            slot_interval_minutes=self.slot_interval,
            buffer_before_minutes=self.buffer_before,
            buffer_after_minutes=self.buffer_after,
            minimum_notice_minutes=self.minimum_notice,
            booking_window_days=self.booking_window,
            max_bookings_per_day=self.max_per_day,
            seats_per_slot=self.seats,
            waitlist_hold_minutes=self.waitlist_hold,
            schedule_id=self.schedule,
            hosts=parse_hosts(self.host) if self.host else None,
            assignment=self.assignment,
            location=parse_location(self.location) if self.location else None,
            active=self.active,
            questions=parse_questions(self.question) if self.question else None,
            reminders=parse_reminders(self.reminder) if self.reminder else None,
            invitee_can_cancel=self.invitee_cancel,
            invitee_can_reschedule=self.invitee_reschedule,
            invitee_change_notice_minutes=self.invitee_notice,
            metadata=parse_metadata(self.metadata) if self.metadata else None,
        )
        if (self.schedule or "").strip().lower() == "none":
            body["schedule_id"] = None  # the API's null: each host works its own default schedule
        return body


GROUP.add("list", list_command(
    "event_types", EVENT_TYPE_ROW, "Event types", "No event types yet.", "List event types.",
    ListFilter("active", bool, typer.Option(
        "--active/--inactive", help="Only active (or inactive) ones."
    )),
))  # fmt: skip


GROUP.add("get", get_command_for("event_types", IdArg, EVENT_TYPE, "Event type"))


save_commands(
    GROUP, "event_types", "event type", EventTypeFields, IdArg, EVENT_TYPE,
    create_doc="Create an event type (needs --title, --slug and --duration, or the same in --data).",
    update_doc="Change an event type's fields (only those given).",
)  # fmt: skip


GROUP.add(
    "delete",
    delete_command(
        "event_types", "event type", IdArg,
        doc="Delete an event type (asks first; --yes skips the question).",
        force_help="With upcoming bookings, deactivate instead of failing.",
    ),
    confirm=True,
)  # fmt: skip


def parse_location(text: str) -> dict[str, str]:
    """``TYPE=VALUE`` (``video=https://…``) or a bare ``TYPE`` (``google_meet``); the API checks
    which types take a value."""
    kind, sep, value = text.partition("=")
    return {"type": kind.strip(), "value": value} if sep else {"type": kind.strip()}
