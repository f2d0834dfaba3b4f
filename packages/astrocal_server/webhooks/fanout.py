"""The ``webhook`` outbox handler: one event → one delivery per enabled endpoint that wants it.

The deliveries are created leased to this run and attempted at once, concurrently; their retries
belong to the dispatcher. Running the same outbox row twice (a relay that died after creating the
deliveries) creates nothing new: a delivery is unique per (endpoint, event id), and the event id is
derived from the outbox row id, so the ``webhook-id`` stays the same.

A delivery of a booking's event to an endpoint that still has an earlier delivery of the same
booking pending (waiting for a retry) is created unleased and not attempted here: the dispatcher
attempts it once the earlier one is settled (order per endpoint and booking, see
``webhooks/dispatcher.py``). The relay runs a booking's outbox rows one after another, so the
earlier deliveries of the booking all exist by the time this row runs.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from astrocal_server.ids import new_id
from astrocal_server.outbox.handlers import OutboxItem, PermanentFailure
from astrocal_server.outbox.relay import new_owner
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import WebhookDelivery, WebhookEndpoint
from astrocal_server.storage.rows import one_of
from astrocal_server.webhooks.attempts import attempt_delivery
from astrocal_server.webhooks.dispatcher import delivery_lease
from astrocal_server.webhooks.events import SUBSCRIBABLE_EVENTS, event_id_for

__all__ = ["handle", "new_delivery"]

logger = logging.getLogger("astrocal.webhooks")


def new_delivery(
    endpoint: WebhookEndpoint,
    *,
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    now: datetime,
    booking: tuple[str | None, int | None] = (None, None),
    lease: tuple[str, datetime] | None = None,
) -> WebhookDelivery:
    """A pending delivery of one event to ``endpoint``, due ``now``: ``booking`` is the outbox
    row's (id, seq) for a booking's event; ``lease`` (owner, until) when this process attempts
    it at once."""
    delivery = WebhookDelivery(
        id=new_id("whd"),
        endpoint_id=endpoint.id,
        account_id=endpoint.account_id,
        event_id=event_id,
        event_type=event_type,
        payload=payload,
        status="pending",
        attempt_count=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    delivery.booking_id, delivery.booking_seq = booking
    delivery.lease_owner, delivery.lease_expires_at = lease or (None, None)
    return delivery


def _subscriptions(accounts: ColumnElement[bool]) -> Select[Any]:
    columns: list[Any] = [
        WebhookEndpoint.account_id,
        WebhookEndpoint.livemode,
        WebhookEndpoint.events,
    ]
    return select(*columns).where(accounts, WebhookEndpoint.enabled.is_(True))


# The enabled endpoints of the accounts bound as ``accounts`` (a list), by one constant statement
# per dialect whatever the list's length (``storage.rows.one_of``), so it runs on
# ``Database.fetch_all``'s cheap path.
_SUBSCRIPTIONS = {
    dialect: _subscriptions(one_of(WebhookEndpoint.account_id, "accounts", dialect))
    for dialect in ("postgresql", "sqlite")
}


class _EndpointReads:
    """The endpoint reads of the rows that start in one pass of the event loop, as one query.

    The relay starts the rows of a claimed batch (and the next rows a settle hands over) together,
    so their fan-outs ask at once: the first asks for a read on the loop's next pass, and every
    ask made before it runs joins it — one statement per batch instead of one per row.
    """

    def __init__(self) -> None:
        self._asks: dict[tuple[str, bool], list[asyncio.Future[list[list[str]]]]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reads: set[asyncio.Task[None]] = set()

    async def subscriptions(self, db: Database, account_id: str, livemode: bool) -> list[list[str]]:
        """The event lists of the account's enabled endpoints in that mode."""
        loop = asyncio.get_running_loop()
        if self._asks is None or self._loop is not loop:
            asks: dict[tuple[str, bool], list[asyncio.Future[list[list[str]]]]] = {}
            self._asks, self._loop = asks, loop
            read = loop.create_task(self._read(db, asks))
            self._reads.add(read)  # the loop keeps only a weak reference to a task
            read.add_done_callback(self._reads.discard)
            # Asks made from now until the loop's next pass join this read; later ones, the next.
            loop.call_soon(self._close, asks)
        answer: asyncio.Future[list[list[str]]] = loop.create_future()
        self._asks.setdefault((account_id, livemode), []).append(answer)
        return await answer

    def _close(self, asks: dict[tuple[str, bool], Any]) -> None:
        if self._asks is asks:
            self._asks = None

    @staticmethod
    async def _read(
        db: Database, asks: dict[tuple[str, bool], list[asyncio.Future[list[list[str]]]]]
    ) -> None:
        try:
            accounts = sorted({account for account, _ in asks})
            statement = _SUBSCRIPTIONS[db.dialect]
            rows = await db.fetch_all(statement, {"accounts": accounts})
            found: dict[tuple[str, bool], list[list[str]]] = {key: [] for key in asks}
            for row in rows:
                key = (row["account_id"], row["livemode"])
                if key in found:
                    found[key].append(row["events"])
        except BaseException as exc:  # the askers must hear of it, cancellation included
            for waiting in asks.values():
                for answer in waiting:
                    if not answer.done():
                        answer.set_exception(exc)
            raise
        for key, waiting in asks.items():
            for answer in waiting:
                if not answer.done():
                    answer.set_result(found[key])


