"""``/v1/webhooks``: endpoints (CRUD), secret rotation, test events, and the delivery log.

Parses requests, calls :mod:`astrocal_server.webhooks.service` and serialises with
:mod:`astrocal_server.serialize.webhooks`; the rules (URL vetting, secret sealing, rotation) live in
the service.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from astrocal_server.api.body import parse_json_body
from astrocal_server.api.deps import CallerDep, PageDep, StateDep, validate_idempotency_key
from astrocal_server.contract.requests import WebhookCreate, WebhookUpdate
from astrocal_server.serialize.webhooks import (
    delivery_to_api,
    rotated_secret_to_api,
    webhook_to_api,
)
from astrocal_server.webhooks import service
from astrocal_server.webhooks.service import DeliveryLog

__all__ = ["router"]

router = APIRouter()

DeliveryStatus = Literal["pending", "succeeded", "failed"]


def _log_to_api(log: DeliveryLog) -> dict[str, Any]:
    return delivery_to_api(log.delivery, log.attempts)


# POSTs refuse a malformed Idempotency-Key header before anything else.
_IDEMPOTENT = [Depends(validate_idempotency_key)]


@router.post(
    "/v1/webhooks", operation_id="webhooks.create", status_code=201, dependencies=_IDEMPOTENT
)
async def create_webhook(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, WebhookCreate)
    created = await service.create_webhook(state, caller, body)
    return JSONResponse(webhook_to_api(created.endpoint, secret=created.secret), status_code=201)


@router.get("/v1/webhooks", operation_id="webhooks.list")
async def list_webhooks(caller: CallerDep, state: StateDep, page: PageDep) -> dict[str, Any]:
    return (await service.list_webhooks(state, caller, page)).render(webhook_to_api)


@router.get("/v1/webhooks/{webhook_id}", operation_id="webhooks.retrieve")
async def retrieve_webhook(webhook_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    return webhook_to_api(await service.get_webhook(state, caller, webhook_id))


@router.patch("/v1/webhooks/{webhook_id}", operation_id="webhooks.update")
async def update_webhook(
    webhook_id: str, request: Request, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    body = await parse_json_body(request, WebhookUpdate)
    return webhook_to_api(await service.update_webhook(state, caller, webhook_id, body))


@router.delete("/v1/webhooks/{webhook_id}", operation_id="webhooks.delete", status_code=204)
async def delete_webhook(webhook_id: str, caller: CallerDep, state: StateDep) -> Response:
    await service.delete_webhook(state, caller, webhook_id)
    return Response(status_code=204)


@router.post(
    "/v1/webhooks/{webhook_id}/rotate_secret",
    operation_id="webhooks.rotate_secret",
    dependencies=_IDEMPOTENT,
)
async def rotate_secret(webhook_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    rotated = await service.rotate_secret(state, caller, webhook_id)
    return rotated_secret_to_api(
        rotated.webhook_id, rotated.secret, rotated.previous_secret_expires_at
    )


@router.post(
    "/v1/webhooks/{webhook_id}/test",
    operation_id="webhooks.test",
    status_code=202,
    dependencies=_IDEMPOTENT,
)
async def send_test_event(webhook_id: str, caller: CallerDep, state: StateDep) -> JSONResponse:
    log = await service.send_test_event(state, caller, webhook_id)
    return JSONResponse(_log_to_api(log), status_code=202)


@router.get("/v1/webhooks/{webhook_id}/deliveries", operation_id="webhooks.deliveries.list")
async def list_deliveries(
    webhook_id: str,
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
) -> dict[str, Any]:
    found = await service.list_deliveries(state, caller, webhook_id, page, status=status)
    return found.render(_log_to_api)


@router.get(
    "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}",
    operation_id="webhooks.deliveries.retrieve",
)
async def retrieve_delivery(
    webhook_id: str, delivery_id: str, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    return _log_to_api(await service.get_delivery(state, caller, webhook_id, delivery_id))


@router.post(
    "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
    operation_id="webhooks.deliveries.retry",
    status_code=202,
    dependencies=_IDEMPOTENT,
)
async def retry_delivery(
    webhook_id: str, delivery_id: str, caller: CallerDep, state: StateDep
) -> JSONResponse:
    log = await service.retry_delivery(state, caller, webhook_id, delivery_id)
    return JSONResponse(_log_to_api(log), status_code=202)
