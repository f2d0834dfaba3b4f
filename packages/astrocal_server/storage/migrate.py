"""Bring a database's schema up to date (at server start and via ``astrocal migrate``).

Safe to run from several processes at once: on PostgreSQL the upgrade holds an advisory transaction
lock, on SQLite a ``BEGIN IMMEDIATE`` write transaction, so one process migrates and the others find
the schema already current. On SQLite foreign key enforcement is off while a migration runs (table
rebuilds need it so) and every reference is checked before it commits.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from astrocal_server.config import normalise_database_url
from astrocal_server.storage.db import Database

__all__ = ["MIGRATIONS_DIR", "alembic_config", "downgrade", "migrate"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x41_53_54_52_4F  # "ASTRO": any constant shared by every process


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalise_database_url(database_url).replace("%", "%%"))
    return cfg


async def migrate(
    database_url: str, revision: str = "head", *, database: Database | None = None
) -> None:
    """Upgrade the database at ``database_url`` to ``revision`` (default: the newest).

    Pass ``database`` to migrate through an existing engine (needed for in-memory SQLite).
    """
    await _run(database_url, revision, command.upgrade, database)


async def downgrade(database_url: str, revision: str, *, database: Database | None = None) -> None:
    """Take the database at ``database_url`` back to ``revision`` (an operator's way back from a
    release; the tests' round trips)."""
    await _run(database_url, revision, command.downgrade, database)


async def _run(
    database_url: str,
    revision: str,
    step: Callable[[Config, str], None],
    database: Database | None,
) -> None:
    cfg = alembic_config(database_url)
    db = database or Database.unpooled(database_url)
    try:
        async with db.engine.connect() as conn:
            sqlite = db.dialect == "sqlite"
            if sqlite:
                await _sqlite_foreign_keys(conn, on=False)
                await conn.execution_options(astrocal_sqlite_begin="IMMEDIATE")
            else:
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
                )

            def run(sync_conn: Connection) -> None:
                cfg.attributes["connection"] = sync_conn
                step(cfg, revision)

            try:
                await conn.run_sync(run)
                if sqlite:
                    await _no_dangling_references(conn)
                await conn.commit()
            finally:
                if sqlite:
                    await conn.rollback()
                    await _sqlite_foreign_keys(conn, on=True)
    finally:
        if database is None:
            await db.dispose()


async def _sqlite_foreign_keys(conn: AsyncConnection, *, on: bool) -> None:
    """Turn SQLite's foreign key enforcement off for a migration, and on again after it.

    SQLite's batch mode rebuilds a table (copy, drop the original, rename the copy) while other
    tables still point at its rows; with enforcement on, dropping the original fails (or, deferred,
    leaves a count of violations the rename never clears). SQLite's own procedure for altering a
    table turns enforcement off around the rebuild, which must happen outside a transaction.
    """
    await conn.execution_options(astrocal_sqlite_begin="NONE")
    await conn.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    await conn.commit()


async def _no_dangling_references(conn: AsyncConnection) -> None:
    """With enforcement off the migration must still leave every reference intact."""
    dangling = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
    if dangling:
        raise RuntimeError(f"the migration left rows pointing at missing rows: {dangling[:5]}")
