"""The LIFESPAN_HOOKS entry for calendars; imports the calendar stack only when the server starts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

__all__ = ["calendars_lifespan"]


@asynccontextmanager
async def calendars_lifespan(state: Any) -> AsyncIterator[None]:
    from astrocal_server.calendars.busy import install

    async with install(state):
        yield
