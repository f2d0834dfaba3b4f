"""invitee links: a booking's invitee token (hash + sealed copy), who changed it, the event type's
self-service rules and the account's link template

Revision ID: 0005
Revises: 0004

Bookings made before this revision get their token from the server at start-up (the token is
sealed with the server's key, which a migration does not hold).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invitee_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("invitee_token_sealed", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("rescheduled_by", sa.String(length=16), nullable=True))
        batch_op.create_index("ux_bookings_invitee_token_hash", ["invitee_token_hash"], unique=True)
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("invitee_can_cancel", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column(
                "invitee_can_reschedule", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
        batch_op.add_column(
            sa.Column(
                "invitee_change_notice_minutes",
                sa.Integer(),
                nullable=False,
                server_default=sa.text("0"),
            )
        )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invitee_url_template", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("invitee_url_template")
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.drop_column("invitee_change_notice_minutes")
        batch_op.drop_column("invitee_can_reschedule")
        batch_op.drop_column("invitee_can_cancel")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ux_bookings_invitee_token_hash")
        batch_op.drop_column("rescheduled_by")
        batch_op.drop_column("cancelled_by")
        batch_op.drop_column("invitee_token_sealed")
        batch_op.drop_column("invitee_token_hash")
