"""Each operation is declared once (astrocal_sdk/resources/) and bound to four views — Astrocal,
AsyncAstrocal and their with_raw_response — which must all read the same to people and tools:
the docstring, the signature, and the argument checks before anything is sent."""

from __future__ import annotations

import inspect
from operator import attrgetter

import httpx
import pytest
from astrocal_sdk import NOT_GIVEN, Astrocal, AsyncAstrocal

from tests.support.spec_ops import Operation, sdk_operations

OPERATIONS = sdk_operations()


def _views() -> list[object]:
    sync = Astrocal(api_key="sk_test_x", base_url="http://api.test")
    async_ = AsyncAstrocal(api_key="sk_test_x", base_url="http://api.test")
    return [sync, async_, sync.with_raw_response, async_.with_raw_response]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_every_view_has_the_same_docstring_and_signature(op: Operation) -> None:
    methods = [attrgetter(op.operation_id)(view) for view in _views()]
    docs = {inspect.getdoc(method) for method in methods}
    signatures = {str(inspect.signature(method)) for method in methods}
    assert len(docs) == 1 and docs != {None}, (op.operation_id, docs)
    assert len(signatures) == 1, (op.operation_id, signatures)
    assert {method.__name__ for method in methods} == {op.operation_id.rsplit(".", 1)[1]}


def test_async_methods_are_coroutine_functions_and_sync_ones_are_not() -> None:
    sync, async_, sync_raw, async_raw = _views()
    assert inspect.iscoroutinefunction(attrgetter("bookings.create")(async_raw))
    assert not inspect.iscoroutinefunction(attrgetter("bookings.create")(sync))
    assert not inspect.iscoroutinefunction(attrgetter("bookings.create")(sync_raw))
    assert inspect.iscoroutinefunction(attrgetter("bookings.create")(async_))


def _recording_client() -> tuple[Astrocal, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    return Astrocal(api_key="sk_test_x", base_url="http://api.test", http_client=http), seen


def test_a_missing_or_unknown_argument_is_a_type_error_and_nothing_is_sent() -> None:
    client, seen = _recording_client()
    with pytest.raises(TypeError, match="title"):
        client.event_types.create(slug="intro", duration_minutes=30)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        client.bookings.retrieve()  # type: ignore[call-arg]
    assert seen == []


def test_an_empty_id_is_refused_naming_the_parameter_and_nothing_is_sent() -> None:
    client, seen = _recording_client()
    with pytest.raises(ValueError, match="delivery_id must be a non-empty string"):
        client.webhooks.deliveries.retrieve("wh_1", "")
    assert seen == []


def test_a_body_sends_only_the_fields_given_and_none_clears() -> None:
    client, seen = _recording_client()
    client.event_types.update("evt/1", description=None, buffer_after_minutes=5, title=NOT_GIVEN)
    assert seen[0].method == "PATCH"
    assert seen[0].url.raw_path == b"/v1/event_types/evt%2F1"
    assert seen[0].content == b'{"description":null,"buffer_after_minutes":5}'
