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
