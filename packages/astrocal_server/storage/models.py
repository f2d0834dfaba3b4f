"""The database schema, one class per table.

Every tenant-owned row carries ``account_id`` and ``livemode``: queries are always scoped by both,
so a test-mode key never sees live objects and another account's id looks exactly like a missing one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from astrocal_server.contract.requests import EventTypeCreate
from astrocal_server.storage.types import JSONDocument, UTCDateTime

__all__ = [
    "Account",
    "ApiKey",
    "Base",
    "Booking",
    "BookingHost",
    "CalendarConnection",
    "EmailCopy",
    "EventType",
    "Host",
    "IdempotencyRecord",
    "OutboxMessage",
    "RateLimitCounter",
    "Schedule",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONDocument,
    }


class _Owned:
    """``id``, ``account_id`` and ``livemode``: the first columns of every tenant-owned table
    (``sort_order`` puts a mixin's columns first, where the migrations create them)."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True, sort_order=-3)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), sort_order=-2
    )
    livemode: Mapped[bool] = mapped_column(Boolean, sort_order=-1)


def _partial(where: str) -> dict[str, Any]:
    """The keyword arguments of an :class:`Index` that covers only the rows ``where`` selects, on
    both dialects."""
    return {"sqlite_where": text(where), "postgresql_where": text(where)}


def _scoped(name: str, *columns: str, **kwargs: Any) -> Index:
    """An index over one account's rows in one mode, then ``columns``: tenant queries are always
    scoped by ``account_id`` and ``livemode``."""
    return Index(name, "account_id", "livemode", *columns, **kwargs)


def _occupied_hosts(occupant: str) -> Mapped[list[Host]]:
    """The hosts an occupant (``Booking``, ``Hold``) holds through its :class:`BookingHost` rows, by
    position; read-only, and never loaded implicitly (an async session cannot)."""
    return relationship(
        secondary="booking_hosts",
        primaryjoin=f"{occupant}.id == foreign(BookingHost.booking_id)",
        secondaryjoin="Host.id == foreign(BookingHost.host_id)",
        order_by="BookingHost.position",
        viewonly=True,
        lazy="raise_on_sql",
    )


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    time_zone: Mapped[str] = mapped_column(String(64))
    plan: Mapped[str] = mapped_column(String(64))
    # Where invitee links point instead of this server's own pages: an absolute URL with
    # ``{token}`` (and optionally ``{action}``); None: ``<public_base_url>/manage/{token}``.
    invitee_url_template: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(8))  # "live" | "test"
    prefix: Mapped[str] = mapped_column(String(32))  # shown to people: "sk_live_ab12"
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the secret
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Host(_Owned, Base):
    """A person whose time is booked. Every account has one default host per mode (its owner,
    ``is_default``); event types without ``hosts`` are hosted by it. Bookings occupy hosts through
    :class:`BookingHost` rows, the unit of locking and of the no-overlap rule."""

    __tablename__ = "hosts"

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    time_zone: Mapped[str] = mapped_column(String(64))
    # A schedule of this host; no foreign key (schedules point back at hosts), checked on write.
    default_schedule_id: Mapped[str | None] = mapped_column(String(40))
    conflict_calendars: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    destination_calendar: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    # The app's own id for this person: unique per account and mode among hosts not deleted.
    external_id: Mapped[str | None] = mapped_column(String(255))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDocument)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Deleted hosts stay as rows (past bookings name them) but are invisible.
    deleted_at: Mapped[datetime | None]

    __table_args__ = (
        _scoped("ix_hosts_account", "created_at", "id"),
        _scoped(
            "uq_hosts_external_id",
            "external_id",
            unique=True,
            **_partial("deleted_at IS NULL AND external_id IS NOT NULL"),
        ),
        _scoped("uq_hosts_default", unique=True, **_partial("is_default")),
    )


class Schedule(_Owned, Base):
    __tablename__ = "schedules"

    host_id: Mapped[str] = mapped_column(ForeignKey("hosts.id"))
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    weekly_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    date_overrides: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Deleted schedules stay as rows (deleted event types may still point at them) but are invisible.
    deleted_at: Mapped[datetime | None]

    __table_args__ = (_scoped("ix_schedules_account", "created_at", "id"),)


