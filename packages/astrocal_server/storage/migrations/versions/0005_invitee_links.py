"""invitee links: a booking's invitee token (hash + sealed copy), who changed it, the event type's
self-service rules and the account's link template

Revision ID: 0005
Revises: 0004

Bookings made before this revision get their token from the server at start-up (the token is
sealed with the server's key, which a migration does not hold).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"


def _added() -> dict[str, list[sa.Column[object]]]:
    """The columns this revision adds, by table, in the order it adds them."""
    return {
        "bookings": [
            sa.Column("invitee_token_hash", sa.String(length=64), nullable=True),
            sa.Column("invitee_token_sealed", sa.Text(), nullable=True),
            sa.Column("cancelled_by", sa.String(length=16), nullable=True),
            sa.Column("rescheduled_by", sa.String(length=16), nullable=True),
        ],
        "event_types": [
            sa.Column("invitee_can_cancel", sa.Boolean(), nullable=False, server_default=sa.true()),
            sa.Column(
                "invitee_can_reschedule", sa.Boolean(), nullable=False, server_default=sa.true()
            ),
            sa.Column(
                "invitee_change_notice_minutes",
                sa.Integer(),
                nullable=False,
                server_default=sa.text("0"),
            ),
        ],
        "accounts": [sa.Column("invitee_url_template", sa.Text(), nullable=True)],
    }


def upgrade() -> None:
    for table, columns in _added().items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(column)
            if table == "bookings":
                batch_op.create_index(
                    "ux_bookings_invitee_token_hash", ["invitee_token_hash"], unique=True
                )


def downgrade() -> None:
    for table, columns in reversed(_added().items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "bookings":
                batch_op.drop_index("ux_bookings_invitee_token_hash")
            for column in reversed(columns):
                batch_op.drop_column(column.name)
