"""``enqueue_rows``: test outbox rows of a made-up kind, written the way the services write them.

One transaction, one row per ``(booking_id, payload)`` in the order given; row ``i`` is stamped
``clock + i * step`` (one clock reading for all of them by default, as a service's transaction does).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from astrocal_server.accounts import NewAccount
from astrocal_server.outbox.writer import enqueue
from astrocal_server.state import AppState


async def enqueue_rows(
    state: AppState,
    account: NewAccount,
    rows: Iterable[tuple[str | None, dict[str, Any]]],
    *,
    kind: str,
    topic: str,
    step: timedelta = timedelta(0),
) -> list[str]:
    """Commit the rows (test-mode, for ``account``); returns their ids in order."""
    now = state.clock.now()
    async with state.db.write() as session:
        return [
            enqueue(
                session,
                account_id=account.account.id,
                livemode=False,
                kind=kind,  # type: ignore[arg-type]
                topic=topic,
                payload=payload,
                now=now + i * step,
                booking_id=booking_id,
            )
            for i, (booking_id, payload) in enumerate(rows)
        ]
