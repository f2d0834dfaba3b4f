"""reminders: an event type's reminders

Revision ID: 0008
Revises: 0007

Existing event types remind nobody (``[]``); the column defaults to ``[]`` in the database too, so
a writer that does not name it (code from before this revision during a rolling upgrade) still
inserts rows. The planned reminders themselves are outbox rows (``kind = "reminder"``) and need no
table of their own.
"""

from __future__ import annotations

from alembic import op
from astrocal_server.storage.migrations._tables import add_json_list

revision: str = "0008"
down_revision: str | None = "0007"


def upgrade() -> None:
    add_json_list("event_types", "reminders")


def downgrade() -> None:
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.drop_column("reminders")
