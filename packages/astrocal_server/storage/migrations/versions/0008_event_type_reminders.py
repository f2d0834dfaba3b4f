"""reminders: an event type's reminders

Revision ID: 0008
Revises: 0007

Existing event types remind nobody (``[]``); the column defaults to ``[]`` in the database too, so
a writer that does not name it (code from before this revision during a rolling upgrade) still
inserts rows. The planned reminders themselves are outbox rows (``kind = "reminder"``) and need no
table of their own.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from astrocal_server.storage.types import JSONDocument

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminders", JSONDocument, nullable=True))
    op.get_bind().execute(
        sa.text("UPDATE event_types SET reminders = :empty").bindparams(
            sa.bindparam("empty", type_=JSONDocument)
        ),
        {"empty": []},
    )
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.alter_column(
            "reminders", existing_type=JSONDocument, nullable=False, server_default=sa.text("'[]'")
        )


def downgrade() -> None:
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.drop_column("reminders")
