"""Attempts of a delivery: make one (sign it, POST it with ``http_post``), record its outcome and
decide what comes next (retry at a later time, succeed, fail, disable a failing endpoint).

The caller holds the delivery's lease (``lease_owner``). The outcome is written only if the lease is
still ours; a delivery whose lease another worker took over is left to that worker.

The retry window (``webhooks/schedule.py``) counts from the delivery's first attempt, not from its
creation: a delivery that waited behind an earlier one of its booking (``webhooks/dispatcher.py``)
still gets its full series of retries.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.crypto import SecretBoxError
from astrocal_server.invitee.links import reveal_event
from astrocal_server.state import AppState
from astrocal_server.storage.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from astrocal_server.webhooks.events import TEST_EVENT
from astrocal_server.webhooks.http_post import Outcome, post
from astrocal_server.webhooks.schedule import decide
from astrocal_server.webhooks.secret_store import signing_secrets
from astrocal_server.webhooks.signing import webhook_headers

__all__ = ["attempt_delivery", "encode_body", "fail_pending_deliveries"]

logger = logging.getLogger("astrocal.webhooks")


def encode_body(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


async def fail_pending_deliveries(session: AsyncSession, endpoint_id: str, now: datetime) -> None:
    """A disabled endpoint owes nothing more (test events excepted: they are sent regardless)."""
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.event_type != TEST_EVENT,
        )
        .values(
            status="failed",
            next_attempt_at=None,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


async def attempt_delivery(
    state: AppState, delivery_id: str, owner: str, *, rng: random.Random | None = None
) -> Outcome | None:
    """Make the attempt; ``None`` if nothing was sent (gone, lease lost, endpoint disabled)."""
    async with state.db.read() as session:
        row = (
            await session.execute(
                select(WebhookDelivery, WebhookEndpoint)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.id == delivery_id)
            )
        ).first()
    if row is None:
        return None  # the endpoint (and its deliveries) were deleted
    delivery, endpoint = row
    if delivery.lease_owner != owner or delivery.status != "pending":
        return None
    now = state.clock.now()
    if not endpoint.enabled and delivery.event_type != TEST_EVENT:
        async with state.db.write() as session:
            await fail_pending_deliveries(session, endpoint.id, now)
        return None
    body = encode_body(reveal_event(delivery.payload, state.secret_box))
    try:
        secrets_ = signing_secrets(state.webhooks.secret_box, endpoint, now)
    except SecretBoxError as exc:
        # A keyring that lost the key this secret was sealed with: say so in the delivery log.
        outcome = Outcome(None, None, f"the signing secret cannot be opened: {exc}", 0)
    else:
        headers = webhook_headers(secrets_, delivery.event_id, int(now.timestamp()), body)
        outcome = await post(
            state.webhooks.http_client(),
            endpoint.url,
            body=body,
            headers=headers,
            deadline=state.settings.webhook_timeout_seconds,
        )
    await _record(state, delivery_id, owner, outcome, attempted_at=now, rng=rng)
    return outcome


async def _record(
    state: AppState,
    delivery_id: str,
    owner: str,
    outcome: Outcome,
    *,
    attempted_at: datetime,
    rng: random.Random | None,
) -> None:
    async with state.db.write() as session:
        # Lock order everywhere: the endpoint, then its deliveries (no deadlock with a disable).
        endpoint_id = await session.scalar(
            select(WebhookDelivery.endpoint_id).where(WebhookDelivery.id == delivery_id)
        )
        if endpoint_id is None:
            return
        endpoint = await session.scalar(
            select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).with_for_update()
        )
        delivery = await session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
        )
        if endpoint is None or delivery is None:
            return
        now = state.clock.now()
        ours = delivery.lease_owner == owner and delivery.status == "pending"
        attempts_made = delivery.attempt_count + 1
        first_attempt = await session.scalar(
            select(func.min(WebhookAttempt.attempted_at)).where(
                WebhookAttempt.delivery_id == delivery.id
            )
        )
        decision = decide(
            now=now,
            status_code=outcome.status,
            error=outcome.error,
            retry_after=outcome.retry_after,
            attempts_made=attempts_made,
            created_at=first_attempt or attempted_at,
            failing_since=endpoint.failing_since,
            rng=rng,
        )
        session.add(
            WebhookAttempt(
                delivery_id=delivery.id,
                attempted_at=attempted_at,
                response_status=outcome.status,
                duration_ms=outcome.duration_ms,
                error=outcome.error,
                response_body=outcome.body,
                next_attempt_at=decision.next_attempt_at if ours else None,
            )
        )
        if not ours:
            logger.warning("delivery %s: lease lost during the attempt", delivery_id)
            return
        delivery.attempt_count = attempts_made
        delivery.status = decision.status
        delivery.next_attempt_at = decision.next_attempt_at
        delivery.lease_owner = None
        delivery.lease_expires_at = None
        delivery.updated_at = now
        if delivery.event_type == TEST_EVENT:
            return  # test events say nothing about the endpoint's health
        if endpoint.failing_since != decision.failing_since:
            endpoint.failing_since = decision.failing_since
            endpoint.updated_at = now
        if decision.disable_reason is not None and endpoint.enabled:
            endpoint.enabled = False
            endpoint.disabled_reason = decision.disable_reason.replace("{id}", endpoint.id)
            endpoint.updated_at = now
            await session.flush()
            await fail_pending_deliveries(session, endpoint.id, now)
