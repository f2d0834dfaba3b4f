"""Every spec operation has exactly one SDK method, on both clients, with the spec's name,
HTTP method, path and parameters — proven by calling each method and inspecting the request."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import typing
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from astrocal_sdk import Astrocal, AsyncAstrocal, AsyncPaginator, SyncPage, types
from astrocal_sdk.resources._resource import APIResource

from tests.support.spec_ops import Operation, sample_value, sdk_operations

OPERATIONS = sdk_operations()


def _resolve(client: object, operation_id: str) -> Callable[..., Any]:
    target: Any = client
    for part in operation_id.split("."):
        target = getattr(target, part)
    assert callable(target)
    return typing.cast(Callable[..., Any], target)


def _public_methods(resource: object, prefix: str) -> set[str]:
    found: set[str] = set()
    for name in dir(resource):
        if name.startswith("_"):
            continue
        value = getattr(resource, name)
        if isinstance(value, APIResource):
            found |= _public_methods(value, f"{prefix}.{name}")
        elif callable(value):
            found.add(f"{prefix}.{name}")
    return found


@pytest.mark.parametrize("client_cls", [Astrocal, AsyncAstrocal])
def test_methods_are_exactly_the_spec_operations(client_cls: type[Any]) -> None:
    client = client_cls(api_key="sk_test_x")
    methods: set[str] = set()
    for name in dir(client):
        value = getattr(client, name) if not name.startswith("_") else None
        if isinstance(value, APIResource):
            methods |= _public_methods(value, name)
    assert methods == {op.operation_id for op in OPERATIONS}


def test_operations_without_sdk_flag_are_not_methods() -> None:
    client = Astrocal(api_key="sk_test_x")
    assert not hasattr(client, "meta")
    assert not hasattr(client, "oauth")


def _call_args(op: Operation) -> tuple[list[str], dict[str, Any]]:
    positional = [f"{name}_1" for name in op.path_params]
    kwargs: dict[str, Any] = {}
    for name in op.query:
        kwargs[name] = sample_value(op.query_schemas[name])
    for name in op.body:
        kwargs[name] = sample_value(op.body_schemas[name])
    return positional, kwargs


def _canned(op: Operation) -> httpx.Response:
    if op.status == 204:
        return httpx.Response(204)
    if op.list_item:
        return httpx.Response(op.status, json={"data": [], "has_more": False, "next_cursor": None})
    return httpx.Response(op.status, json={})


def _check_signature(op: Operation, method: Callable[..., Any]) -> None:
    sig = inspect.signature(method)
    params = {n: p for n, p in sig.parameters.items() if p.kind is not p.VAR_KEYWORD}
    assert set(params) == op.params, f"{op.operation_id}: {set(params) ^ op.params}"
    positional = [n for n, p in params.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == op.path_params, op.operation_id
    for name, required in [*op.query.items(), *op.body.items()]:
        has_default = params[name].default is not inspect.Parameter.empty
        assert has_default != required, f"{op.operation_id}.{name}: required={required}"
    assert any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()), "options missing"


def _check_return_type(op: Operation, method: Callable[..., Any], is_async: bool) -> None:
    returned = typing.get_type_hints(method)["return"]
    if op.list_item:
        assert typing.get_origin(returned) is (AsyncPaginator if is_async else SyncPage)
        assert typing.get_args(returned) == (getattr(types, op.list_item),)
    elif op.response_schema:
        assert returned is getattr(types, op.response_schema), op.operation_id
    else:
        assert returned is type(None), op.operation_id


def _check_request(op: Operation, request: httpx.Request, kwargs: dict[str, Any]) -> None:
    assert request.method == op.method
    expected_path = op.path
    for name in op.path_params:
        expected_path = expected_path.replace("{" + name + "}", f"{name}_1")
    assert request.url.path == expected_path
    assert set(request.url.params.keys()) == set(op.query)
    if op.has_body:
        body = json.loads(request.content)
        assert set(body) == set(op.body)
        for name, value in kwargs.items():
            if name in op.body and isinstance(value, dt.datetime):
                assert body[name] == "2026-04-15T09:00:00Z"
            elif name in op.body and isinstance(value, dt.date):
                assert body[name] == "2026-04-15"
    else:
        assert request.content == b""
    assert ("idempotency-key" in request.headers) == (op.method == "POST")
    assert request.headers["authorization"] == "Bearer sk_test_x"


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_sync_method_matches_operation(op: Operation) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _canned(op)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = Astrocal(api_key="sk_test_x", base_url="http://api.test", http_client=http)
    method = _resolve(client, op.operation_id)
    _check_signature(op, method)
    _check_return_type(op, method, is_async=False)
    positional, kwargs = _call_args(op)
    result = method(*positional, **kwargs)
    assert len(seen) == 1
    _check_request(op, seen[0], kwargs)
    if op.status == 204:
        assert result is None


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
async def test_async_method_matches_operation(op: Operation) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _canned(op)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = AsyncAstrocal(api_key="sk_test_x", base_url="http://api.test", http_client=http)
        method = _resolve(client, op.operation_id)
        _check_signature(op, method)
        _check_return_type(op, method, is_async=True)
        positional, kwargs = _call_args(op)
        result = await method(*positional, **kwargs)
    assert len(seen) == 1
    _check_request(op, seen[0], kwargs)
    if op.status == 204:
        assert result is None
