"""Column groups and steps that several revisions in ``versions/`` write the same way.

Contract: each helper emits exactly the DDL its callers wrote out before it existed, so the schema
a revision produces never depends on whether it uses one. A revision is history: change a helper
only in ways that keep every caller's output identical (``tests/server/test_migrations.py``
compares the migrated schema with the models on SQLite and PostgreSQL).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from astrocal_server.storage.types import JSONDocument, UTCDateTime

__all__ = [
    "ACCOUNT_ORDER",
    "account_fk",
    "add_json_list",
    "block_columns",
    "calendar_columns",
    "create_owned_table",
    "id_column",
    "invitee_columns",
    "lease_columns",
    "owned_columns",
    "partial",
    "person_columns",
    "stamps",
]

# The listing order of an account's objects: the ``ix_<table>_account`` index of owned tables.
ACCOUNT_ORDER = ["account_id", "livemode", "created_at", "id"]


def id_column(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """A column holding an object's id (``<prefix>_…``, at most 40 characters)."""
    return sa.Column(name, sa.String(length=40), nullable=nullable)


def owned_columns() -> list[sa.Column[Any]]:
    """``id``, ``account_id`` and ``livemode``: the first columns of every tenant-owned table."""
    return [
        id_column("id"),
        id_column("account_id"),
        sa.Column("livemode", sa.Boolean(), nullable=False),
    ]


def stamps(*, deleted: bool = False) -> list[sa.Column[Any]]:
    """``created_at``, ``updated_at`` and, for soft-deleted rows, ``deleted_at``."""
    columns: list[sa.Column[Any]] = [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]
    if deleted:
        columns.append(sa.Column("deleted_at", UTCDateTime(), nullable=True))
    return columns


def person_columns() -> list[sa.Column[Any]]:
    """``name``, ``email`` and ``time_zone`` of a person (an account's owner, a host)."""
    return [
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
    ]


def invitee_columns() -> list[sa.Column[Any]]:
    """The invitee of a booking or a waitlist entry."""
    return [
        sa.Column("invitee_name", sa.String(length=200), nullable=False),
        sa.Column("invitee_email", sa.String(length=320), nullable=False),
        sa.Column("invitee_time_zone", sa.String(length=64), nullable=True),
    ]


def block_columns() -> list[sa.Column[Any]]:
    """The interval an occupant blocks and its seat key (rows sharing one may overlap)."""
    return [
        sa.Column("block_start", UTCDateTime(), nullable=False),
        sa.Column("block_end", UTCDateTime(), nullable=False),
        sa.Column("seat_key", sa.String(length=120), nullable=False),
    ]


def calendar_columns() -> list[sa.Column[Any]]:
    """The calendars checked for conflicts and the one bookings are written to."""
    return [
        sa.Column("conflict_calendars", JSONDocument, nullable=False),
        sa.Column("destination_calendar", JSONDocument, nullable=True),
    ]


def lease_columns() -> list[sa.Column[Any]]:
    """Who claimed a queued row (outbox, webhook delivery) and until when."""
    return [
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
    ]


def account_fk() -> sa.ForeignKeyConstraint:
    """The row goes with its account."""
    return sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE")


def create_owned_table(
    name: str,
    *columns: sa.Column[Any],
    deleted: bool = False,
    references: tuple[tuple[str, str], ...] = (),
    unique: tuple[str, ...] = (),
    index: bool = True,
) -> None:
    """Create a tenant-owned table: :func:`owned_columns`, ``columns``, :func:`stamps`, the account's
    foreign key, then ``references`` (``(column, "table.id")`` foreign keys, in that order), the
    primary key ``id``, a unique constraint on each ``unique`` column and, with ``index``,
    ``ix_<name>_account`` on :data:`ACCOUNT_ORDER`."""
    # Built in this order on purpose: SQLAlchemy emits a table's constraints in creation order.
    constraints: list[sa.Constraint] = [account_fk()]
    constraints += [sa.ForeignKeyConstraint([col], [target]) for col, target in references]
    constraints.append(sa.PrimaryKeyConstraint("id"))
    constraints += [sa.UniqueConstraint(col) for col in unique]
    op.create_table(name, *owned_columns(), *columns, *stamps(deleted=deleted), *constraints)
    if index:
        op.create_index(f"ix_{name}_account", name, ACCOUNT_ORDER)


def partial(where: str) -> dict[str, Any]:
    """The keyword arguments that make an index partial on both dialects."""
    return {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}


def add_json_list(table: str, column: str) -> None:
    """Add ``column`` to ``table``: a JSON list, ``[]`` on existing rows and by default in the
    database (so a writer that does not name it, such as code from before the revision during a
    rolling upgrade, still inserts rows)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column(column, JSONDocument, nullable=True))
    # Table and column names are the revisions' fixed literals: nothing here comes from data.
    op.get_bind().execute(
        sa.text(f"UPDATE {table} SET {column} = :empty").bindparams(  # noqa: S608
            sa.bindparam("empty", type_=JSONDocument)
        ),
        {"empty": []},
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column(
            column, existing_type=JSONDocument, nullable=False, server_default=sa.text("'[]'")
        )
