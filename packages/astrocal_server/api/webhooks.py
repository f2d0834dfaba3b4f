"""``/v1/webhooks``: endpoints (CRUD), secret rotation, test events, and the delivery log.

The signing secret is returned by ``create`` and ``rotate_secret`` only; at rest it is sealed with the
server's SecretBox. A URL is checked by the SSRF guard here (a clear 400) and again on every attempt.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.api.body import StrictBody, parse_json_body
from astrocal_server.api.deps import Caller, CallerDep, StateDep, validate_idempotency_key
from astrocal_server.errors import conflict, invalid_param, not_found
from astrocal_server.ids import new_id
from astrocal_server.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from astrocal_server.serialize import format_datetime
from astrocal_server.state import AppState
from astrocal_server.storage.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from astrocal_server.webhooks.dispatcher import send_now
from astrocal_server.webhooks.events import TEST_EVENT, new_event_id, test_event_payload
from astrocal_server.webhooks.secret_store import seal_secret
from astrocal_server.webhooks.sender import fail_pending_deliveries
from astrocal_server.webhooks.signing import generate_secret
from astrocal_server.webhooks.ssrf import TargetRefused, UnresolvableHost, parse_target_url

__all__ = ["attempt_to_api", "delivery_to_api", "router", "webhook_to_api"]

router = APIRouter()

ROTATION_OVERLAP = timedelta(hours=24)

EventName = Literal[
    "booking.created",
    "booking.updated",
    "booking.cancelled",
    "booking.rescheduled",
    "calendar_connection.error",
    "webhook.test",
]
DeliveryStatus = Literal["pending", "succeeded", "failed"]
Url = Annotated[str, Field(min_length=1, max_length=2048)]
Events = Annotated[list[EventName], Field(min_length=1, max_length=6)]
Description = Annotated[str, Field(max_length=500)]


class WebhookUpdate(StrictBody):
    url: Url | None = None
    events: Events | None = None
    description: Description | None = None
    enabled: bool | None = None


class WebhookCreate(StrictBody):
    url: Url
    events: Events
    description: Description | None = None


# ---- serialisation -----------------------------------------------------------------------------


def webhook_to_api(endpoint: WebhookEndpoint, *, secret: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": endpoint.id, "url": endpoint.url, "events": list(endpoint.events)}
    if endpoint.description:
        out["description"] = endpoint.description
    out["enabled"] = endpoint.enabled
    if not endpoint.enabled and endpoint.disabled_reason:
        out["disabled_reason"] = endpoint.disabled_reason
    if secret is not None:
        out["secret"] = secret
    out.update(
        livemode=endpoint.livemode,
        created_at=format_datetime(endpoint.created_at),
        updated_at=format_datetime(endpoint.updated_at),
    )
    return out


def _optional_time(value: Any) -> str | None:
    return format_datetime(value) if value is not None else None


def attempt_to_api(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "attempted_at": format_datetime(attempt.attempted_at),
        "response_status": attempt.response_status,
        "duration_ms": attempt.duration_ms,
        "error": attempt.error,
        "response_body": attempt.response_body,
        "next_attempt_at": _optional_time(attempt.next_attempt_at),
    }


def delivery_to_api(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "webhook_id": delivery.endpoint_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": (
            _optional_time(delivery.next_attempt_at) if delivery.status == "pending" else None
        ),
        "created_at": format_datetime(delivery.created_at),
        "attempts": [attempt_to_api(a) for a in attempts],
    }


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


# ---- checks ------------------------------------------------------------------------------------


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


def _unique_events(events: list[str]) -> list[str]:
    seen: list[str] = []
    for position, event in enumerate(events):
        if event in seen:
            raise invalid_param(
                f"events.{position}", f"{event} is listed twice; list each event once."
            )
        seen.append(event)
    return seen


async def _get_endpoint(
    session: AsyncSession, caller: Caller, webhook_id: str, *, lock: bool = False
) -> WebhookEndpoint:
    """The caller's endpoint or 404; ``lock`` before changing it or its deliveries (PostgreSQL
    takes the endpoint row first, as an attempt being recorded does, so the two never deadlock)."""
    stmt = select(WebhookEndpoint).where(
        WebhookEndpoint.id == webhook_id, caller.owns(WebhookEndpoint)
    )
    endpoint = await session.scalar(stmt.with_for_update() if lock else stmt)
    if endpoint is None:
        raise not_found("webhook endpoint", webhook_id)
    return endpoint


async def _get_delivery(
    session: AsyncSession, endpoint: WebhookEndpoint, delivery_id: str
) -> WebhookDelivery:
    delivery = await session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id
        )
    )
    if delivery is None:
        raise not_found("delivery", delivery_id)
    return delivery


# ---- endpoints ---------------------------------------------------------------------------------

_POST = {"dependencies": [Depends(validate_idempotency_key)]}


@router.post("/v1/webhooks", operation_id="webhooks.create", status_code=201, **_POST)
async def create_webhook(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, WebhookCreate)
    events = _unique_events(list(body.events))
    url = await _checked_url(state, body.url)
    now = state.clock.now()
    secret = generate_secret()
    endpoint_id = new_id("wh")
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        account_id=caller.account_id,
        livemode=caller.livemode,
        url=url,
        events=events,
        description=body.description or None,
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
        session.add(endpoint)
    return JSONResponse(webhook_to_api(endpoint, secret=secret), status_code=201)


@router.get("/v1/webhooks", operation_id="webhooks.list")
async def list_webhooks(
    caller: CallerDep,
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> dict[str, Any]:
    stmt = select(WebhookEndpoint).where(caller.owns(WebhookEndpoint))
    async with state.db.read() as session:
        page = await paginate(
            session,
            stmt,
            order_by=[WebhookEndpoint.created_at, WebhookEndpoint.id],
            limit=limit,
            cursor=cursor,
        )
    return page.render(webhook_to_api)


@router.get("/v1/webhooks/{webhook_id}", operation_id="webhooks.retrieve")
async def retrieve_webhook(webhook_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    async with state.db.read() as session:
        return webhook_to_api(await _get_endpoint(session, caller, webhook_id))


@router.patch("/v1/webhooks/{webhook_id}", operation_id="webhooks.update")
async def update_webhook(
    webhook_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, WebhookUpdate)
    url = await _checked_url(state, body.url) if body.url is not None else None
    events = _unique_events(list(body.events)) if body.events is not None else None
    now = state.clock.now()
    async with state.db.write() as session:
        endpoint = await _get_endpoint(session, caller, webhook_id, lock=True)
        if url is not None:
            endpoint.url = url
        if events is not None:
            endpoint.events = events
        if body.description is not None:
            endpoint.description = body.description or None
        if body.enabled is True and not endpoint.enabled:
            endpoint.enabled = True
            endpoint.disabled_reason = None
            endpoint.failing_since = None
        elif body.enabled is False and endpoint.enabled:
            endpoint.enabled = False
            endpoint.disabled_reason = None  # disabled by its owner: nothing to explain
            await fail_pending_deliveries(session, endpoint.id, now)
        endpoint.updated_at = now
        return webhook_to_api(endpoint)


@router.delete("/v1/webhooks/{webhook_id}", operation_id="webhooks.delete", status_code=204)
async def delete_webhook(webhook_id: str, caller: CallerDep, state: StateDep) -> Response:
    async with state.db.write() as session:
        endpoint = await _get_endpoint(session, caller, webhook_id, lock=True)
        deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
        await session.execute(
            delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries))
        )
        await session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        )
        await session.delete(endpoint)
    return Response(status_code=204)


@router.post(
    "/v1/webhooks/{webhook_id}/rotate_secret", operation_id="webhooks.rotate_secret", **_POST
)
async def rotate_secret(webhook_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    now = state.clock.now()
    box = state.webhooks.secret_box
    secret = generate_secret()
    async with state.db.write() as session:
        endpoint = await _get_endpoint(session, caller, webhook_id, lock=True)
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
    return {
        "webhook_id": webhook_id,
        "secret": secret,
        "previous_secret_expires_at": format_datetime(expires),
    }


@router.post(
    "/v1/webhooks/{webhook_id}/test", operation_id="webhooks.test", status_code=202, **_POST
)
async def send_test_event(webhook_id: str, caller: CallerDep, state: StateDep) -> JSONResponse:
    now = state.clock.now()
    async with state.db.write() as session:
        endpoint = await _get_endpoint(session, caller, webhook_id)
        delivery = WebhookDelivery(
            id=new_id("whd"),
            endpoint_id=endpoint.id,
            account_id=caller.account_id,
            event_id=new_event_id(),
            event_type=TEST_EVENT,
            payload=test_event_payload(webhook_id=endpoint.id, livemode=caller.livemode, now=now),
            status="pending",
            attempt_count=0,
            next_attempt_at=now,
            lease_owner=None,
            lease_expires_at=None,
            created_at=now,
            updated_at=now,
        )
        session.add(delivery)
    out = delivery_to_api(delivery, [])
    send_now(state, [delivery.id])
    return JSONResponse(out, status_code=202)


@router.get("/v1/webhooks/{webhook_id}/deliveries", operation_id="webhooks.deliveries.list")
async def list_deliveries(
    webhook_id: str,
    caller: CallerDep,
    state: StateDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> dict[str, Any]:
    async with state.db.read() as session:
        endpoint = await _get_endpoint(session, caller, webhook_id)
        stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        if status is not None:
            stmt = stmt.where(WebhookDelivery.status == status)
        page = await paginate(
            session,
            stmt,
            order_by=[WebhookDelivery.created_at, WebhookDelivery.id],
            limit=limit,
            cursor=cursor,
            descending=True,
        )
        attempts = await _attempts_of(session, [d.id for d in page.items])
    return page.render(lambda d: delivery_to_api(d, attempts[d.id]))


@router.get(
    "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}",
    operation_id="webhooks.deliveries.retrieve",
)
async def retrieve_delivery(
    webhook_id: str, delivery_id: str, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    async with state.db.read() as session:
        endpoint = await _get_endpoint(session, caller, webhook_id)
        delivery = await _get_delivery(session, endpoint, delivery_id)
        attempts = await _attempts_of(session, [delivery.id])
    return delivery_to_api(delivery, attempts[delivery.id])


@router.post(
    "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
    operation_id="webhooks.deliveries.retry",
    status_code=202,
    **_POST,
)
async def retry_delivery(
    webhook_id: str, delivery_id: str, caller: CallerDep, state: StateDep
) -> JSONResponse:
    now = state.clock.now()
    async with state.db.write() as session:
        endpoint = await _get_endpoint(session, caller, webhook_id, lock=True)
        if not endpoint.enabled:
            raise conflict(
                "webhook_disabled",
                f"Webhook endpoint {endpoint.id} is disabled, so its deliveries cannot be retried; "
                'enable it first with PATCH /v1/webhooks/{id} {"enabled": true}.'.replace(
                    "{id}", endpoint.id
                ),
            )
        delivery = await _get_delivery(session, endpoint, delivery_id)
        delivery.status = "pending"
        delivery.next_attempt_at = now
        delivery.updated_at = now
        attempts = await _attempts_of(session, [delivery.id])
        out = delivery_to_api(delivery, attempts[delivery.id])
    send_now(state, [delivery.id])
    return JSONResponse(out, status_code=202)
