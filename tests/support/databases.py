"""Test databases.

``db_url`` is module-scoped and parametrised over ``sqlite`` and ``postgres``: postgres skips
unless ``ASTROCAL_TEST_POSTGRES_URL`` is set, and then each test module gets its own uniquely
named database (dropped after), so parallel workers never share one.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PG_SKIP = (
    "PostgreSQL tests skipped: set ASTROCAL_TEST_POSTGRES_URL="
    "postgresql+asyncpg://postgres@127.0.0.1:5432/test to run them"
)


def sqlite_url(folder: Path) -> str:
    """A SQLite URL for a database file in ``folder``."""
    return f"sqlite+aiosqlite:///{folder / 'astrocal.db'}"


def _pg_admin_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _pg_exec(url: str, sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

    conn = await asyncpg.connect(_pg_admin_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """Create a uniquely named database next to ``base_url``; return its URL and a dropper."""
    from sqlalchemy.engine import make_url

    name = f"astrocal_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(base_url, f'CREATE DATABASE "{name}"'))
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        asyncio.run(_pg_exec(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return url, drop


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path_factory.mktemp("db"))
        return
    base = os.environ.get("ASTROCAL_TEST_POSTGRES_URL")
    if not base:
        pytest.skip(PG_SKIP)
    url, drop = postgres_database(base)
    try:
        yield url
    finally:
        drop()
