"""The application factory: ``create_app(settings, clock=...)`` → a FastAPI app.

The lifespan migrates the database (unless ``migrate_on_start`` is off), opens the engine, puts an
:class:`~astrocal_server.state.AppState` on ``app.state.astrocal`` and enters the registered
:data:`~astrocal_server.lifespan.LIFESPAN_HOOKS`. FastAPI's generated schema and docs are off: the
server publishes the hand-written ``openapi.yaml`` instead (see ``api/meta.py``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from astrocal_server.availability import ExternalBusySource, NoExternalBusy
from astrocal_server.clock import Clock, SystemClock
from astrocal_server.config import Settings
from astrocal_server.errors import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    install_error_handlers,
)
from astrocal_server.idempotency import IdempotencyMiddleware
from astrocal_server.lifespan import LIFESPAN_HOOKS
from astrocal_server.ratelimit import RateLimitHeadersMiddleware
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.migrate import migrate

__all__ = ["create_app"]

logger = logging.getLogger("astrocal.server")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    busy_source: ExternalBusySource | None = None,
) -> FastAPI:
    from astrocal_server.api import ROUTERS
    from astrocal_server.api.mcp import mcp_lifespan

    settings = settings or Settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        try:
            if settings.migrate_on_start:
                await migrate(settings.database_url, database=db)
            state = AppState(
                settings=settings, db=db, clock=clock, busy_source=busy_source or NoExternalBusy()
            )
            app.state.astrocal = state
            async with AsyncExitStack() as stack:
                for hook in LIFESPAN_HOOKS:
                    await stack.enter_async_context(hook(state))
                # The /mcp mount is HTTP-only, so it is not a LIFESPAN_HOOK (the worker has no use
                # for it); entered last, stopped first.
                await stack.enter_async_context(mcp_lifespan(app.state, state))
                yield
        finally:
            await db.dispose()

    app = FastAPI(
        title="Astrocal",
        version="1",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)  # added last = outermost
    return app
