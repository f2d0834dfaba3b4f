"""Startup/shutdown hooks other parts of the server plug in (the outbox relay, calendar sources…).

A hook is a callable taking the :class:`~astrocal_server.state.AppState` and returning an async
context manager; it is entered once the database is ready and exited on shutdown, in reverse order.
Register one with a single line in :data:`LIFESPAN_HOOKS`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from astrocal_server.accounts.keycache import key_cache_lifespan
from astrocal_server.calendars.busy import calendars_lifespan
from astrocal_server.invitee.service import invitee_lifespan
from astrocal_server.outbox.relay import relay_lifespan
from astrocal_server.state import AppState
from astrocal_server.webhooks.runtime import webhooks_lifespan

__all__ = ["LIFESPAN_HOOKS", "LifespanHook"]

LifespanHook = Callable[[AppState], AbstractAsyncContextManager[None]]

LIFESPAN_HOOKS: list[LifespanHook] = [
    key_cache_lifespan,  # PostgreSQL: LISTEN for key changes made by other processes
    invitee_lifespan,  # tokens for bookings older than invitee links, before anything sends
    calendars_lifespan,  # state.busy_source + the calendar service; entered first, closed last
    webhooks_lifespan,  # before the relay, so the relay stops first and the client closes last
    relay_lifespan,
]
