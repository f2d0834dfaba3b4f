"""``astrocal event-types list|get|create|update|delete``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from astrocal_cli.app import group
from astrocal_cli.inputs import merge_body, parse_data, parse_metadata
from astrocal_cli.listing import CursorOption, LimitOption, given, sdk_kwargs, show_one, show_page
from astrocal_cli.runtime import Cli, command
from astrocal_cli.views import EVENT_TYPE, EVENT_TYPE_ROW

__all__ = ["register"]

IdArg = Annotated[str, typer.Argument(metavar="EVENT_TYPE_ID", help="evt_…")]
DataOption = Annotated[
    str | None,
    typer.Option(
        "--data",
        metavar="JSON|@FILE",
        help="More fields as a JSON object (or @file.json); the flags win over it.",
    ),
]


def _fields(
    *,
    data: str | None,
    title: str | None,
    slug: str | None,
    description: str | None,
    duration: int | None,
    duration_options: list[int] | None,
    slot_interval: int | None,
    buffer_before: int | None,
    buffer_after: int | None,
    minimum_notice: int | None,
    booking_window: int | None,
    max_per_day: int | None,
    seats: int | None,
    schedule_id: str | None,
    location: tuple[str, str] | None,
    active: bool | None,
    metadata: list[str] | None,
) -> dict[str, Any]:
    return merge_body(
        parse_data(data),
        title=title,
        slug=slug,
        description=description,
        duration_minutes=duration,
        duration_options=duration_options or None,
        slot_interval_minutes=slot_interval,
        buffer_before_minutes=buffer_before,
        buffer_after_minutes=buffer_after,
        minimum_notice_minutes=minimum_notice,
        booking_window_days=booking_window,
        max_bookings_per_day=max_per_day,
        seats_per_slot=seats,
        schedule_id=schedule_id,
        location={"type": location[0], "value": location[1]} if location else None,
        active=active,
        metadata=parse_metadata(metadata) if metadata else None,
    )


Title = Annotated[str | None, typer.Option(help="Shown to invitees.")]
Slug = Annotated[str | None, typer.Option(help="Unique per account, e.g. intro-call.")]
Description = Annotated[str | None, typer.Option()]
Duration = Annotated[int | None, typer.Option("--duration", help="Minutes (5–720).")]
DurationOptions = Annotated[
    list[int] | None,
    typer.Option("--duration-option", help="Another length invitees may pick (repeatable)."),
]
SlotInterval = Annotated[
    int | None, typer.Option("--slot-interval", help="Minutes between starts.")
]
BufferBefore = Annotated[
    int | None, typer.Option("--buffer-before", help="Minutes kept free before.")
]
BufferAfter = Annotated[int | None, typer.Option("--buffer-after", help="Minutes kept free after.")]
MinimumNotice = Annotated[int | None, typer.Option("--minimum-notice", help="Minutes of notice.")]
BookingWindow = Annotated[
    int | None, typer.Option("--booking-window", help="Days ahead that can be booked.")
]
MaxPerDay = Annotated[int | None, typer.Option("--max-per-day", help="Bookings per day at most.")]
Seats = Annotated[int | None, typer.Option("--seats", help="Invitees per slot.")]
ScheduleId = Annotated[
    str | None, typer.Option("--schedule", help="sch_… (default: the default schedule).")
]
Location = Annotated[
    tuple[str, str] | None,
    typer.Option(
        "--location",
        metavar="TYPE VALUE",
        help="in_person|phone|video|custom and its value, e.g. --location video https://meet…",
    ),
]
Metadata = Annotated[list[str] | None, typer.Option("--metadata", help="key=value (repeatable).")]


def list_command(
    cli: Cli,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Only active (or inactive) ones.")
    ] = None,
    limit: LimitOption = None,
    cursor: CursorOption = None,
) -> None:
    """List event types."""
    params = given(active=active, limit=limit, cursor=cursor)
    result = cli.call("Fetching event types", lambda c: c.event_types.list(**params))
    show_page(cli, result, EVENT_TYPE_ROW, title="Event types", empty="No event types yet.")


def get_command(cli: Cli, event_type_id: IdArg) -> None:
    """Show one event type."""
    result = cli.call("Fetching the event type", lambda c: c.event_types.retrieve(event_type_id))
    show_one(cli, result, EVENT_TYPE, title="Event type")


def create_command(
    cli: Cli,
    title: Title = None,
    slug: Slug = None,
    duration: Duration = None,
    description: Description = None,
    duration_option: DurationOptions = None,
    slot_interval: SlotInterval = None,
    buffer_before: BufferBefore = None,
    buffer_after: BufferAfter = None,
    minimum_notice: MinimumNotice = None,
    booking_window: BookingWindow = None,
    max_per_day: MaxPerDay = None,
    seats: Seats = None,
    schedule: ScheduleId = None,
    location: Location = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive")] = None,
    metadata: Metadata = None,
    data: DataOption = None,
) -> None:
    """Create an event type (needs --title, --slug and --duration, or the same in --data)."""
    body = _fields(
        data=data, title=title, slug=slug, description=description, duration=duration,
        duration_options=duration_option, slot_interval=slot_interval,
        buffer_before=buffer_before, buffer_after=buffer_after, minimum_notice=minimum_notice,
        booking_window=booking_window, max_per_day=max_per_day, seats=seats,
        schedule_id=schedule, location=location, active=active, metadata=metadata,
    )  # fmt: skip
    result = cli.call(
        "Creating the event type",
        lambda c: c.event_types.create(
            **sdk_kwargs(c.event_types.create, body, "event-types create")
        ),
    )
    show_one(cli, result, EVENT_TYPE, title="Created event type")


def update_command(
    cli: Cli,
    event_type_id: IdArg,
    title: Title = None,
    slug: Slug = None,
    duration: Duration = None,
    description: Description = None,
    duration_option: DurationOptions = None,
    slot_interval: SlotInterval = None,
    buffer_before: BufferBefore = None,
    buffer_after: BufferAfter = None,
    minimum_notice: MinimumNotice = None,
    booking_window: BookingWindow = None,
    max_per_day: MaxPerDay = None,
    seats: Seats = None,
    schedule: ScheduleId = None,
    location: Location = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive")] = None,
    metadata: Metadata = None,
    data: DataOption = None,
) -> None:
    """Change an event type's fields (only those given)."""
    body = _fields(
        data=data, title=title, slug=slug, description=description, duration=duration,
        duration_options=duration_option, slot_interval=slot_interval,
        buffer_before=buffer_before, buffer_after=buffer_after, minimum_notice=minimum_notice,
        booking_window=booking_window, max_per_day=max_per_day, seats=seats,
        schedule_id=schedule, location=location, active=active, metadata=metadata,
    )  # fmt: skip
    result = cli.call(
        "Updating the event type",
        lambda c: c.event_types.update(
            event_type_id, **sdk_kwargs(c.event_types.update, body, "event-types update")
        ),
    )
    show_one(cli, result, EVENT_TYPE, title="Updated event type")


def delete_command(
    cli: Cli,
    event_type_id: IdArg,
    force: Annotated[
        bool,
        typer.Option("--force", help="With upcoming bookings, deactivate instead of failing."),
    ] = False,
) -> None:
    """Delete an event type (asks first; --yes skips the question)."""
    cli.confirm(f"Delete event type {event_type_id}?")
    params = given(force=force or None)
    result = cli.call(
        "Deleting the event type", lambda c: c.event_types.delete(event_type_id, **params)
    )
    if cli.json_mode:
        cli.out.raw_json(result.text)
    else:
        cli.out.line(f"Deleted event type {event_type_id}.")


def register(app: typer.Typer) -> None:
    sub = group("event-types", "Event types: what can be booked, for how long, on which schedule.")
    command(sub, "list")(list_command)
    command(sub, "get")(get_command)
    command(sub, "create")(create_command)
    command(sub, "update")(update_command)
    command(sub, "delete", confirm=True)(delete_command)
