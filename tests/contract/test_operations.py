"""Every operation is documented the way the contract promises: names, errors, headers, idempotency."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from astrocal_server.webhooks.events import EVENT_TYPES

Operation = tuple[str, str, dict[str, Any], list[Any]]

# The SDK maps each operationId 1:1 to client.<resource>.<method>; other engineers code against
# these names, so the set is pinned here.
EXPECTED_OPERATIONS = {
    ("get", "/v1/account"): "account.retrieve",
    ("patch", "/v1/account"): "account.update",
    ("post", "/v1/accounts"): "accounts.create",
    ("post", "/v1/api_keys"): "api_keys.create",
    ("get", "/v1/api_keys"): "api_keys.list",
    ("delete", "/v1/api_keys/{api_key_id}"): "api_keys.revoke",
    ("get", "/v1/usage"): "usage.retrieve",
    ("post", "/v1/hosts"): "hosts.create",
    ("get", "/v1/hosts"): "hosts.list",
    ("get", "/v1/hosts/{host_id}"): "hosts.retrieve",
    ("patch", "/v1/hosts/{host_id}"): "hosts.update",
    ("delete", "/v1/hosts/{host_id}"): "hosts.delete",
    ("post", "/v1/schedules"): "schedules.create",
    ("get", "/v1/schedules"): "schedules.list",
    ("get", "/v1/schedules/{schedule_id}"): "schedules.retrieve",
    ("patch", "/v1/schedules/{schedule_id}"): "schedules.update",
    ("delete", "/v1/schedules/{schedule_id}"): "schedules.delete",
    ("post", "/v1/event_types"): "event_types.create",
    ("get", "/v1/event_types"): "event_types.list",
    ("get", "/v1/event_types/{event_type_id}"): "event_types.retrieve",
    ("patch", "/v1/event_types/{event_type_id}"): "event_types.update",
    ("delete", "/v1/event_types/{event_type_id}"): "event_types.delete",
    ("get", "/v1/availability"): "availability.list",
    ("post", "/v1/availability"): "availability.search",
    ("get", "/v1/availability/check"): "availability.check",
    ("post", "/v1/bookings"): "bookings.create",
    ("get", "/v1/bookings"): "bookings.list",
    ("get", "/v1/bookings/{booking_id}"): "bookings.retrieve",
    ("patch", "/v1/bookings/{booking_id}"): "bookings.update",
    ("delete", "/v1/bookings/{booking_id}"): "bookings.delete",
    ("post", "/v1/bookings/{booking_id}/cancel"): "bookings.cancel",
    ("post", "/v1/bookings/{booking_id}/reschedule"): "bookings.reschedule",
    ("get", "/v1/invitee/bookings/{token}"): "invitee.retrieve",
    ("get", "/v1/invitee/bookings/{token}/availability"): "invitee.availability",
    ("post", "/v1/invitee/bookings/{token}/cancel"): "invitee.cancel",
    ("post", "/v1/invitee/bookings/{token}/reschedule"): "invitee.reschedule",
    ("post", "/v1/holds"): "holds.create",
    ("get", "/v1/holds"): "holds.list",
    ("get", "/v1/holds/{hold_id}"): "holds.retrieve",
    ("delete", "/v1/holds/{hold_id}"): "holds.release",
    ("post", "/v1/waitlist"): "waitlist.create",
    ("get", "/v1/waitlist"): "waitlist.list",
    ("get", "/v1/waitlist/{entry_id}"): "waitlist.retrieve",
    ("delete", "/v1/waitlist/{entry_id}"): "waitlist.delete",
    ("get", "/v1/invitee/waitlist/{token}"): "invitee_waitlist.retrieve",
    ("post", "/v1/invitee/waitlist/{token}/confirm"): "invitee_waitlist.confirm",
    ("post", "/v1/webhooks"): "webhooks.create",
    ("get", "/v1/webhooks"): "webhooks.list",
    ("get", "/v1/webhooks/{webhook_id}"): "webhooks.retrieve",
    ("patch", "/v1/webhooks/{webhook_id}"): "webhooks.update",
    ("delete", "/v1/webhooks/{webhook_id}"): "webhooks.delete",
    ("post", "/v1/webhooks/{webhook_id}/rotate_secret"): "webhooks.rotate_secret",
    ("post", "/v1/webhooks/{webhook_id}/test"): "webhooks.test",
    ("get", "/v1/webhooks/{webhook_id}/deliveries"): "webhooks.deliveries.list",
    ("get", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"): "webhooks.deliveries.retrieve",
    (
        "post",
        "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
    ): "webhooks.deliveries.retry",
    ("post", "/v1/calendar_connections"): "calendar_connections.create",
    ("get", "/v1/calendar_connections"): "calendar_connections.list",
    ("get", "/v1/calendar_connections/{connection_id}"): "calendar_connections.retrieve",
    ("delete", "/v1/calendar_connections/{connection_id}"): "calendar_connections.delete",
    ("get", "/v1/oauth/callback"): "oauth.callback",
    ("get", "/healthz"): "meta.health",
    ("get", "/readyz"): "meta.ready",
    ("get", "/v1/openapi.json"): "meta.openapi_json",
    ("get", "/v1/openapi.yaml"): "meta.openapi_yaml",
}
# Public operations that are not part of the SDK (browser- or infrastructure-facing).
NOT_IN_SDK = {
    "oauth.callback",
    "meta.health",
    "meta.ready",
    "meta.openapi_json",
    "meta.openapi_yaml",
}
# The invitee routes take the token of a booking's links instead of an API key.
INVITEE = {
    "invitee.retrieve",
    "invitee.availability",
    "invitee.cancel",
    "invitee.reschedule",
    "invitee_waitlist.retrieve",
    "invitee_waitlist.confirm",
}
PUBLIC = NOT_IN_SDK | {"accounts.create"} | INVITEE

EXPECTED_SCHEMAS = [
    "Error",
    "ErrorDetail",
    "Account",
    "AccountCreate",
    "AccountCreated",
    "ApiKey",
    "ApiKeyCreate",
    "ApiKeyWithSecret",
    "ApiKeyList",
    "Usage",
    "Schedule",
    "ScheduleCreate",
    "ScheduleUpdate",
    "ScheduleList",
    "WeeklyHoursInterval",
    "DateOverride",
    "TimeInterval",
    "EventType",
    "EventTypeCreate",
    "EventTypeUpdate",
    "EventTypeList",
    "Location",
    "CalendarRef",
    "Slot",
    "AvailabilityQuery",
    "Availability",
    "AvailabilityWarning",
    "AvailabilityCheck",
    "AvailabilityReason",
    "Conflict",
    "Invitee",
    "Booking",
    "BookingCreate",
    "BookingUpdate",
    "InviteeUpdate",
    "BookingCancel",
    "BookingReschedule",
    "BookingList",
    "Metadata",
    "Webhook",
    "WebhookWithSecret",
    "WebhookCreate",
    "WebhookUpdate",
    "WebhookList",
    "WebhookRotation",
    "WebhookDelivery",
    "WebhookDeliveryAttempt",
    "WebhookDeliveryList",
    "WebhookEventType",
    "CalendarConnection",
    "CalendarConnectionCreate",
    "CalDavConnectionCreate",
    "OAuthConnectionCreate",
    "Calendar",
    "CalendarConnectionList",
    "BookingEvent",
    "CalendarConnectionEvent",
    "TestEvent",
    "Health",
]

ERROR_RESPONSES = {
    "BadRequest": "400",
    "Unauthorized": "401",
    "PaymentRequired": "402",
    "Forbidden": "403",
    "NotFound": "404",
    "Conflict": "409",
    "UnprocessableEntity": "422",
    "TooManyRequests": "429",
    "ServiceUnavailable": "503",
    "DatabaseUnavailable": "503",
}
# Operations that never touch the database, so they cannot answer 503 `database_unavailable`.
NO_DATABASE = {"meta.health", "meta.openapi_json", "meta.openapi_yaml"}
RATE_LIMIT_HEADERS = {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}


def _op_id(op: Operation) -> str:
    return str(op[2].get("operationId", f"{op[1].upper()} {op[0]}"))


def _is_public(op: dict[str, Any]) -> bool:
    return op.get("security") == []


def _takes_input(op: dict[str, Any], params: list[Any]) -> bool:
    return bool(params) or "requestBody" in op


def test_the_operations_are_exactly_the_agreed_ones(operations: list[Operation]) -> None:
    found = {(method, path): op.get("operationId") for path, method, op, _ in operations}
    assert found == EXPECTED_OPERATIONS


def test_operation_ids_are_unique_and_dotted(
    spec: dict[str, Any], operations: list[Operation]
) -> None:
    webhook_ops = [item["post"] for item in spec["webhooks"].values()]
    ids = [op["operationId"] for _, _, op, _ in operations] + [
        op["operationId"] for op in webhook_ops
    ]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for operation_id in ids:
        assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+", operation_id), operation_id


def test_every_operation_has_summary_description_and_a_declared_tag(
    spec: dict[str, Any], operations: list[Operation]
) -> None:
    declared = {tag["name"] for tag in spec["tags"]}
    ops = [op for _, _, op, _ in operations] + [item["post"] for item in spec["webhooks"].values()]
    for op in ops:
        assert op.get("summary", "").strip(), op["operationId"]
        assert len(op.get("description", "").strip()) >= 40, op["operationId"]
        assert op.get("tags") and set(op["tags"]) <= declared, op["operationId"]


def test_public_operations_are_the_agreed_ones_and_marked(operations: list[Operation]) -> None:
    public = {op["operationId"] for _, _, op, _ in operations if _is_public(op)}
    assert public == PUBLIC
    hidden = {op["operationId"] for _, _, op, _ in operations if op.get("x-sdk") is False}
    assert hidden == NOT_IN_SDK


@pytest.mark.parametrize("code", ["401", "429"])
def test_every_secured_operation_documents(code: str, operations: list[Operation]) -> None:
    missing = [
        _op_id(o) for o in operations if not _is_public(o[2]) and code not in o[2]["responses"]
    ]
    assert missing == []


def test_every_operation_with_input_has_a_4xx_with_the_error_schema(
    operations: list[Operation], resolve: Callable[[Any], Any]
) -> None:
    for path, method, op, params in operations:
        if not _takes_input(op, params):
            continue
        assert "400" in op["responses"], _op_id((path, method, op, params))
        for code, response in op["responses"].items():
            if code.startswith("4"):
                schema = resolve(response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (
                    _op_id((path, method, op, params)),
                    code,
                )


def test_error_responses_are_the_shared_components(operations: list[Operation]) -> None:
    for op in operations:
        for code, response in op[2]["responses"].items():
            if code.startswith(("4", "5")) and _op_id(op) != "meta.ready":
                ref = response.get("$ref", "")
                name = ref.rsplit("/", 1)[-1]
                assert ERROR_RESPONSES.get(name) == code, (_op_id(op), code, ref)


def test_every_post_takes_an_idempotency_key(
    operations: list[Operation], resolve: Callable[[Any], Any]
) -> None:
    for op in operations:
        if op[1] != "post":
            continue
        names = {(p["in"], p["name"]) for p in map(resolve, op[3])}
        assert ("header", "Idempotency-Key") in names, _op_id(op)
    key = resolve({"$ref": "#/components/parameters/IdempotencyKey"})
    assert key["schema"]["maxLength"] == 255


def test_every_path_id_can_be_not_found(
    operations: list[Operation], resolve: Callable[[Any], Any]
) -> None:
    for op in operations:
        if any(resolve(p)["in"] == "path" for p in op[3]):
            assert "404" in op[2]["responses"], _op_id(op)


def test_422_is_declared_exactly_where_an_idempotency_key_is_claimed(
    operations: list[Operation],
) -> None:
    # The server's only 422 is `idempotency_key_reused`, and only authenticated POSTs claim a key.
    claiming = {_op_id(o) for o in operations if o[1] == "post" and not _is_public(o[2])}
    assert {_op_id(o) for o in operations if "422" in o[2]["responses"]} == claiming


def test_every_operation_that_reads_the_database_declares_503(
    operations: list[Operation],
) -> None:
    declared = {_op_id(o) for o in operations if "503" in o[2]["responses"]}
    assert declared == {_op_id(o) for o in operations} - NO_DATABASE


def test_posts_that_conflict_document_409(operations: list[Operation]) -> None:
    # Every POST that claims an `Idempotency-Key` (the authenticated ones) can meet
    # `idempotency_key_in_use`.
    missing = [
        _op_id(o)
        for o in operations
        if o[1] == "post" and not _is_public(o[2]) and "409" not in o[2]["responses"]
    ]
    assert missing == []


def test_success_responses_carry_request_id_and_rate_limit_headers(
    operations: list[Operation], resolve: Callable[[Any], Any]
) -> None:
    for op in operations:
        for code, response in op[2]["responses"].items():
            headers = set(resolve(response).get("headers", {}))
            assert "X-Request-Id" in headers, (_op_id(op), code)
            if not _is_public(op[2]) and (code.startswith("2") or code == "429"):
                assert headers >= RATE_LIMIT_HEADERS, (_op_id(op), code)
            if code == "429":
                assert "Retry-After" in headers, _op_id(op)
            if op[1] == "post" and code.startswith("2"):
                assert "Idempotent-Replayed" in headers, _op_id(op)


def test_list_operations_paginate(
    operations: list[Operation], resolve: Callable[[Any], Any], spec: dict[str, Any]
) -> None:
    lists = [o for o in operations if o[2]["operationId"].endswith(".list") and o[1] == "get"]
    assert len(lists) == 11
    for op in lists:
        if op[2]["operationId"] == "availability.list":
            continue  # slots for a date range, not a paginated collection
        names = {resolve(p)["name"] for p in op[3]}
        assert {"limit", "cursor"} <= names, _op_id(op)
        body = resolve(op[2]["responses"]["200"]["content"]["application/json"]["schema"])
        assert body["required"] == ["data", "has_more", "next_cursor"], _op_id(op)
        assert body["properties"]["next_cursor"]["type"] == ["string", "null"]
    limit = resolve({"$ref": "#/components/parameters/Limit"})["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 100, 20)


def test_the_agreed_components_exist(spec: dict[str, Any]) -> None:
    components = spec["components"]
    assert set(EXPECTED_SCHEMAS) <= set(components["schemas"])
    assert set(ERROR_RESPONSES) <= set(components["responses"])
    assert {"Limit", "Cursor", "IdempotencyKey"} <= set(components["parameters"])
    assert {
        "X-Request-Id",
        "Retry-After",
        "Idempotent-Replayed",
        *RATE_LIMIT_HEADERS,
    } <= set(components["headers"])
    for name in ERROR_RESPONSES:
        schema = components["responses"][name]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, name


def test_webhook_events_are_documented_with_standard_webhooks_headers(
    spec: dict[str, Any], resolve: Callable[[Any], Any]
) -> None:
    # The spec documents exactly the events the server sends, each under ``webhooks:``.
    events = resolve({"$ref": "#/components/schemas/WebhookEventType"})["enum"]
    assert set(spec["webhooks"]) == set(events) == set(EVENT_TYPES)
    for name, item in spec["webhooks"].items():
        op = item["post"]
        headers = {(p["in"], p["name"]) for p in map(resolve, op["parameters"])}
        assert headers == {
            ("header", "webhook-id"),
            ("header", "webhook-timestamp"),
            ("header", "webhook-signature"),
        }, name
        body = resolve(op["requestBody"]["content"]["application/json"]["schema"])
        assert body["required"] == ["type", "timestamp", "livemode", "data"], name
        assert name in body["properties"]["type"]["enum"], name


def test_availability_reason_codes_are_the_twelve_of_the_contract(
    resolve: Callable[[Any], Any],
) -> None:
    reason = resolve({"$ref": "#/components/schemas/AvailabilityReason"})
    assert reason["properties"]["code"]["enum"] == [
        "outside_working_hours",
        "date_override",
        "booked",
        "held",
        "calendar_busy",
        "buffer",
        "minimum_notice",
        "beyond_booking_window",
        "daily_limit",
        "seats_full",
        "not_on_slot_grid",
        "event_type_inactive",
    ]


def test_availability_search_takes_json_and_form_bodies(operations: list[Operation]) -> None:
    (search,) = [o[2] for o in operations if o[2]["operationId"] == "availability.search"]
    content = search["requestBody"]["content"]
    assert set(content) == {"application/json", "application/x-www-form-urlencoded"}
    for media in content.values():
        assert media["schema"] == {"$ref": "#/components/schemas/AvailabilityQuery"}
