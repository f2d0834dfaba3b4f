"""Initial schema: every table in astrocal_server.storage.models

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from astrocal_server.storage.migrations._tables import (
    block_columns,
    calendar_columns,
    create_owned_table,
    id_column,
    invitee_columns,
    lease_columns,
    owned_columns,
    partial,
    person_columns,
)
from astrocal_server.storage.types import JSONDocument, UTCDateTime

revision: str = "0001"
down_revision: str | None = None

# Every table this revision creates, in the order it creates them (foreign keys point backwards).
_TABLES = (
    "accounts",
    "idempotency_keys",
    "outbox",
    "rate_limit_counters",
    "api_keys",
    "calendar_connections",
    "schedules",
    "webhook_endpoints",
    "event_types",
    "webhook_deliveries",
    "bookings",
    "webhook_attempts",
)


def upgrade() -> None:
    op.create_table(
        "accounts",
        id_column("id"),
        *person_columns(),
        sa.Column("plan", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "idempotency_keys",
        id_column("account_id"),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_headers", JSONDocument, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "livemode", "key"),
    )
    op.create_index(op.f("ix_idempotency_keys_expires_at"), "idempotency_keys", ["expires_at"])

    op.create_table(
        "outbox",
        *owned_columns(),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        id_column("booking_id", nullable=True),
        sa.Column("payload", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("available_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        *lease_columns(),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["completed_at", "available_at"])

    op.create_table(
        "rate_limit_counters",
        sa.Column("bucket", sa.String(length=80), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("bucket"),
    )
    op.create_index(
        op.f("ix_rate_limit_counters_expires_at"), "rate_limit_counters", ["expires_at"]
    )

    op.create_table(
        "api_keys",
        id_column("id"),
        id_column("account_id"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index(op.f("ix_api_keys_account_id"), "api_keys", ["account_id"])

    create_owned_table(
        "calendar_connections",
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("account_email", sa.String(length=320), nullable=True),
        sa.Column("server_url", sa.Text(), nullable=True),
        sa.Column("username", sa.String(length=320), nullable=True),
        sa.Column("credentials_enc", sa.Text(), nullable=True),
        sa.Column("token_expires_at", UTCDateTime(), nullable=True),
        sa.Column("calendars", JSONDocument, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("oauth_state", sa.String(length=128), nullable=True),
        sa.Column("pkce_verifier_enc", sa.Text(), nullable=True),
        sa.Column("redirect_uri", sa.Text(), nullable=True),
        unique=("oauth_state",),
    )

    create_owned_table(
        "schedules",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("weekly_hours", JSONDocument, nullable=False),
        sa.Column("date_overrides", JSONDocument, nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        deleted=True,
    )

    create_owned_table(
        "webhook_endpoints",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", JSONDocument, nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("previous_secret_enc", sa.Text(), nullable=True),
        sa.Column("previous_secret_expires_at", UTCDateTime(), nullable=True),
        sa.Column("failing_since", UTCDateTime(), nullable=True),
    )

    create_owned_table(
        "event_types",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("duration_options", JSONDocument, nullable=True),
        sa.Column("slot_interval_minutes", sa.Integer(), nullable=True),
        sa.Column("buffer_before_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_after_minutes", sa.Integer(), nullable=False),
        sa.Column("minimum_notice_minutes", sa.Integer(), nullable=False),
        sa.Column("booking_window_days", sa.Integer(), nullable=False),
        sa.Column("max_bookings_per_day", sa.Integer(), nullable=True),
        sa.Column("seats_per_slot", sa.Integer(), nullable=False),
        id_column("schedule_id"),
        sa.Column("location", JSONDocument, nullable=True),
        *calendar_columns(),
        sa.Column("on_calendar_error", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("metadata", JSONDocument, nullable=False),
        deleted=True,
        references=(("schedule_id", "schedules.id"),),
    )
    op.create_index(
        "uq_event_types_slug",
        "event_types",
        ["account_id", "livemode", "slug"],
        unique=True,
        **partial("deleted_at IS NULL"),
    )

    op.create_table(
        "webhook_deliveries",
        id_column("id"),
        id_column("endpoint_id"),
        id_column("account_id"),
        id_column("event_id"),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("payload", JSONDocument, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        *lease_columns(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoints.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_event"),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_endpoint", "webhook_deliveries", ["endpoint_id", "created_at", "id"]
    )

    create_owned_table(
        "bookings",
        id_column("event_type_id"),
        id_column("host_id"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        *block_columns(),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        *invitee_columns(),
        sa.Column("guests", JSONDocument, nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("metadata", JSONDocument, nullable=False),
        sa.Column("location", JSONDocument, nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("rescheduled_at", UTCDateTime(), nullable=True),
        sa.Column("reschedule_reason", sa.Text(), nullable=True),
        sa.Column("previous_start", UTCDateTime(), nullable=True),
        sa.Column("previous_end", UTCDateTime(), nullable=True),
        sa.Column("ics_sequence", sa.Integer(), nullable=False),
        sa.Column("external_events", JSONDocument, nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        references=(("event_type_id", "event_types.id"),),
        index=False,
    )
    op.create_index(
        "ix_bookings_account_created", "bookings", ["account_id", "livemode", "created_at"]
    )
    op.create_index(
        "ix_bookings_account_start", "bookings", ["account_id", "livemode", "start_at", "id"]
    )
    op.create_index("ix_bookings_host_block", "bookings", ["host_id", "block_start", "block_end"])
    op.create_index(
        "ux_bookings_idempotency_key",
        "bookings",
        ["account_id", "livemode", "idempotency_key"],
        unique=True,
    )
    if op.get_bind().dialect.name == "postgresql":
        # The backstop against double booking: no two confirmed bookings of one host whose blocks
        # overlap, unless they share a seat key (seats of one slot).
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap EXCLUDE USING gist "
            "(host_id WITH =, tstzrange(block_start, block_end) WITH &&, seat_key WITH <>) "
            "WHERE (status = 'confirmed')"
        )

    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        id_column("delivery_id"),
        sa.Column("attempted_at", UTCDateTime(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["delivery_id"], ["webhook_deliveries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_webhook_attempts_delivery_id"), "webhook_attempts", ["delivery_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes (and, on PostgreSQL, the exclusion constraint) with it.
    for table in reversed(_TABLES):
        op.drop_table(table)
