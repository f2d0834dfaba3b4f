"""hosts: many people per account; bookings occupy hosts through booking_hosts

Every account gets a default host in each mode (its owner: the account's name, email and zone, the
mode's default schedule). Existing schedules, calendar connections and bookings move onto it; each
booking gets one ``booking_hosts`` row, and on PostgreSQL the no-overlap exclusion constraint moves
from ``bookings`` to ``booking_hosts`` (per host). Event types gain ``hosts`` (empty: the default
host) and ``assignment`` (``single``), and ``schedule_id`` may be NULL (team event types whose hosts
each work their own default schedule).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import secrets
import string

import sqlalchemy as sa
from alembic import op
from astrocal_server.storage.migrations._tables import (
    block_columns,
    calendar_columns,
    create_owned_table,
    id_column,
    partial,
    person_columns,
)
from astrocal_server.storage.types import JSONDocument, UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"

_ALPHABET = string.ascii_lowercase + string.digits
# Each table's rows move onto the default host of their account and mode (table names are fixed
# literals: no identifier is ever built from data).
_TO_DEFAULT_HOST = {
    table: (
        f"UPDATE {table} SET host_id = (SELECT hosts.id FROM hosts"  # noqa: S608
        f" WHERE hosts.account_id = {table}.account_id AND hosts.livemode = {table}.livemode"
        " AND hosts.is_default)"
    )
    for table in ("schedules", "calendar_connections", "bookings")
}


def _host_id() -> str:
    # The id form of astrocal_server.ids.new_id("host"), frozen here as this revision wrote it.
    return "host_" + "".join(secrets.choice(_ALPHABET) for _ in range(20))


def _create_default_hosts() -> None:
    bind = op.get_bind()
    accounts = bind.execute(
        sa.text("SELECT id, name, email, time_zone, created_at FROM accounts").columns(
            created_at=UTCDateTime()
        )
    ).all()
    hosts = sa.table(
        "hosts",
        sa.column("id", sa.String),
        sa.column("account_id", sa.String),
        sa.column("livemode", sa.Boolean),
        sa.column("name", sa.String),
        sa.column("email", sa.String),
        sa.column("time_zone", sa.String),
        sa.column("default_schedule_id", sa.String),
        sa.column("conflict_calendars", JSONDocument),
        sa.column("destination_calendar", JSONDocument),
        sa.column("external_id", sa.String),
        sa.column("metadata", JSONDocument),
        sa.column("active", sa.Boolean),
        sa.column("is_default", sa.Boolean),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
        sa.column("deleted_at", UTCDateTime()),
    )
    rows = []
    for account in accounts:
        for livemode in (True, False):
            schedule_id = bind.execute(
                sa.text(
                    "SELECT id FROM schedules WHERE account_id = :a AND livemode = :m"
                    " AND is_default AND deleted_at IS NULL ORDER BY created_at, id"
                ),
                {"a": account.id, "m": livemode},
            ).scalar()
            rows.append(
                {
                    "id": _host_id(),
                    "account_id": account.id,
                    "livemode": livemode,
                    "name": account.name,
                    "email": account.email,
                    "time_zone": account.time_zone,
                    "default_schedule_id": schedule_id,
                    "conflict_calendars": [],
                    "destination_calendar": None,
                    "external_id": None,
                    "metadata": {},
                    "active": True,
                    "is_default": True,
                    "created_at": account.created_at,
                    "updated_at": account.created_at,
                    "deleted_at": None,
                }
            )
    if rows:
        op.bulk_insert(hosts, rows)


def upgrade() -> None:
    create_owned_table(
        "hosts",
        *person_columns(),
        id_column("default_schedule_id", nullable=True),
        *calendar_columns(),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("metadata", JSONDocument, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        deleted=True,
    )
    # Unique among a mode's live hosts: the app's external id, and one default host.
    for index, columns, where in (
        ("uq_hosts_external_id", ["external_id"], "deleted_at IS NULL AND external_id IS NOT NULL"),
        ("uq_hosts_default", [], "is_default"),
    ):
        op.create_index(
            index, "hosts", ["account_id", "livemode", *columns], unique=True, **partial(where)
        )
    _create_default_hosts()

    for table in ("schedules", "calendar_connections"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(id_column("host_id", nullable=True))
        op.execute(_TO_DEFAULT_HOST[table])
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("host_id", existing_type=sa.String(length=40), nullable=False)
            batch_op.create_foreign_key(f"fk_{table}_host", "hosts", ["host_id"], ["id"])

    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hosts", JSONDocument, nullable=True))
        batch_op.add_column(sa.Column("assignment", sa.String(length=16), nullable=True))
    op.get_bind().execute(
        sa.text("UPDATE event_types SET hosts = :empty, assignment = 'single'").bindparams(
            sa.bindparam("empty", type_=JSONDocument)
        ),
        {"empty": []},
    )
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.alter_column("hosts", existing_type=JSONDocument, nullable=False)
        batch_op.alter_column("assignment", existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column("schedule_id", existing_type=sa.String(length=40), nullable=True)

    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE bookings DROP CONSTRAINT ex_bookings_no_overlap")
    op.execute(_TO_DEFAULT_HOST["bookings"])
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_host_block")

    op.create_table(
        "booking_hosts",
        id_column("booking_id"),
        id_column("host_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *block_columns(),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["host_id"], ["hosts.id"]),
        sa.PrimaryKeyConstraint("booking_id", "host_id"),
    )
    with op.batch_alter_table("booking_hosts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_hosts_host_block", ["host_id", "block_start", "block_end"], unique=False
        )
    op.execute(
        "INSERT INTO booking_hosts"
        " (booking_id, host_id, position, status, block_start, block_end, seat_key)"
        " SELECT id, host_id, 0, status, block_start, block_end, seat_key FROM bookings"
    )
    if postgres:
        # The backstop against double booking, now per host: no host holds two confirmed bookings
        # whose blocks overlap, unless they share a seat key (seats of one slot).
        op.execute(
            "ALTER TABLE booking_hosts ADD CONSTRAINT ex_booking_hosts_no_overlap EXCLUDE USING"
            " gist (host_id WITH =, tstzrange(block_start, block_end) WITH &&, seat_key WITH <>)"
            " WHERE (status = 'confirmed')"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_table("booking_hosts")
    op.execute("UPDATE bookings SET host_id = account_id")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_host_block", ["host_id", "block_start", "block_end"], unique=False
        )
    if postgres:
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap EXCLUDE USING gist "
            "(host_id WITH =, tstzrange(block_start, block_end) WITH &&, seat_key WITH <>) "
            "WHERE (status = 'confirmed')"
        )
    # Team event types have no single schedule to go back to; they get the mode's default.
    op.execute(
        "UPDATE event_types SET schedule_id = (SELECT schedules.id FROM schedules"
        " WHERE schedules.account_id = event_types.account_id"
        " AND schedules.livemode = event_types.livemode AND schedules.is_default"
        " ORDER BY schedules.created_at LIMIT 1) WHERE schedule_id IS NULL"
    )
    with op.batch_alter_table("event_types", schema=None) as batch_op:
        batch_op.alter_column("schedule_id", existing_type=sa.String(length=40), nullable=False)
        batch_op.drop_column("assignment")
        batch_op.drop_column("hosts")
    for table in ("calendar_connections", "schedules"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_host", type_="foreignkey")
            batch_op.drop_column("host_id")
    op.drop_table("hosts")
