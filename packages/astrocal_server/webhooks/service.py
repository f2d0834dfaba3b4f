"""Webhook endpoints of the caller: create, read, change, delete, rotate the signing secret, send a
test event, and read or retry the delivery log.

The signing secret is returned by :func:`create_webhook` and :func:`rotate_secret` only; at rest it
is sealed with the server's SecretBox. A URL is checked by the SSRF guard here (a clear 400) and
again on every attempt. An account has at most its plan's ``webhook_endpoints`` endpoints per
mode (409 ``webhook_endpoint_limit_reached``), which bounds an event's fan-out. Changing an
endpoint or its deliveries locks the endpoint row first, as recording an attempt does
(``attempts.py``), so the two never deadlock on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import MISSING
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.accounts.plans import check_webhook_endpoint_limit
from astrocal_server.caller import Caller
from astrocal_server.contract.requests import WebhookCreate, WebhookUpdate
from astrocal_server.errors import conflict, invalid_param, not_found
from astrocal_server.ids import new_id
from astrocal_server.state import AppState
from astrocal_server.storage.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from astrocal_server.storage.owned import get_owned, owned_lister, owned_reader
from astrocal_server.storage.pagination import Page, PageRequest, paginate
from astrocal_server.webhooks.attempts import fail_pending_deliveries
from astrocal_server.webhooks.dispatcher import send_now
from astrocal_server.webhooks.events import TEST_EVENT, new_event_id, test_event_payload
from astrocal_server.webhooks.fanout import new_delivery
from astrocal_server.webhooks.secret_store import seal_secret
from astrocal_server.webhooks.signing import generate_secret
from astrocal_server.webhooks.ssrf import TargetRefused, UnresolvableHost, parse_target_url

__all__ = [
    "ROTATION_OVERLAP",
    "CreatedWebhook",
    "DeliveryLog",
    "RotatedSecret",
    "create_webhook",
    "delete_webhook",
    "get_delivery",
    "get_webhook",
    "list_deliveries",
    "list_webhooks",
    "retry_delivery",
    "rotate_secret",
    "send_test_event",
    "update_webhook",
]

# How long the previous signing secret keeps signing after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True)
class CreatedWebhook:
    endpoint: WebhookEndpoint
    secret: str  # shown this once


@dataclass(frozen=True)
class RotatedSecret:
    webhook_id: str
    secret: str
    previous_secret_expires_at: datetime


@dataclass(frozen=True)
class DeliveryLog:
    """A delivery with its attempts, oldest first."""

    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


# ---- rules -------------------------------------------------------------------------------------


async def _checked_url(state: AppState, url: str) -> str:
    settings = state.settings
    allow_http = settings.environment == "development" or settings.allow_private_webhook_targets
    try:
        _scheme, host, port = parse_target_url(url, allow_http=allow_http)
    except ValueError as exc:
        raise invalid_param("url", f"The webhook url {exc}.", code="url_invalid") from None
    try:
        await state.webhooks.guard.vet(host, port)
    except TargetRefused as exc:
        raise invalid_param(
            "url", f"The webhook url is refused: {exc}.", code="url_not_allowed"
        ) from None
    except UnresolvableHost as exc:
        raise invalid_param(
            "url",
            f"The webhook url's host cannot be resolved: {exc}; check the spelling.",
            code="url_unresolvable",
        ) from None
    return url


def _unique_events(events: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for position, event in enumerate(events):
        if event in seen:
            raise invalid_param(
                f"events.{position}", f"{event} is listed twice; list each event once."
            )
        seen.append(event)
    return seen


# ---- queries -----------------------------------------------------------------------------------


async def _endpoint(
    session: AsyncSession, caller: Caller, webhook_id: str, *, lock: bool = False
) -> WebhookEndpoint:
    """The caller's endpoint or 404; ``lock`` before changing it or its deliveries."""
    return await get_owned(
        session, WebhookEndpoint, caller, webhook_id, kind="webhook endpoint", for_update=lock
    )


async def _delivery(
    session: AsyncSession, endpoint: WebhookEndpoint, delivery_id: str
) -> WebhookDelivery:
    """A delivery of ``endpoint`` (already the caller's) or 404."""
    delivery = await session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id
        )
    )
    if delivery is None:
        raise not_found("delivery", delivery_id)
    return delivery


async def _attempts_of(
    session: AsyncSession, delivery_ids: list[str]
) -> dict[str, list[WebhookAttempt]]:
    out: dict[str, list[WebhookAttempt]] = {d: [] for d in delivery_ids}
    if delivery_ids:
        rows = await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
        )
        for attempt in rows:
            out[attempt.delivery_id].append(attempt)
    return out


# ---- endpoints ---------------------------------------------------------------------------------


async def create_webhook(state: AppState, caller: Caller, draft: WebhookCreate) -> CreatedWebhook:
    events = _unique_events(draft.events)
    url = await _checked_url(state, draft.url)
    description = draft.description if draft.description is not MISSING else None
    now = state.clock.now()
    secret = generate_secret()
    endpoint_id = new_id("wh")
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        account_id=caller.account_id,
        livemode=caller.livemode,
        url=url,
        events=events,
        description=description or None,
        enabled=True,
        disabled_reason=None,
        secret_enc=seal_secret(state.webhooks.secret_box, endpoint_id, secret),
        previous_secret_enc=None,
        previous_secret_expires_at=None,
        failing_since=None,
        created_at=now,
        updated_at=now,
    )
    async with state.db.write() as session:
        await check_webhook_endpoint_limit(
            session, state.settings, caller.account, livemode=caller.livemode
        )
        session.add(endpoint)
    return CreatedWebhook(endpoint=endpoint, secret=secret)


