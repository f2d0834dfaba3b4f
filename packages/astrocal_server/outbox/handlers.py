"""What the relay calls for each outbox row, by ``kind``.

A handler is ``async def handle(item: OutboxItem, state: AppState) -> None``. Returning means the
side effect is done (the row is completed). Raising :class:`RetryLater` puts the row back with a
delay (the handler's own, or the relay's backoff); raising :class:`PermanentFailure` completes the
row as failed with the reason kept in ``last_error``. Any other exception is treated as
``RetryLater`` so a bug never loses a row. A row that is not completed holds up the later rows of its
booking (see ``outbox/relay.py``): give up with ``PermanentFailure`` only when retrying cannot help.

Handlers are named by dotted path and imported lazily, so ``astrocal --help`` and processes that
never relay do not pay for the email or calendar stacks.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from astrocal_server.state import AppState

__all__ = [
    "OUTBOX_HANDLERS",
    "Handler",
    "OutboxItem",
    "PermanentFailure",
    "RetryLater",
    "load_handler",
]


@dataclass(frozen=True)
class OutboxItem:
    """A claimed outbox row, detached from the session that claimed it."""

    id: str
    account_id: str
    livemode: bool
    kind: str  # webhook | email | calendar | hold | reminder
    topic: str  # booking.created, booking.rescheduled, …
    booking_id: str | None
    payload: dict[str, Any]
    created_at: datetime
    attempts: int  # attempts made before this one
    # The row's place among its booking's rows (1, 2, …); None outside the order (reminders).
    booking_seq: int | None = None


class RetryLater(Exception):
    """A transient failure: try again after ``delay`` (``None``: the relay's backoff)."""

    def __init__(self, reason: str, *, delay: timedelta | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class PermanentFailure(Exception):
    """Retrying cannot help (bad address, deleted calendar…): complete the row as failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Handler = Callable[["OutboxItem", "AppState"], Awaitable[None]]

# kind -> "module:function". One line per consumer.
OUTBOX_HANDLERS: dict[str, str] = {
    "webhook": "astrocal_server.webhooks.fanout:handle",
    "email": "astrocal_server.notify.outbox:handle",
    "calendar": "astrocal_server.calendars.writeback:handle",
    "hold": "astrocal_server.holds.service:handle_expiry",
    "reminder": "astrocal_server.reminders.send:handle",
}


def load_handler(kind: str) -> Handler:
    """The handler for ``kind``; ``LookupError`` when no consumer is registered for it."""
    try:
        target = OUTBOX_HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no outbox handler for kind {kind!r}") from None
    module_name, _, attr = target.partition(":")
    # Once imported, the module is looked up, not imported again (the import system's lock and
    # search cost as much as a row's bookkeeping); the attribute is read each time.
    module = sys.modules.get(module_name) or importlib.import_module(module_name)
    handler: Handler = getattr(module, attr)
    return handler
