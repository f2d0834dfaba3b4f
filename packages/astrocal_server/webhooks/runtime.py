"""The long-lived webhook helpers of one process (``state.webhooks``): the SSRF guard, the HTTP
client, the secret box and the immediate sends started by ``test`` and ``retry``.

:func:`webhooks_lifespan` (a ``LIFESPAN_HOOKS`` entry) closes the client and waits for in-flight
sends on shutdown. Tests reach the same objects (``state.webhooks.guard.resolver = …``,
``await state.webhooks.drain()``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from functools import cached_property
from typing import Any

import httpx

from astrocal_server.config import Settings
from astrocal_server.crypto import SecretBox
from astrocal_server.state import AppState
from astrocal_server.webhooks.ssrf import TargetGuard

__all__ = ["WebhookRuntime", "webhooks_lifespan"]

logger = logging.getLogger("astrocal.webhooks")


class WebhookRuntime:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.guard = TargetGuard(allow_private=settings.allow_private_webhook_targets)
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @cached_property
    def secret_box(self) -> SecretBox:
        return SecretBox.from_settings(self._settings)

    def http_client(self) -> httpx.AsyncClient:
        """The client every send goes through (made again if it was closed)."""
        from astrocal_server.webhooks.http_post import make_client

        if self._client is None or self._client.is_closed:
            self._client = make_client(self.guard, timeout=self._settings.webhook_timeout_seconds)
        return self._client

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``work`` in the background, tracked so shutdown (and tests) can wait for it."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                logger.error("background webhook send failed", exc_info=t.exception())

        task.add_done_callback(done)
        return task

    async def drain(self) -> None:
        """Wait until every background send started so far has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Give in-flight sends a few seconds, then close the client."""
        if self._tasks:
            # An unfinished send keeps its lease; another worker takes it over when it expires.
            _, pending = await asyncio.wait(list(self._tasks), timeout=5)
            for task in pending:
                task.cancel()
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


@asynccontextmanager
async def webhooks_lifespan(state: AppState) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await state.webhooks.aclose()