list_webhooks = owned_lister(WebhookEndpoint)


get_webhook = owned_reader(WebhookEndpoint, kind="webhook endpoint")


async def update_webhook(
    state: AppState, caller: Caller, webhook_id: str, changes: WebhookUpdate
) -> WebhookEndpoint:
    url = await _checked_url(state, changes.url) if changes.url is not MISSING else None
    events = _unique_events(changes.events) if changes.events is not MISSING else None
    now = state.clock.now()
    async with state.db.write() as session:
        endpoint = await _endpoint(session, caller, webhook_id, lock=True)
        if url is not None:
            endpoint.url = url
        if events is not None:
            endpoint.events = events
        if changes.description is not MISSING:
            endpoint.description = changes.description or None
        if changes.enabled is True and not endpoint.enabled:
            endpoint.enabled = True
            endpoint.disabled_reason = None
            endpoint.failing_since = None
        elif changes.enabled is False and endpoint.enabled:
            endpoint.enabled = False
            endpoint.disabled_reason = None  # disabled by its owner: nothing to explain
            await fail_pending_deliveries(session, endpoint.id, now)
        endpoint.updated_at = now
    return endpoint


async def delete_webhook(state: AppState, caller: Caller, webhook_id: str) -> None:
    """Delete the endpoint with its delivery log."""
    async with state.db.write() as session:
        endpoint = await _endpoint(session, caller, webhook_id, lock=True)
        deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
        await session.execute(
            delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries))
        )
        await session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        )
        await session.delete(endpoint)


async def rotate_secret(state: AppState, caller: Caller, webhook_id: str) -> RotatedSecret:
    now = state.clock.now()
    box = state.webhooks.secret_box
    secret = generate_secret()
    async with state.db.write() as session:
        endpoint = await _endpoint(session, caller, webhook_id, lock=True)
        previous_live = (
            endpoint.previous_secret_enc is not None
            and endpoint.previous_secret_expires_at is not None
            and endpoint.previous_secret_expires_at > now
        )
        if not previous_live:
            # The current secret becomes the previous one; within the window, rotating again
            # replaces only the new secret and the original previous one keeps its expiry.
            endpoint.previous_secret_enc = endpoint.secret_enc
            endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
        endpoint.secret_enc = seal_secret(box, endpoint.id, secret)
        endpoint.updated_at = now
        expires = endpoint.previous_secret_expires_at
    assert expires is not None
    return RotatedSecret(webhook_id=webhook_id, secret=secret, previous_secret_expires_at=expires)


async def send_test_event(state: AppState, caller: Caller, webhook_id: str) -> DeliveryLog:
    """Queue a ``webhook.test`` delivery and start its first attempt in the background."""
    now = state.clock.now()
    async with state.db.write() as session:
        endpoint = await _endpoint(session, caller, webhook_id)
        delivery = new_delivery(
            endpoint,
            event_id=new_event_id(),
            event_type=TEST_EVENT,
            payload=test_event_payload(webhook_id=endpoint.id, livemode=caller.livemode, now=now),
            now=now,
        )
        session.add(delivery)
    # The background attempt works on its own rows: the objects returned stay as committed.
    send_now(state, [delivery.id])
    return DeliveryLog(delivery=delivery, attempts=[])


async def list_deliveries(
    state: AppState,
    caller: Caller,
    webhook_id: str,
    page: PageRequest,
    *,
    status: str | None = None,
) -> Page[DeliveryLog]:
    """The endpoint's deliveries, newest first, optionally only those with ``status``."""
    async with state.db.read() as session:
        endpoint = await _endpoint(session, caller, webhook_id)
        stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        if status is not None:
            stmt = stmt.where(WebhookDelivery.status == status)
        found = await paginate(
            session,
            stmt,
            order_by=[WebhookDelivery.created_at, WebhookDelivery.id],
            page=page,
            descending=True,
        )
        attempts = await _attempts_of(session, [d.id for d in found.items])
    return Page(
        items=[DeliveryLog(d, attempts[d.id]) for d in found.items],
        has_more=found.has_more,
        next_cursor=found.next_cursor,
    )


async def get_delivery(
    state: AppState, caller: Caller, webhook_id: str, delivery_id: str
) -> DeliveryLog:
    async with state.db.read() as session:
        endpoint = await _endpoint(session, caller, webhook_id)
        delivery = await _delivery(session, endpoint, delivery_id)
        attempts = await _attempts_of(session, [delivery.id])
    return DeliveryLog(delivery, attempts[delivery.id])


async def retry_delivery(
    state: AppState, caller: Caller, webhook_id: str, delivery_id: str
) -> DeliveryLog:
    """Make the delivery pending again and attempt it now, in the background."""
    now = state.clock.now()
    async with state.db.write() as session:
        endpoint = await _endpoint(session, caller, webhook_id, lock=True)
        if not endpoint.enabled:
            raise conflict(
                "webhook_disabled",
                f"Webhook endpoint {endpoint.id} is disabled, so its deliveries cannot be retried; "
                'enable it first with PATCH /v1/webhooks/{id} {"enabled": true}.'.replace(
                    "{id}", endpoint.id
                ),
            )
        delivery = await _delivery(session, endpoint, delivery_id)
        delivery.status = "pending"
        delivery.next_attempt_at = now
        delivery.updated_at = now
        attempts = await _attempts_of(session, [delivery.id])
    send_now(state, [delivery.id])
    return DeliveryLog(delivery, attempts[delivery.id])
