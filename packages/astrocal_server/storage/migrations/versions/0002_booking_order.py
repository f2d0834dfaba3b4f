"""Per-booking write order: ``outbox.booking_seq`` and the deliveries' ``booking_id``/``booking_seq``

The relay claims a booking's outbox row only once every earlier row of that booking is finished,
and the webhook dispatcher attempts a delivery only once every earlier delivery of the same booking
to the same endpoint is no longer pending; ``booking_seq`` (1, 2, … per booking) is that order.

Existing rows are numbered by ``(created_at, id)``, the order the relay used before; deliveries take
the numbers of the outbox rows their event came from (``whe_X`` came from ``ob_X``). Deliveries whose
outbox row is gone keep NULLs and are not ordered, as before.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from astrocal_server.storage.migrations._tables import id_column

revision: str = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booking_seq", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE outbox SET booking_seq = ("
        " SELECT count(*) FROM outbox AS earlier"
        " WHERE earlier.booking_id = outbox.booking_id"
        " AND (earlier.created_at < outbox.created_at"
        " OR (earlier.created_at = outbox.created_at AND earlier.id <= outbox.id))"
        ") WHERE booking_id IS NOT NULL"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ux_outbox_booking_seq", ["booking_id", "booking_seq"], unique=True)
        batch_op.create_index(
            "ix_outbox_booking_unfinished",
            ["booking_id", "booking_seq"],
            unique=False,
            sqlite_where=sa.text("completed_at IS NULL"),
            postgresql_where=sa.text("completed_at IS NULL"),
        )

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(id_column("booking_id", nullable=True))
        batch_op.add_column(sa.Column("booking_seq", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE webhook_deliveries SET"
        " booking_id = (SELECT outbox.booking_id FROM outbox"
        " WHERE outbox.id = 'ob_' || substr(webhook_deliveries.event_id, 5)),"
        " booking_seq = (SELECT outbox.booking_seq FROM outbox"
        " WHERE outbox.id = 'ob_' || substr(webhook_deliveries.event_id, 5))"
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_booking_pending",
            ["endpoint_id", "booking_id", "booking_seq"],
            unique=False,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_booking_pending")
        batch_op.drop_column("booking_seq")
        batch_op.drop_column("booking_id")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_booking_unfinished")
        batch_op.drop_index("ux_outbox_booking_seq")
        batch_op.drop_column("booking_seq")
