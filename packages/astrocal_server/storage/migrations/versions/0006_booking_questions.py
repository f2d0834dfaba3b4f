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

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from astrocal_server.storage.types import JSONDocument

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column) pairs this revision adds, each an empty JSON list on existing rows.
_ADDED = (("event_types", "questions"), ("bookings", "answers"))


def upgrade() -> None:
    for table, column in _ADDED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, JSONDocument, nullable=True))
        # Table and column names are the fixed literals above: nothing here comes from data.
        op.get_bind().execute(
            sa.text(f"UPDATE {table} SET {column} = :empty").bindparams(  # noqa: S608
                sa.bindparam("empty", type_=JSONDocument)
            ),
            {"empty": []},
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=JSONDocument,
                nullable=False,
                server_default=sa.text("'[]'"),
            )


def downgrade() -> None:
    for table, column in reversed(_ADDED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
