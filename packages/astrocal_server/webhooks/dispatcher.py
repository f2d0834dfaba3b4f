"""Retries: delivery rows whose next attempt is due, claimed with a lease like outbox rows.

First attempts are made by the fan-out handler right after it creates the deliveries; this source
(driven by the relay loop, see ``outbox/relay.py``) makes every later attempt, and picks up
deliveries whose worker died mid-attempt once their lease has expired. :func:`send_now` makes an
immediate attempt in the background (the ``test`` and ``retry`` operations).

Order per endpoint and booking: a delivery is not attempted — by this source, by :func:`send_now`,
or first by the fan-out (``webhooks/fanout.py``) — while an earlier delivery of the same booking to
the same endpoint (lower ``booking_seq``) is still ``pending``: in flight, or waiting for a retry.
Once that earlier one succeeds, or fails for good (its retries exhausted, or its endpoint disabled),
the later ones go, in order. Deliveries without a booking, and those of other bookings or other
endpoints, are not held up.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, or_, select, update
from sqlalchemy.orm import aliased

from astrocal_server.config import Settings
from astrocal_server.outbox.relay import claim_rows, new_owner
from astrocal_server.state import AppState
from astrocal_server.storage.models import WebhookDelivery
from astrocal_server.webhooks.attempts import attempt_delivery

__all__ = [
    "DeliveryDispatcher",
    "claim_one",
    "delivery_lease",
    "in_booking_order",
    "lease_free",
    "send_now",
]


def delivery_lease(settings: Settings) -> timedelta:
    """Longer than one attempt can take (its deadline plus recording), so a live worker never
    loses it; half the relay lease otherwise, so a dead worker's deliveries come back soon."""
    return timedelta(
        seconds=max(settings.relay_lease_seconds / 2, settings.webhook_timeout_seconds + 5)
    )


def lease_free(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    return or_(WebhookDelivery.lease_expires_at.is_(None), WebhookDelivery.lease_expires_at <= now)


def in_booking_order() -> ColumnElement[bool]:
    """No earlier delivery of the same booking to the same endpoint is pending."""
    earlier = aliased(WebhookDelivery)
    pending_earlier = (
        select(earlier.id)
        .where(
            earlier.endpoint_id == WebhookDelivery.endpoint_id,
            earlier.booking_id == WebhookDelivery.booking_id,
            earlier.booking_seq < WebhookDelivery.booking_seq,
            earlier.status == "pending",
        )
        .exists()
    )
    return WebhookDelivery.booking_id.is_(None) | ~pending_earlier


def _due(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    return (
        (WebhookDelivery.status == "pending")
        & (WebhookDelivery.next_attempt_at <= now)
        & lease_free(now)
        & in_booking_order()
    )


# Whether any delivery is due at ``now`` (the dispatcher's poll).
_ANY_DUE: Select[Any] = (
    select(WebhookDelivery.id)
    .where(_due(bindparam("now", type_=WebhookDelivery.__table__.c.next_attempt_at.type)))
    .limit(1)
)


class DeliveryDispatcher:
    # A commit wakes it (RelayLoop) only if it wrote deliveries: new ones, or settled ones that
    # may let a later delivery of the same booking go.
    wakes_on = frozenset({"webhook_deliveries"})

    def __init__(
        self,
        state: AppState,
        *,
        owner: str | None = None,
        batch_size: int = 50,
        rng: random.Random | None = None,
    ) -> None:
        self.state = state
        self.owner = owner or new_owner()
        self.batch_size = batch_size
        self._rng = rng

    async def claim(self, limit: int) -> list[str]:
        """Read first whether any delivery is due (a statement built once, on the cheapest read
        path: most polls find nothing and never take a write transaction), then lease them."""
        now = self.state.clock.now()
        db = self.state.db
        if not await db.fetch_all(_ANY_DUE, {"now": now}):
            return []
        async with db.write() as session:
            rows = await claim_rows(
                session,
                WebhookDelivery,
                due=_due(now),
                order_by=[
                    WebhookDelivery.next_attempt_at,
                    WebhookDelivery.booking_seq,
                    WebhookDelivery.id,
                ],
                limit=limit,
                values={
                    "lease_owner": self.owner,
                    "lease_expires_at": now + delivery_lease(self.state.settings),
                },
            )
        return [
            r.id for r in sorted(rows, key=lambda r: (r.next_attempt_at, r.booking_seq or 0, r.id))
        ]

    async def process(self, delivery_id: str) -> None:
        await attempt_delivery(self.state, delivery_id, self.owner, rng=self._rng)

    async def run_once(self) -> int:
        ids = await self.claim(self.batch_size)
        await asyncio.gather(*(self.process(i) for i in ids))
        return len(ids)


async def claim_one(state: AppState, delivery_id: str, owner: str) -> bool:
    """Lease one pending delivery now, unless another worker holds it or an earlier delivery of
    its booking to its endpoint is pending (then the dispatcher sends it in its turn)."""
    now = state.clock.now()
    async with state.db.write() as session:
        result = await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == "pending",
                lease_free(now),
                in_booking_order(),
            )
            .values(lease_owner=owner, lease_expires_at=now + delivery_lease(state.settings))
            .execution_options(synchronize_session=False)
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def send_now(state: AppState, delivery_ids: Sequence[str]) -> None:
    """Attempt these deliveries at once, in the background (the response does not wait)."""
    owner = new_owner()

    async def run(delivery_id: str) -> None:
        if await claim_one(state, delivery_id, owner):
            await attempt_delivery(state, delivery_id, owner)

    for delivery_id in delivery_ids:
        state.webhooks.spawn(run(delivery_id))
