"""booking_hosts: a host's occupants indexed by where their blocked time ends

Revision ID: 0009
Revises: 0008

Every read of what occupies a host (a booking's re-check, a day of availability) asks for the
blocks that meet a window: ``block_end > lo AND block_start < hi``. Indexed by ``(host_id,
block_start, …)`` that is a scan of every block that started before the window, the host's whole
history; by ``(host_id, block_end, …)`` it is a scan of the blocks that end after the window
opens, what is still ahead of it. The index's columns are put in that order.
"""

from __future__ import annotations

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"


def upgrade() -> None:
    op.drop_index("ix_booking_hosts_host_block", table_name="booking_hosts")
    op.create_index(
        "ix_booking_hosts_host_block_end", "booking_hosts", ["host_id", "block_end", "block_start"]
    )


def downgrade() -> None:
    op.drop_index("ix_booking_hosts_host_block_end", table_name="booking_hosts")
    op.create_index(
        "ix_booking_hosts_host_block", "booking_hosts", ["host_id", "block_start", "block_end"]
    )
