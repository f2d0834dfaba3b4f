"""``/v1/webhooks``: endpoints (CRUD), secret rotation, test events, and the delivery log.

Parses requests, calls :mod:`astrocal_server.webhooks.service` and serialises with
:mod:`astrocal_server.serialize.webhooks`; the rules (URL vetting, secret sealing, rotation) live in
the service.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from astrocal_server.api.body import parse_json_body
from astrocal_server.api.deps import CallerDep, PageDep, StateDep
from astrocal_server.api.encoding import JSONResponse
from astrocal_server.api.routes import body_route, delete_route, list_route, object_route, operation
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


@operation(router, "webhooks.create")
async def create_webhook(request: Request, caller: CallerDep, state: StateDep) -> JSONResponse:
    body = await parse_json_body(request, WebhookCreate)
    created = await service.create_webhook(state, caller, body)
    return JSONResponse(webhook_to_api(created.endpoint, secret=created.secret), status_code=201)


list_route(router, "webhooks.list", service.list_webhooks, webhook_to_api)


object_route(router, "webhooks.retrieve", service.get_webhook, webhook_to_api)


body_route(router, "webhooks.update", WebhookUpdate, service.update_webhook, webhook_to_api)


delete_route(router, "webhooks.delete", service.delete_webhook)


@operation(router, "webhooks.rotate_secret")
async def rotate_secret(webhook_id: str, caller: CallerDep, state: StateDep) -> dict[str, Any]:
    rotated = await service.rotate_secret(state, caller, webhook_id)
    return rotated_secret_to_api(
        rotated.webhook_id, rotated.secret, rotated.previous_secret_expires_at
    )


@operation(router, "webhooks.test")
async def send_test_event(webhook_id: str, caller: CallerDep, state: StateDep) -> JSONResponse:
    log = await service.send_test_event(state, caller, webhook_id)
    return JSONResponse(_log_to_api(log), status_code=202)


@operation(router, "webhooks.deliveries.list")
async def list_deliveries(
    webhook_id: str,
    caller: CallerDep,
    state: StateDep,
    page: PageDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
) -> dict[str, Any]:
    found = await service.list_deliveries(state, caller, webhook_id, page, status=status)
    return found.render(_log_to_api)


@operation(router, "webhooks.deliveries.retrieve")
async def retrieve_delivery(
    webhook_id: str, delivery_id: str, caller: CallerDep, state: StateDep
) -> dict[str, Any]:
    return _log_to_api(await service.get_delivery(state, caller, webhook_id, delivery_id))


@operation(router, "webhooks.deliveries.retry")
async def retry_delivery(
    webhook_id: str, delivery_id: str, caller: CallerDep, state: StateDep
) -> JSONResponse:
    log = await service.retry_delivery(state, caller, webhook_id, delivery_id)
    return JSONResponse(_log_to_api(log), status_code=202)
