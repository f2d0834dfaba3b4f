"""The composition root: :func:`open_services` is the one place a running server is put together.

It opens the :class:`~astrocal_server.storage.db.Database`, migrates it when the settings say so
(``migrate_on_start``), builds the :class:`~astrocal_server.state.AppState` and enters the lifespan
hooks (:data:`~astrocal_server.lifespan.LIFESPAN_HOOKS` unless told otherwise); leaving it exits the
hooks in reverse order and closes the database. The app's lifespan (``app.py``), the worker and the
CLI's local commands (through ``entrypoints.py``) all start the server's parts this way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

from astrocal_server import logs
from astrocal_server.availability import ExternalBusySource, NoExternalBusy
from astrocal_server.clock import Clock
from astrocal_server.config import Settings
from astrocal_server.lifespan import LIFESPAN_HOOKS, LifespanHook
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.migrate import migrate

__all__ = ["open_services"]


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    clock: Clock,
    busy_source: ExternalBusySource | None = None,
    hooks: Sequence[LifespanHook] = LIFESPAN_HOOKS,
) -> AsyncIterator[AppState]:
    """The server's state, ready to use until the block ends.

    ``busy_source`` replaces the calendar integration's source of external busy times (tests,
    benchmarks); ``hooks=()`` gives just the migrated database and the state, with nothing started
    in the background (one-off commands such as ``astrocal init``).
    """
    logs.install()
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    try:
        if settings.migrate_on_start:
            await migrate(settings.database_url, database=db)
        state = AppState(
            settings=settings, db=db, clock=clock, busy_source=busy_source or NoExternalBusy()
        )
        async with AsyncExitStack() as stack:
            for hook in hooks:
                await stack.enter_async_context(hook(state))
            yield state
    finally:
        await db.dispose()
