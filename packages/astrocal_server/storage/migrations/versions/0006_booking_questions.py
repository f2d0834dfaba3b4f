"""booking questions: an event type's questions, a booking's answers

Revision ID: 0006
Revises: 0005

Existing event types ask nothing (``[]``) and existing bookings answered nothing (``[]``); the
columns default to ``[]`` in the database too, so a writer that does not name them (code from
before this revision during a rolling upgrade, a hand-written INSERT) still inserts rows. A
booking's answers are a list (``{key, label, type, value}`` in question order), since PostgreSQL's
JSONB does not keep the key order of an object.
"""

from __future__ import annotations

from alembic import op
from astrocal_server.storage.migrations._tables import add_json_list

revision: str = "0006"
down_revision: str | None = "0005"

# (table, column) pairs this revision adds, each an empty JSON list on existing rows.
_ADDED = (("event_types", "questions"), ("bookings", "answers"))


def upgrade() -> None:
    for table, column in _ADDED:
        add_json_list(table, column)


def downgrade() -> None:
    for table, column in reversed(_ADDED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
