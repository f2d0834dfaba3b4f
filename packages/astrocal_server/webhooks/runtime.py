"""The long-lived webhook helpers of one process, kept in ``state.services``: the SSRF guard, the
HTTP client, the secret box and the immediate sends started by ``test`` and ``retry``.

:func:`webhooks_lifespan` (a ``LIFESPAN_HOOKS`` entry) closes the client and waits for in-flight
sends on shutdown. Tests reach the same objects (``guard(state).resolver = …``, ``await drain(state)``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import httpx

from astrocal_server.crypto import SecretBox
from astrocal_server.state import AppState
from astrocal_server.webhooks.ssrf import TargetGuard

__all__ = ["drain", "guard", "http_client", "secret_box", "spawn", "webhooks_lifespan"]

logger = logging.getLogger("astrocal.webhooks")

_GUARD = "webhooks.guard"
_CLIENT = "webhooks.http"
_BOX = "webhooks.secret_box"
_TASKS = "webhooks.tasks"


def guard(state: AppState) -> TargetGuard:
    found = state.services.get(_GUARD)
    if found is None:
        found = state.services[_GUARD] = TargetGuard(
            allow_private=state.settings.allow_private_webhook_targets
        )
    return found  # type: ignore[no-any-return]


def http_client(state: AppState) -> httpx.AsyncClient:
    from astrocal_server.webhooks.http_post import make_client

    found = state.services.get(_CLIENT)
    if found is None or found.is_closed:
        found = state.services[_CLIENT] = make_client(
            guard(state), timeout=state.settings.webhook_timeout_seconds
        )
    return found  # type: ignore[no-any-return]


def secret_box(state: AppState) -> SecretBox:
    found = state.services.get(_BOX)
    if found is None:
        found = state.services[_BOX] = SecretBox.from_settings(state.settings)
    return found  # type: ignore[no-any-return]


def spawn(state: AppState, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """Run ``work`` in the background, tracked so shutdown (and tests) can wait for it."""
    tasks: set[asyncio.Task[None]] = state.services.setdefault(_TASKS, set())
    task = asyncio.get_running_loop().create_task(work)
    tasks.add(task)

    def done(t: asyncio.Task[None]) -> None:
        tasks.discard(t)
        if not t.cancelled() and t.exception() is not None:
            logger.error("background webhook send failed", exc_info=t.exception())

    task.add_done_callback(done)
    return task


async def drain(state: AppState) -> None:
    """Wait until every background send started so far has finished."""
    tasks: set[asyncio.Task[None]] = state.services.get(_TASKS, set())
    while tasks:
        await asyncio.gather(*list(tasks), return_exceptions=True)


@asynccontextmanager
async def webhooks_lifespan(state: AppState) -> AsyncIterator[None]:
    try:
        yield
    finally:
        tasks: set[asyncio.Task[None]] = state.services.get(_TASKS, set())
        if tasks:
            # An unfinished send keeps its lease; another worker takes it over when it expires.
            _, pending = await asyncio.wait(list(tasks), timeout=5)
            for task in pending:
                task.cancel()
        client = state.services.pop(_CLIENT, None)
        if client is not None:
            await client.aclose()
