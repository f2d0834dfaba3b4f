"""Counting a database driver's round trips, for the tests and benches that pin them.

A round trip is one call of the driver that talks to the server: on PostgreSQL asyncpg's
``Connection`` and ``PreparedStatement`` calls (``BEGIN``, ``COMMIT`` and ``ROLLBACK`` go through
``Connection.execute``), on SQLite one hand-off to aiosqlite's thread (``Connection._execute``)
and, where the server has one, one whole transaction run by its ``SQLiteWriter``. A pool
checkout is counted apart (``checkouts``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

__all__ = ["checkouts", "count_calls", "round_trip_calls"]


@contextmanager
def checkouts(db: Any) -> Iterator[list[int]]:
    """Every checkout from ``db``'s (a ``Database``) pool while the block runs, one entry each."""
    seen: list[int] = []

    def count(*_: Any) -> None:
        seen.append(1)

    event.listen(db.engine.sync_engine.pool, "checkout", count)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine.pool, "checkout", count)


def round_trip_calls(dialect: str) -> list[tuple[Any, tuple[str, ...]]]:
    """The driver methods of ``dialect`` whose every call is one round trip."""
    if dialect == "postgresql":
        import asyncpg.connection  # type: ignore[import-untyped]
        import asyncpg.prepared_stmt  # type: ignore[import-untyped]

        return [
            (asyncpg.connection.Connection, ("execute", "executemany", "fetch", "fetchrow", "fetchval", "prepare")),
            (asyncpg.prepared_stmt.PreparedStatement, ("executemany", "fetch", "fetchrow", "fetchval")),
        ]  # fmt: skip
    import aiosqlite.core
    from astrocal_server.storage import db as storage_db

    return [(aiosqlite.core.Connection, ("_execute",)), (storage_db.SQLiteWriter, ("run",))]


def count_calls(
    targets: list[tuple[Any, tuple[str, ...]]],
    on_call: Callable[[], None],
    patch: Callable[[Any, str, Any], None] = setattr,
) -> Callable[[], None]:
    """Call ``on_call`` before every call of the ``targets``' methods until the returned function
    is called (or, with ``patch=monkeypatch.setattr``, until the test ends)."""
    patched: list[tuple[Any, str, Any]] = []
    for cls, names in targets:
        for name in names:
            original = getattr(cls, name)
            if asyncio.iscoroutinefunction(original):

                async def counted(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                    on_call()
                    return await _original(*args, **kwargs)
            else:

                def counted(*args: Any, _original: Any = original, **kwargs: Any) -> Any:  # type: ignore[misc]
                    on_call()
                    return _original(*args, **kwargs)

            patch(cls, name, counted)
            patched.append((cls, name, original))

    def stop() -> None:
        for cls, name, original in reversed(patched):
            setattr(cls, name, original)

    return stop
