"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from astrocal_server.storage.db import Database
from astrocal_server.storage.migrate import migrate
from astrocal_server.storage.models import Base
from sqlalchemy import inspect


async def test_migrated_schema_matches_the_models(db_url: str) -> None:
    await migrate(db_url)
    await migrate(db_url)  # a second run finds nothing to do
    db = Database(db_url)
    try:
        async with db.engine.connect() as conn:

            def diff(sync_conn: Any) -> list[Any]:
                context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                return list(compare_metadata(context, Base.metadata))

            def tables(sync_conn: Any) -> set[str]:
                return set(inspect(sync_conn).get_table_names())

            assert await conn.run_sync(diff) == []
            assert set(Base.metadata.tables) <= await conn.run_sync(tables)
    finally:
        await db.dispose()


async def test_a_hosts_occupants_are_found_from_where_their_blocks_end(db_url: str) -> None:
    """The occupants of a host that meet a window are read through the index that starts at
    ``block_end``: a range scan of the blocks ahead of the window, never the host's history
    (SQLite's plan; the booking's re-check and a day of availability read them so)."""
    from astrocal_server.availability.occupants import OCCUPANTS_OF_HOST

    if not db_url.startswith("sqlite"):
        return  # PostgreSQL's planner picks by table statistics
    await migrate(db_url)
    db = Database(db_url)
    try:
        async with db.engine.connect() as conn:
            compiled = OCCUPANTS_OF_HOST.compile(dialect=conn.dialect)
            params = (None,) * len(compiled.positiontup or ())
            plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)).all()
    finally:
        await db.dispose()
    assert "ix_booking_hosts_host_block_end (host_id=? AND block_end>?)" in str(plan)
