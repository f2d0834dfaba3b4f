"""The error envelope and everything that turns a failure into it.

``raise ApiError(...)`` anywhere (a route, a dependency, a service) and the client gets
``{"error": {"type", "code", "message", "param"?, "details"?, "request_id"}}`` with the given status.
Validation errors, unknown routes, wrong methods, malformed JSON, oversized bodies and unexpected
exceptions all end up in the same shape; a traceback never reaches the client.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from astrocal_server.ids import new_id

__all__ = [
    "ApiError",
    "BodySizeLimitMiddleware",
    "RequestContextMiddleware",
    "conflict",
    "database_unavailable",
    "error_body",
    "install_error_handlers",
    "invalid_param",
    "not_found",
    "request_id_of",
    "send_json",
]

logger = logging.getLogger("astrocal.server")

ERROR_TYPES = frozenset(
    {
        "invalid_request_error",
        "authentication_error",
        "permission_error",
        "not_found_error",
        "conflict_error",
        "rate_limit_error",
        "api_error",
    }
)
_SANE_REQUEST_ID = re.compile(r"^req_[a-z0-9]{1,64}$")  # the contract's request id shape


class ApiError(StarletteHTTPException):
    """An error the client can act on. Subclasses Starlette's HTTPException so FastAPI never
    swallows it (e.g. while reading a request body)."""

    def __init__(
        self,
        status_code: int,
        type: str,
        code: str,
        message: str,
        *,
        param: str | None = None,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if type not in ERROR_TYPES:
            raise ValueError(f"unknown error type {type!r}")
        super().__init__(status_code=status_code, detail=message, headers=dict(headers or {}))
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.details = dict(details) if details is not None else None


def invalid_param(param: str, message: str, code: str = "parameter_invalid") -> ApiError:
    return ApiError(400, "invalid_request_error", code, message, param=param)


def not_found(kind: str, object_id: str, param: str | None = None) -> ApiError:
    return ApiError(
        404,
        "not_found_error",
        "resource_missing",
        f"No {kind} with id {object_id!r} exists in this account and mode; check the id and that "
        "you use a key of the right mode (sk_live_ vs sk_test_).",
        param=param,
    )


def conflict(
    code: str, message: str, *, param: str | None = None, details: Mapping[str, Any] | None = None
) -> ApiError:
    return ApiError(409, "conflict_error", code, message, param=param, details=details)


def request_id_of(scope_or_request: Scope | Request) -> str:
    scope = scope_or_request.scope if isinstance(scope_or_request, Request) else scope_or_request
    state = scope.setdefault("state", {})
    rid = state.get("request_id")
    if rid is None:
        rid = state["request_id"] = new_id("req")
    return str(rid)


def error_body(
    request_id: str,
    type: str,
    code: str,
    message: str,
    *,
    param: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"type": type, "code": code, "message": message}
    if param is not None:
        error["param"] = param
    if details is not None:
        error["details"] = dict(details)
    error["request_id"] = request_id
    return {"error": error}


def _response(
    request: Request, status: int, type: str, code: str, message: str, **kw: Any
) -> JSONResponse:
    headers = kw.pop("headers", None)
    return JSONResponse(
        error_body(request_id_of(request), type, code, message, **kw),
        status_code=status,
        headers=headers,
    )


def _param_path(loc: Sequence[Any]) -> str | None:
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    # pydantic adds the validator name for tagged/function validators; drop internal markers.
    parts = [
        p for p in parts if not (isinstance(p, str) and (p.startswith("function-") or "[" in p))
    ]
    if not parts:
        return None
    return ".".join(str(p) for p in parts)


def _clean_message(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg


async def _on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    for err in errors:
        if err.get("type") == "json_invalid":
            return _response(
                request,
                400,
                "invalid_request_error",
                "invalid_json",
                "The request body is not valid JSON; send a JSON object with Content-Type: application/json.",
            )
    first = errors[0] if errors else {"loc": (), "msg": "Invalid request", "type": "value_error"}
    param = _param_path(first.get("loc", ()))
    err_type = str(first.get("type", ""))
    if err_type == "missing":
        code, message = "parameter_missing", f"Missing required parameter {param!r}."
    elif err_type == "extra_forbidden":
        code, message = (
            "parameter_unknown",
            f"Unknown parameter {param!r}; remove it (check the spelling).",
        )
    else:
        code = "parameter_invalid"
        text = _clean_message(str(first.get("msg", "is invalid")))
        message = f"Invalid {param!r}: {text}." if param else f"Invalid request: {text}."
        message = message.replace("..", ".")
    details = None
    if len(errors) > 1:
        details = {
            "errors": [
                {
                    "param": _param_path(e.get("loc", ())),
                    "message": _clean_message(str(e.get("msg", ""))),
                }
                for e in errors[:20]
            ]
        }
    return _response(
        request, 400, "invalid_request_error", code, message, param=param, details=details
    )


async def _on_api_error(request: Request, exc: ApiError) -> JSONResponse:
    return _response(
        request,
        exc.status_code,
        exc.type,
        exc.code,
        exc.message,
        param=exc.param,
        details=exc.details,
        headers=exc.headers or None,
    )


def _route_table(app: Any) -> list[tuple[Any, set[str]]]:
    table = getattr(app.state, "_astrocal_route_table", None)
    if table is not None:
        return table  # type: ignore[no-any-return]
    from starlette.routing import Route, compile_path

    table = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, Route):
                regex, _, _ = compile_path(prefix + route.path)
                table.append((regex, set(route.methods or ())))
            elif hasattr(route, "original_router"):  # FastAPI keeps included routers nested
                context = getattr(route, "include_context", None)
                walk(route.original_router.routes, prefix + getattr(context, "prefix", ""))

    walk(app.routes, "")
    app.state._astrocal_route_table = table
    return table


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts on this path (Starlette reports only the first route's)."""
    methods: set[str] = set()
    for regex, route_methods in _route_table(request.app):
        if regex.match(request.url.path):
            methods |= route_methods
    return sorted(methods)