class EventType(_Owned, Base):
    __tablename__ = "event_types"

    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    duration_options: Mapped[list[int] | None] = mapped_column(JSONDocument)
    slot_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    minimum_notice_minutes: Mapped[int] = mapped_column(Integer, default=0)
    booking_window_days: Mapped[int] = mapped_column(
        Integer, default=EventTypeCreate.model_fields["booking_window_days"].default
    )
    max_bookings_per_day: Mapped[int | None] = mapped_column(Integer)
    seats_per_slot: Mapped[int] = mapped_column(Integer, default=1)
    # None only for team event types: each host then works its own default schedule's hours.
    schedule_id: Mapped[str | None] = mapped_column(ForeignKey("schedules.id"))
    # [{"host_id", "priority", "weight"}]; empty: hosted by the account's default host.
    hosts: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    assignment: Mapped[str] = mapped_column(
        String(16), default="single"
    )  # | collective | round_robin
    location: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    conflict_calendars: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    destination_calendar: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    on_calendar_error: Mapped[str] = mapped_column(String(16), default="fail")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # What an invitee may do with their link (viewing is always allowed), and no change closer
    # than ``invitee_change_notice_minutes`` to the start.
    invitee_can_cancel: Mapped[bool] = mapped_column(Boolean, default=True)
    invitee_can_reschedule: Mapped[bool] = mapped_column(Boolean, default=True)
    invitee_change_notice_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # [{"key", "label", "type", "required", "options"?, "help_text"?}] asked of every invitee.
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    # How long the hold placed for a promoted waitlist entry lasts.
    waitlist_hold_minutes: Mapped[int] = mapped_column(
        Integer, default=EventTypeCreate.model_fields["waitlist_hold_minutes"].default
    )
    # [{"before_minutes", "channels", "to"}] planned for every booking (``reminders/plan.py``).
    reminders: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDocument)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Deleted event types stay as rows (their past bookings point at them) but are invisible,
    # and their slug is free again: the slug is unique among live rows only.
    deleted_at: Mapped[datetime | None]

    __table_args__ = (
        _scoped("uq_event_types_slug", "slug", unique=True, **_partial("deleted_at IS NULL")),
        _scoped("ix_event_types_account", "created_at", "id"),
    )


class Booking(_Owned, Base):
    __tablename__ = "bookings"

    event_type_id: Mapped[str] = mapped_column(ForeignKey("event_types.id"))
    # The host the booking was assigned to (round robin), or its first host; every host whose time
    # it occupies has a BookingHost row, the unit of locking and of the exclusion constraint.
    host_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))  # confirmed | cancelled
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    # The interval the booking blocks: [start - buffer_before, end + buffer_after).
    block_start: Mapped[datetime]
    block_end: Mapped[datetime]
    # Bookings that share a seat key may overlap (seats of one slot); any other overlap is a conflict.
    seat_key: Mapped[str] = mapped_column(String(120))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    invitee_name: Mapped[str] = mapped_column(String(200))
    invitee_email: Mapped[str] = mapped_column(String(320))
    invitee_time_zone: Mapped[str | None] = mapped_column(String(64))
    guests: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDocument, default=dict)
    location: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    # [{"key", "label", "type", "value"}] in question order: the answers with their questions as
    # asked then (a list, since PostgreSQL's JSONB does not keep an object's key order).
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    rescheduled_at: Mapped[datetime | None]
    reschedule_reason: Mapped[str | None] = mapped_column(Text)
    previous_start: Mapped[datetime | None]
    previous_end: Mapped[datetime | None]
    # Who made the cancellation / the latest reschedule: "host" (an API key) or "invitee" (their
    # link); None before either happened.
    cancelled_by: Mapped[str | None] = mapped_column(String(16))
    rescheduled_by: Mapped[str | None] = mapped_column(String(16))
    # The invitee's link token: looked up by its SHA-256 (unique), and kept sealed with the
    # server's SecretBox (bound to the booking id) so links can be shown again; never in clear.
    invitee_token_hash: Mapped[str | None] = mapped_column(String(64))
    invitee_token_sealed: Mapped[str | None] = mapped_column(Text)
    # iTIP SEQUENCE of the invite: 0 on create, +1 on every reschedule and on cancel.
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0)
    # {"<connection_id>": "<provider event id>"} once written back to a calendar.
    external_events: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # The Idempotency-Key of the create, kept with the booking in its own transaction: a retry
    # after a crash between this commit and the stored response finds the booking, not a new slot.
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The hosts the booking occupies, by position (read-only: BookingHost rows are written
    # directly). Never loaded implicitly (an async session cannot): load it with
    # ``selectinload(Booking.hosts)`` (one query for a whole page) or ``session.refresh``.
    hosts: Mapped[list[Host]] = _occupied_hosts("Booking")

    __table_args__ = (
        _scoped("ux_bookings_idempotency_key", "idempotency_key", unique=True),
        _scoped("ix_bookings_account_start", "start_at", "id"),
        _scoped("ix_bookings_account_created", "created_at"),
        Index("ux_bookings_invitee_token_hash", "invitee_token_hash", unique=True),
    )


class BookingHost(Base):
    """What occupies a host: one row per host of a booking, or of an active hold (the occupant id,
    ``booking_id``, is then the hold's ``hold_…`` id, hence no foreign key). The occupant's event
    type, times, status, blocked interval and seat key are copied here so the per-host overlap
    check (and PostgreSQL's exclusion constraint) reads this one table.

    ``status``: ``confirmed`` / ``cancelled`` as the booking, or ``held`` for a hold, with
    ``expires_at``. A hold past ``expires_at`` no longer counts (readers compare it with their
    clock); writers delete such rows of the hosts they lock before they write, so the exclusion
    constraint never sees one. Released, expired and converted holds have no rows.
    """

    __tablename__ = "booking_hosts"

    booking_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    host_id: Mapped[str] = mapped_column(ForeignKey("hosts.id"), primary_key=True)
    # Position in the occupant's host list (0: the assigned or first host).
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))  # confirmed | cancelled | held
    event_type_id: Mapped[str] = mapped_column(String(40))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    block_start: Mapped[datetime]
    block_end: Mapped[datetime]
    seat_key: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime | None]  # holds only

    __table_args__ = (
        # Occupants meeting a window (``block_end > lo AND block_start < hi``) are found from
        # where their blocks end: a scan of what is ahead, not of the host's history (0009).
        Index("ix_booking_hosts_host_block_end", "host_id", "block_end", "block_start"),
        # On PostgreSQL the 0007 migration also adds the exclusion constraint
        # ``ex_booking_hosts_no_overlap`` (btree_gist): no host has two confirmed or held
        # occupants with overlapping blocks, unless they share a seat key. Alembic cannot
        # compare it, so it is declared there only.
    )


