"""The application factory: ``create_app(settings, clock=...)`` → a FastAPI app.

The lifespan opens the server's parts with :func:`~astrocal_server.composition.open_services`
(database, migration, state, lifespan hooks), puts the :class:`~astrocal_server.state.AppState` on
``app.state.astrocal`` and starts the ``/mcp`` mount. FastAPI's generated schema and docs are off: the
server publishes the hand-written ``openapi.yaml`` instead (see ``api/meta.py``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from astrocal_server.api.deps import refuse_nul_params
from astrocal_server.api.dispatch import AstrocalAPI
from astrocal_server.api.encoding import JSONResponse
from astrocal_server.api.errors import install_error_handlers
from astrocal_server.api.middleware import EdgeMiddleware
from astrocal_server.availability import ExternalBusySource
from astrocal_server.clock import Clock, SystemClock
from astrocal_server.collector import tune_for_serving
from astrocal_server.composition import open_services
from astrocal_server.config import Settings

__all__ = ["create_app"]

logger = logging.getLogger("astrocal.server")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    busy_source: ExternalBusySource | None = None,
    long_lived: bool = False,
) -> FastAPI:
    """The app on ``settings``. ``long_lived``: the app owns its process (``astrocal serve``), so
    once started it tunes the process's garbage collector for serving (``collector.py``)."""
    from astrocal_server.api import ROUTERS
    from astrocal_server.api.mcp import mcp_lifespan
    from astrocal_server.api.pages import mount_static

    settings = settings or Settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            open_services(settings, clock=clock, busy_source=busy_source) as state,
            # The /mcp mount is HTTP-only, so it is not one of the LIFESPAN_HOOKS (the worker has
            # no use for it); started last, stopped first.
            mcp_lifespan(app.state, state),
        ):
            app.state.astrocal = state
            if long_lived:
                tune_for_serving()  # after startup: what it built stays for the process's life
            yield

    app = AstrocalAPI(
        title="Astrocal",
        version="1",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        default_response_class=JSONResponse,
    )
    install_error_handlers(app)
    app.include_routers(ROUTERS, dependencies=[Depends(refuse_nul_params)])
    mount_static(app)  # the pages' stylesheet and script, and /docs' Redoc bundle
    app.add_middleware(EdgeMiddleware, max_bytes=settings.max_body_bytes)
    return app
