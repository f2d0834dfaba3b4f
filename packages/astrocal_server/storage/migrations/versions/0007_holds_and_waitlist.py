"""holds and the waitlist: ``holds``, ``waitlist_entries``, and ``booking_hosts`` as the one table
of what occupies a host

Revision ID: 0007
Revises: 0006

``booking_hosts`` is rebuilt: its occupant id (``booking_id``) may now name a hold, so the foreign
key to ``bookings`` goes; the occupant's event type, start and end are copied onto each row (the
availability engine's input is then this one table, with no join), and holds carry
``expires_at``. On PostgreSQL the exclusion constraint ``ex_booking_hosts_no_overlap`` now covers
confirmed bookings and holds alike (status ``confirmed`` or ``held``), so a hold and a booking can
never share a host's time either. Existing rows are copied with their booking's values.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from astrocal_server.storage.migrations._tables import (
    account_fk,
    block_columns,
    create_owned_table,
    id_column,
    invitee_columns,
    owned_columns,
    stamps,
)
from astrocal_server.storage.types import JSONDocument, UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"

_CONSTRAINT = (
    "ALTER TABLE booking_hosts ADD CONSTRAINT ex_booking_hosts_no_overlap EXCLUDE USING gist"
    " (host_id WITH =, tstzrange(block_start, block_end) WITH &&, seat_key WITH <>)"
    " WHERE (status IN {statuses})"
)


def _occupancy_table(name: str, *, holds: bool) -> None:
    columns: list[sa.Column[object]] = [
        id_column("booking_id"),
        id_column("host_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
    ]
    if holds:
        columns += [
            id_column("event_type_id"),
            sa.Column("start_at", UTCDateTime(), nullable=False),
            sa.Column("end_at", UTCDateTime(), nullable=False),
        ]
    columns += block_columns()
    if holds:
        columns.append(sa.Column("expires_at", UTCDateTime(), nullable=True))
    constraints: list[sa.Constraint] = [sa.ForeignKeyConstraint(["host_id"], ["hosts.id"])]
    if not holds:
        constraints.append(
            sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], ondelete="CASCADE")
        )
    op.create_table(name, *columns, *constraints, sa.PrimaryKeyConstraint("booking_id", "host_id"))


def _swap_booking_hosts(*, holds: bool, copy: str) -> None:
    """Rebuild ``booking_hosts`` in the shape ``holds`` says, copying rows with ``copy``."""
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE booking_hosts DROP CONSTRAINT ex_booking_hosts_no_overlap")
    _occupancy_table("booking_hosts_next", holds=holds)
    op.execute(copy)
    op.drop_index("ix_booking_hosts_host_block", table_name="booking_hosts")
    op.drop_table("booking_hosts")
    op.rename_table("booking_hosts_next", "booking_hosts")
    op.create_index(
        "ix_booking_hosts_host_block", "booking_hosts", ["host_id", "block_start", "block_end"]
    )
    if postgres:
        op.execute(
            _CONSTRAINT.format(statuses="('confirmed', 'held')" if holds else "('confirmed')")
        )


def upgrade() -> None:
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "waitlist_hold_minutes", sa.Integer(), nullable=False, server_default=sa.text("30")
            )
        )
    create_owned_table(
        "holds",
        id_column("event_type_id"),
        id_column("host_id"),
        sa.Column("host_ids", JSONDocument, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        id_column("booking_id", nullable=True),
        id_column("waitlist_entry_id", nullable=True),
        sa.Column("metadata", JSONDocument, nullable=False),
        references=(("event_type_id", "event_types.id"),),
        index=False,
    )
    op.create_index("ix_holds_account_start", "holds", ["account_id", "livemode", "start_at", "id"])
    op.create_index("ix_holds_active_expiry", "holds", ["status", "expires_at"])
    op.create_table(
        "waitlist_entries",
        *owned_columns(),
        id_column("event_type_id"),
        sa.Column("start_at", UTCDateTime(), nullable=True),
        sa.Column("wait_date", sa.Date(), nullable=True),
        id_column("host_id", nullable=True),
        *invitee_columns(),
        sa.Column("status", sa.String(length=16), nullable=False),
        id_column("hold_id", nullable=True),
        id_column("booking_id", nullable=True),
        sa.Column("dedupe_key", sa.String(length=450), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_sealed", sa.Text(), nullable=True),
        sa.Column("metadata", JSONDocument, nullable=False),
        *stamps(),
        sa.Column("promoted_at", UTCDateTime(), nullable=True),
        account_fk(),
        sa.ForeignKeyConstraint(["event_type_id"], ["event_types.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_waitlist_account_created",
        "waitlist_entries",
        ["account_id", "livemode", "created_at", "id"],
    )
    op.create_index(
        "ix_waitlist_queue", "waitlist_entries", ["event_type_id", "status", "created_at", "id"]
    )
    op.create_index("ux_waitlist_dedupe_key", "waitlist_entries", ["dedupe_key"], unique=True)
    op.create_index("ux_waitlist_token_hash", "waitlist_entries", ["token_hash"], unique=True)
    _swap_booking_hosts(
        holds=True,
        copy=(
            "INSERT INTO booking_hosts_next (booking_id, host_id, position, status, event_type_id,"
            " start_at, end_at, block_start, block_end, seat_key, expires_at)"
            " SELECT h.booking_id, h.host_id, h.position, h.status, b.event_type_id, b.start_at,"
            " b.end_at, h.block_start, h.block_end, h.seat_key, NULL"
            " FROM booking_hosts h JOIN bookings b ON b.id = h.booking_id"
        ),
    )


def downgrade() -> None:
    # Holds cannot be represented before this revision: their occupancy rows go with them.
    _swap_booking_hosts(
        holds=False,
        copy=(
            "INSERT INTO booking_hosts_next (booking_id, host_id, position, status, block_start,"
            " block_end, seat_key) SELECT booking_id, host_id, position, status, block_start,"
            " block_end, seat_key FROM booking_hosts WHERE status <> 'held'"
        ),
    )
    op.drop_table("waitlist_entries")
    op.drop_table("holds")
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.drop_column("waitlist_hold_minutes")