# Per database (a test may run several apps in one process).
_READS: weakref.WeakKeyDictionary[Database, _EndpointReads] = weakref.WeakKeyDictionary()


async def _anyone_wants(state: AppState, item: OutboxItem) -> bool:
    """Whether an enabled endpoint of the row's account and mode subscribes to its topic, read
    without a write transaction (the write below reads the endpoints again, under its lock), in
    one query with the other rows starting alongside."""
    reads = _READS.get(state.db)
    if reads is None:
        reads = _READS[state.db] = _EndpointReads()
    subscriptions = await reads.subscriptions(state.db, item.account_id, item.livemode)
    return any(item.topic in events for events in subscriptions)


async def handle(item: OutboxItem, state: AppState) -> None:
    if item.topic not in SUBSCRIBABLE_EVENTS:
        raise PermanentFailure(f"{item.topic!r} is not a webhook event type")
    if not await _anyone_wants(state, item):
        return  # most events of most accounts: no write transaction (SQLite's lock) at all
    event_id = event_id_for(item.id)
    owner = new_owner()
    now = state.clock.now()
    lease = delivery_lease(state.settings)
    created: list[str] = []
    async with state.db.write() as session:
        endpoints = (
            await session.scalars(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.account_id == item.account_id,
                    WebhookEndpoint.livemode == item.livemode,
                    WebhookEndpoint.enabled.is_(True),
                )
            )
        ).all()
        wanted = [e for e in endpoints if item.topic in e.events]
        if not wanted:
            return
        existing = set(
            (
                await session.scalars(
                    select(WebhookDelivery.endpoint_id).where(
                        WebhookDelivery.event_id == event_id,
                        WebhookDelivery.endpoint_id.in_([e.id for e in wanted]),
                    )
                )
            ).all()
        )
        behind: set[str] = set()
        if item.booking_id is not None:
            behind = set(
                (
                    await session.scalars(
                        select(WebhookDelivery.endpoint_id).where(
                            WebhookDelivery.endpoint_id.in_([e.id for e in wanted]),
                            WebhookDelivery.booking_id == item.booking_id,
                            WebhookDelivery.event_id != event_id,
                            WebhookDelivery.status == "pending",
                        )
                    )
                ).all()
            )
        for endpoint in wanted:
            if endpoint.id in existing:
                continue  # made by an earlier run of this row; the dispatcher owns it now
            now_ours = endpoint.id not in behind
            delivery = new_delivery(
                endpoint,
                event_id=event_id,
                event_type=item.topic,
                payload=item.payload,
                now=now,
                booking=(item.booking_id, item.booking_seq),
                lease=(owner, now + lease) if now_ours else None,
            )
            session.add(delivery)
            if now_ours:
                created.append(delivery.id)
    results = await asyncio.gather(
        *(attempt_delivery(state, d, owner) for d in created), return_exceptions=True
    )
    for delivery_id, result in zip(created, results, strict=True):
        if isinstance(result, Exception):
            # The delivery exists; the dispatcher retries it once its lease runs out.
            logger.error("first attempt of %s failed", delivery_id, exc_info=result)