class Hold(_Owned, Base):
    """A slot reserved for a while: it occupies its hosts (``BookingHost`` rows with status
    ``held``) until ``expires_at``, or until it is released or converted into a booking."""

    __tablename__ = "holds"

    event_type_id: Mapped[str] = mapped_column(ForeignKey("event_types.id"))
    host_id: Mapped[str] = mapped_column(String(40))  # the assigned (round robin) or first host
    # Every host it occupies, in order (the locks a change of the hold takes).
    host_ids: Mapped[list[str]] = mapped_column(JSONDocument)
    # active | released | converted | expired; an active hold past expires_at shows as expired.
    status: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    booking_id: Mapped[str | None] = mapped_column(String(40))  # converted: the booking made
    waitlist_entry_id: Mapped[str | None] = mapped_column(String(40))  # placed for a promotion
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDocument, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The hosts of ``host_ids``, in order, for showing the hold. Never loaded through SQL (its
    # occupancy rows exist only while it is active): ``holds.service.load_hosts`` fills it from
    # ``host_ids``, one query per page; the join below only declares what it means while active.
    hosts: Mapped[list[Host]] = _occupied_hosts("Hold")

    __table_args__ = (
        _scoped("ix_holds_account_start", "start_at", "id"),
        Index("ix_holds_active_expiry", "status", "expires_at"),
    )


class WaitlistEntry(_Owned, Base):
    """A person queued for a start (or any start on a day, ``wait_date``, in the event type's
    zone) of an event type; promoted in queue order (``created_at``, ``id``) when it frees."""

    __tablename__ = "waitlist_entries"

    event_type_id: Mapped[str] = mapped_column(ForeignKey("event_types.id"))
    start_at: Mapped[datetime | None]
    wait_date: Mapped[date | None] = mapped_column(Date)
    host_id: Mapped[str | None] = mapped_column(String(40))
    invitee_name: Mapped[str] = mapped_column(String(200))
    invitee_email: Mapped[str] = mapped_column(String(320))
    invitee_time_zone: Mapped[str | None] = mapped_column(String(64))
    # waiting | promoted | booked | expired | cancelled
    status: Mapped[str] = mapped_column(String(16))
    hold_id: Mapped[str | None] = mapped_column(String(40))
    booking_id: Mapped[str | None] = mapped_column(String(40))
    # "<event type>|<start or date>|<lower-cased email>" while waiting or promoted, else NULL:
    # unique, so the same person cannot queue twice for one slot (NULLs never collide).
    dedupe_key: Mapped[str | None] = mapped_column(String(450))
    # The confirm link's token, as for bookings' invitee links: SHA-256 and a sealed copy.
    token_hash: Mapped[str | None] = mapped_column(String(64))
    token_sealed: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDocument, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    promoted_at: Mapped[datetime | None]

    __table_args__ = (
        _scoped("ix_waitlist_account_created", "created_at", "id"),
        Index("ix_waitlist_queue", "event_type_id", "status", "created_at", "id"),
        Index("ux_waitlist_dedupe_key", "dedupe_key", unique=True),
        Index("ux_waitlist_token_hash", "token_hash", unique=True),
    )


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    account_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # Live and test keys of one account never share a stored response.
    livemode: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of method, path, body
    status: Mapped[str] = mapped_column(String(16))  # in_flight | done
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class OutboxMessage(Base):
    """A side effect owed by a committed write: a webhook event, an email or a calendar write-back.

    Written in the same transaction as the change it describes; the relay claims rows with a lease.
    The rows of one booking are numbered ``booking_seq`` = 1, 2, … in the order they were written
    (``outbox/writer.py``); a row is not claimed while an earlier one of its booking is unfinished.
    """

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(40))
    livemode: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(16))  # webhook | email | calendar | reminder
    topic: Mapped[str] = mapped_column(String(64))  # booking.created, booking.cancelled, …
    booking_id: Mapped[str | None] = mapped_column(String(40))
    # The row's place among its booking's rows (NULL without a booking, and for the reminders
    # planned outside the booking's order): the relay's order key.
    booking_seq: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_at: Mapped[datetime]
    available_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_outbox_pending", "completed_at", "available_at"),
        # One write order per booking; the writer reads the booking's highest number here.
        Index("ux_outbox_booking_seq", "booking_id", "booking_seq", unique=True),
        # The claim's "no earlier unfinished row of this booking" test: a few entries at most. Partial,
        # so the planner never prefers ix_outbox_pending for it (it did on a fresh table: O(n²)).
        Index(
            "ix_outbox_booking_unfinished",
            "booking_id",
            "booking_seq",
            **_partial("completed_at IS NULL"),
        ),
    )


