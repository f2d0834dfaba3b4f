"""The error envelope, and the one place that turns a failure into it.

Every failure reaches the client as
``{"error": {"type", "code", "message", "param"?, "details"?, "request_id"}}``. Domain errors
(:mod:`astrocal_server.errors`, raised by services) get their status and ``type`` from
:data:`STATUS_OF`; :class:`ApiError` is the edge's own exception for failures only HTTP knows
about (a body that is not JSON, a replayed idempotent response). Validation errors, unknown routes
and wrong methods end up in the same shape; unexpected exceptions are answered by
``api/middleware.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from astrocal_server import errors
from astrocal_server.api.encoding import JSONResponse, dumps
from astrocal_server.ids import new_id

__all__ = [
    "STATUS_OF",
    "ApiError",
    "domain_error_response",
    "error_body",
    "error_response",
    "install_error_handlers",
    "request_id_of",
    "send_json",
]

# Domain error class -> (HTTP status, envelope type). The one table that knows both worlds.
STATUS_OF: dict[type[errors.AstrocalError], tuple[int, str]] = {
    errors.InvalidRequest: (400, "invalid_request_error"),
    errors.AuthenticationFailed: (401, "authentication_error"),
    errors.QuotaExceeded: (402, "invalid_request_error"),
    errors.PermissionDenied: (403, "permission_error"),
    errors.NotFound: (404, "not_found_error"),
    errors.Conflict: (409, "conflict_error"),
    errors.RequestTooLarge: (413, "invalid_request_error"),
    errors.Unprocessable: (422, "invalid_request_error"),
    errors.RateLimited: (429, "rate_limit_error"),
    errors.Unavailable: (503, "api_error"),
}
# The contract's ``Error.type`` values: each is the type of some domain error above.
ERROR_TYPES = frozenset(kind for _status, kind in STATUS_OF.values())


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


def error_response(
    request: Scope | Request, status: int, type: str, code: str, message: str, **kw: Any
) -> JSONResponse:
    """The envelope as a response; ``kw`` are :func:`error_body`'s keywords and ``headers``."""
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
            return error_response(
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
    return error_response(
        request, 400, "invalid_request_error", code, message, param=param, details=details
    )


def _status_of(exc: errors.AstrocalError) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400, "invalid_request_error"


def domain_error_response(request: Request, exc: errors.AstrocalError) -> JSONResponse:
    """The envelope for a domain error (also used by mounts outside FastAPI's handlers)."""
    status, type_ = _status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.AuthenticationFailed):
        headers["WWW-Authenticate"] = "Bearer"
    if exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    return error_response(
        request,
        status,
        type_,
        exc.code,
        exc.message,
        param=exc.param,
        details=exc.details,
        headers=headers or None,
    )


async def _on_domain_error(request: Request, exc: errors.AstrocalError) -> JSONResponse:
    return domain_error_response(request, exc)


async def _on_api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(
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
        return error_response(
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
        return error_response(
            request,
            405,
            "invalid_request_error",
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path}; allowed: {headers.get('Allow') or headers.get('allow') or 'see the API reference'}.",
            headers=headers or None,
        )
    if status == 400 and "pars" in str(exc.detail).lower():
        return error_response(
            request,
            400,
            "invalid_request_error",
            "invalid_body",
            "The request body could not be parsed; send JSON with Content-Type: application/json.",
        )
    if status == 401:
        return error_response(
            request,
            401,
            "authentication_error",
            "authentication_required",
            str(exc.detail),
            headers=headers or None,
        )
    type_ = "api_error" if status >= 500 else "invalid_request_error"
    return error_response(
        request, status, type_, f"http_{status}", str(exc.detail), headers=headers or None
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(errors.AstrocalError, _on_domain_error)  # type: ignore[arg-type]


async def send_json(
    send: Send, status: int, document: Any, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """A whole JSON response from ASGI middleware, below any framework response class."""
    body = dumps(document)
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
