"""Bring a database's schema up to date (at server start and via ``astrocal migrate``).

Safe to run from several processes at once: on PostgreSQL the upgrade holds an advisory transaction
lock, on SQLite a ``BEGIN IMMEDIATE`` write transaction, so one process migrates and the others find
the schema already current.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from astrocal_server.config import normalise_database_url
from astrocal_server.storage.db import Database

__all__ = ["MIGRATIONS_DIR", "alembic_config", "migrate"]

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
    cfg = alembic_config(database_url)
    db = database or Database.unpooled(database_url)
    try:
        async with db.engine.connect() as conn:
            if db.dialect == "sqlite":
                await conn.execution_options(astrocal_sqlite_begin="IMMEDIATE")
            else:
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
                )

            def upgrade(sync_conn: Connection) -> None:
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, revision)

            await conn.run_sync(upgrade)
            await conn.commit()
    finally:
        if database is None:
            await db.dispose()