class WebhookEndpoint(_Owned, Base):
    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSONDocument)
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    secret_enc: Mapped[str] = mapped_column(Text)
    previous_secret_enc: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None]
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (_scoped("ix_webhook_endpoints_account", "created_at", "id"),)


class WebhookDelivery(Base):
    """One event owed to one endpoint; ``event_id`` is the stable ``webhook-id`` across retries.

    ``booking_id``/``booking_seq`` are the outbox row's: a delivery is not attempted while an
    earlier delivery of the same booking to the same endpoint is still pending.
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(64))
    booking_id: Mapped[str | None] = mapped_column(String(40))
    booking_seq: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(16))  # pending | succeeded | failed
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_event"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at", "id"),
        # "No earlier pending delivery of this booking to this endpoint" (the dispatcher's claim).
        Index(
            "ix_webhook_deliveries_booking_pending",
            "endpoint_id",
            "booking_id",
            "booking_seq",
            **_partial("status = 'pending'"),
        ),
    )


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime]
    response_status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    response_body: Mapped[str | None] = mapped_column(Text)  # truncated
    next_attempt_at: Mapped[datetime | None]


class CalendarConnection(_Owned, Base):
    __tablename__ = "calendar_connections"

    host_id: Mapped[str] = mapped_column(ForeignKey("hosts.id"))
    provider: Mapped[str] = mapped_column(String(16))  # google | microsoft | caldav
    status: Mapped[str] = mapped_column(String(16))  # pending | active | error | expired
    account_email: Mapped[str | None] = mapped_column(String(320))
    server_url: Mapped[str | None] = mapped_column(Text)  # CalDAV
    username: Mapped[str | None] = mapped_column(String(320))  # CalDAV
    # AES-GCM sealed JSON: CalDAV password, or OAuth access/refresh tokens.
    credentials_enc: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None]
    calendars: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    last_error: Mapped[str | None] = mapped_column(Text)
    # OAuth in flight: state is looked up on the callback; the PKCE verifier is sealed.
    oauth_state: Mapped[str | None] = mapped_column(String(128), unique=True)
    pkce_verifier_enc: Mapped[str | None] = mapped_column(Text)
    redirect_uri: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (_scoped("ix_calendar_connections_account", "created_at", "id"),)


class RateLimitCounter(Base):
    """Fixed-window request counters, shared by every process that uses this database."""

    __tablename__ = "rate_limit_counters"

    bucket: Mapped[str] = mapped_column(String(80), primary_key=True)  # "<key id>:<window start>"
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class EmailCopy(Base):
    """One copy of an email outbox row (the invitee's or the host's) that the mail relay accepted.

    Committed as soon as the relay accepts the copy, before the row is settled, so a run of the row
    after a crash sends only the copies missing here. Goes with its outbox row (ON DELETE CASCADE).
    """

    __tablename__ = "email_copies"

    outbox_id: Mapped[str] = mapped_column(
        ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)  # invitee | host
    message_id: Mapped[str] = mapped_column(Text)  # the Message-ID header the copy carried
    accepted_at: Mapped[datetime]
