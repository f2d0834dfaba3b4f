"""email_copies: which copies of an email outbox row the mail relay accepted

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from astrocal_server.storage.migrations._tables import id_column
from astrocal_server.storage.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"


def upgrade() -> None:
    op.create_table(
        "email_copies",
        id_column("outbox_id"),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outbox_id", "role"),
    )


def downgrade() -> None:
    op.drop_table("email_copies")