async def _on_http_exception(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if isinstance(exc, ApiError):
        return await _on_api_error(request, exc)
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status == 404:
        return _response(
            request,
            404,
            "not_found_error",
            "route_not_found",
            f"No route {request.method} {request.url.path}; see /v1/openapi.json for the API's routes.",
            headers=headers or None,
        )
    if status == 405:
        allowed = _allowed_methods(request)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
        return _response(
            request,
            405,
            "invalid_request_error",
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path}; allowed: {headers.get('Allow') or headers.get('allow') or 'see the API reference'}.",
            headers=headers or None,
        )
    if status == 400 and "pars" in str(exc.detail).lower():
        return _response(
            request,
            400,
            "invalid_request_error",
            "invalid_body",
            "The request body could not be parsed; send JSON with Content-Type: application/json.",
        )
    if status == 401:
        return _response(
            request,
            401,
            "authentication_error",
            "authentication_required",
            str(exc.detail),
            headers=headers or None,
        )
    type_ = "api_error" if status >= 500 else "invalid_request_error"
    return _response(
        request, status, type_, f"http_{status}", str(exc.detail), headers=headers or None
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)  # type: ignore[arg-type]


# Driver errors that mean "the database could not be reached or was busy", not "the query is wrong".
_UNAVAILABLE_NAMES = frozenset(
    {
        "CannotConnectNowError",  # asyncpg: the server is starting up or shutting down
        "ConnectionDoesNotExistError",  # asyncpg: the connection was closed mid-query
        "ConnectionFailureError",
        "TooManyConnectionsError",
        "AdminShutdownError",
        "CrashShutdownError",
    }
)
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def _raised_in_driver(exc: BaseException) -> bool:
    frame = exc.__traceback__
    while frame is not None:
        module = str(frame.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(("sqlalchemy", "asyncpg", "aiosqlite")):
            return True
        frame = frame.tb_next
    return False


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database is unreachable, gone or busy."""
    from sqlalchemy import exc as sa_exc

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sa_exc.TimeoutError):
            return True  # the pool had no connection to give
        if isinstance(current, ConnectionError) and _raised_in_driver(current):
            return True  # the database's socket was refused or reset
        if type(current).__name__ in _UNAVAILABLE_NAMES:
            return True
        if isinstance(current, sa_exc.OperationalError) and any(
            text in str(current.orig) for text in _SQLITE_BUSY
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


async def send_json(
    send: Send, status: int, document: Any, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """A whole JSON response from ASGI middleware, below any framework response class."""
    body = json.dumps(document).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Outermost middleware: a request id for every request (``X-Request-Id`` in and out) and a
    500 envelope for anything unexpected, logged with the request id and never shown to the client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        state = scope.setdefault("state", {})
        state["request_id"] = (
            incoming if incoming and _SANE_REQUEST_ID.match(incoming) else new_id("req")
        )
        rid = state["request_id"]
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", rid.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            logger.exception(
                "unhandled error in %s %s (request_id=%s)",
                scope.get("method"),
                scope.get("path"),
                rid,
            )
            if started:
                raise
            status, extra_headers = 500, []
            if database_unavailable(exc):
                # Transient, so a 503 with Retry-After: clients (the SDK) retry with the same
                # Idempotency-Key, which finds a write that did commit before the connection broke.
                status, extra_headers = 503, [(b"retry-after", b"1")]
                error = error_body(
                    rid,
                    "api_error",
                    "database_unavailable",
                    "The database is unavailable or busy right now. Retry the request in a moment "
                    "with the same Idempotency-Key; if it keeps failing, report request id "
                    f"{rid}.",
                )
            else:
                error = error_body(
                    rid,
                    "api_error",
                    "internal_error",
                    f"Something went wrong on our side. Retry the request; if it keeps failing, report request id {rid}.",
                )
            await send_json(send_with_id, status, error, extra_headers)


class _BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            "invalid_request_error",
            "request_too_large",
            f"The request body is larger than {limit} bytes; send a smaller body.",
        )


class BodySizeLimitMiddleware:
    """Refuses bodies over ``max_bytes`` (declared or streamed) with 413 ``request_too_large``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._reject(scope, send)
                    return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited_receive, send)

    async def _reject(self, scope: Scope, send: Send) -> None:
        error = error_body(
            request_id_of(scope),
            "invalid_request_error",
            "request_too_large",
            f"The request body is larger than {self.max_bytes} bytes; send a smaller body.",
        )
        await send_json(send, 413, error, [(b"connection", b"close")])
