"""The static-path dispatch (``api/dispatch.py``) answers exactly as FastAPI's router would.

The dispatch answers a request for a route without path parameters whose dependencies are plain
``async`` functions of the request, without FastAPI's router and dependency solver. Pinned here:
the hot operations go that way; every entry of its table is the route FastAPI's router selects
for that method and path; and the same requests answered both ways (the dispatch steps aside
while any dependency override is set) give the same status, body and headers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import pytest
from astrocal_server.api.dispatch import AstrocalAPI, answers_with_response
from fastapi import APIRouter, Depends, FastAPI, Request, Response

H = dict[str, str]


def _table(app: FastAPI) -> dict[str, dict[str, Any]]:
    assert isinstance(app, AstrocalAPI)
    return app.static_routes()


@contextmanager
def through_fastapi(app: FastAPI) -> Iterator[None]:
    """Every request through FastAPI's router: the dispatch steps aside while an override is
    set (this one overrides a function no route uses)."""

    async def unused() -> None:
        return None

    app.dependency_overrides[unused] = unused
    try:
        yield
    finally:
        app.dependency_overrides.pop(unused)


async def _call(
    app: FastAPI, method: str, path: str, query: bytes = b"", headers: H | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One request through the app's ASGI interface; the scope afterwards and what was sent."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return scope, sent


def _answer(sent: list[dict[str, Any]]) -> tuple[int, bytes, dict[bytes, bytes]]:
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    headers = {k: v for k, v in start["headers"] if k != b"x-request-id"}
    return start["status"], body, headers


def test_the_hot_operations_are_answered_directly(app: FastAPI) -> None:
    table = _table(app)
    assert {"/healthz", "/v1/account", "/v1/availability"} <= set(table["GET"])
    assert "/v1/bookings" in table["POST"]
    assert "/v1/bookings" not in table.get("GET", {})  # list filters are FastAPI query fields


async def test_every_entry_is_the_route_fastapis_router_selects(app: FastAPI) -> None:
    table = _table(app)
    assert table
    with through_fastapi(app):
        for method, paths in table.items():
            for path, direct in paths.items():
                scope, _sent = await _call(app, method, path)
                assert scope["endpoint"] is direct.endpoint, (method, path)
    for method, paths in table.items():
        for path, direct in paths.items():
            scope, _sent = await _call(app, method, path)
            assert scope["endpoint"] is direct.endpoint, (method, path)


@pytest.mark.parametrize(
    ("method", "path", "query", "authorized"),
    [
        ("GET", "/healthz", b"", False),
        ("GET", "/v1/account", b"", True),
        ("GET", "/v1/account", b"", False),  # 401
        ("GET", "/v1/account", b"x=%00", True),  # 400 parameter_invalid
        ("PATCH", "/v1/account", b"", True),  # 400: no body
        ("GET", "/v1/availability", b"", True),  # 400: no event type
        ("POST", "/v1/bookings", b"", True),  # 400: no body
        ("DELETE", "/v1/account", b"", True),  # 405, not in the table
    ],
)
async def test_answers_are_the_same_both_ways(
    app: FastAPI, live_headers: H, method: str, path: str, query: bytes, authorized: bool
) -> None:
    headers = live_headers if authorized else {}
    with through_fastapi(app):
        _scope, slow = await _call(app, method, path, query, headers)
    _scope, fast = await _call(app, method, path, query, headers)
    slow_status, slow_body, slow_headers = _answer(slow)
    fast_status, fast_body, fast_headers = _answer(fast)
    assert fast_status == slow_status
    assert fast_headers.keys() == slow_headers.keys()
    for name in fast_headers.keys() - {b"ratelimit-remaining", b"content-length"}:
        assert fast_headers[name] == slow_headers[name], name
    if b'"request_id"' in fast_body:  # error envelopes carry their own request id
        fast_error, slow_error = _error(fast_body), _error(slow_body)
        assert fast_error == slow_error
    else:
        assert fast_body == slow_body


def _error(body: bytes) -> dict[str, Any]:
    error: dict[str, Any] = json.loads(body)["error"]
    error.pop("request_id")
    return error


CALLS: list[str] = []


async def counted(request: Request) -> str:
    CALLS.append("counted")
    return request.url.path


async def first(request: Request) -> None:
    CALLS.append("first")


async def left(value: Annotated[str, Depends(counted)]) -> str:
    CALLS.append("left")
    return value


async def right(value: Annotated[str, Depends(counted)]) -> str:
    CALLS.append("right")
    return value


async def check() -> None:
    CALLS.append("check")


@answers_with_response
async def both(a: Annotated[str, Depends(left)], b: Annotated[str, Depends(right)]) -> Response:
    return Response(f"{a} {b}")


async def test_dependencies_run_in_fastapis_order_once_per_request() -> None:
    """FastAPI's order (the inclusion's dependencies, the route's, then the endpoint's parameters,
    each function's own dependencies first) and its per-request cache (one call per function),
    on a small app answered both ways."""
    router = APIRouter()
    router.get("/both", dependencies=[Depends(check)])(both)
    app = AstrocalAPI()
    app.include_routers([router], dependencies=[Depends(first)])
    assert "/both" in app.static_routes()["GET"]
    answers = []
    for fastapi_router in (True, False):
        CALLS.clear()
        if fastapi_router:
            with through_fastapi(app):
                _scope, sent = await _call(app, "GET", "/both")
        else:
            _scope, sent = await _call(app, "GET", "/both")
        answers.append((list(CALLS), _answer(sent)[:2]))
    assert answers[0] == answers[1]
    assert answers[0] == (["first", "check", "counted", "left", "right"], (200, b"/both /both"))
