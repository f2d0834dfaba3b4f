"""Pure ASGI middlewares of the HTTP edge: request ids and last-resort errors, body size limits,
rate limit headers and idempotent responses.

``RequestContextMiddleware`` is the outermost layer: every request gets a request id (``X-Request-Id``
in and out) and anything unexpected becomes a 500 envelope (or a retryable 503 when the database is
unreachable or busy), logged with that id; a traceback never reaches the client.
The same layer puts the ``RateLimit-*`` headers on every response of a request that was counted,
and ``IdempotencyMiddleware`` stores or replays responses: both finish what the caller dependency
started (``api/ratelimit.py``, ``api/idempotency.py``). Every layer is plain ASGI: no task and no
copy of the body per request.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from astrocal_server.api import idempotency, ratelimit
from astrocal_server.api.errors import ApiError, error_body, request_id_of, send_json
from astrocal_server.idempotency import release_claim
from astrocal_server.ids import new_id
from astrocal_server.storage.outage import database_unavailable

__all__ = [
    "BodySizeLimitMiddleware",
    "IdempotencyMiddleware",
    "RequestContextMiddleware",
]

logger = logging.getLogger("astrocal.server")

_SANE_REQUEST_ID = re.compile(r"^req_[a-z0-9]{1,64}$")  # the contract's request id shape


class _HttpMiddleware:
    """A pure ASGI middleware that acts on the requests :meth:`handles` accepts (HTTP ones) in
    :meth:`handle` and passes every other scope (lifespan, websocket) straight on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def handles(self, scope: Scope) -> bool:
        return bool(scope["type"] == "http")

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Hands over the coroutine instead of awaiting it: an async ``__call__`` would be one more
        # frame resumed at every await of every request.
        if self.handles(scope):
            return self.handle(scope, receive, send)
        return self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class RequestContextMiddleware(_HttpMiddleware):
    """Outermost middleware: a request id for every request (``X-Request-Id`` in and out) and a
    500 envelope for anything unexpected, logged with the request id and never shown to the client."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
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
                message["headers"] = _edge_headers(scope, message.get("headers", []), rid)
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


# Header limits: uvicorn's h11 parser let a 70 KB header line through, so the app sets its own.
# Nothing the API reads comes near them (the longest header it uses is Authorization).
MAX_HEADER_BYTES = 8 * 1024  # one header, name and value
MAX_HEADERS_BYTES = 32 * 1024  # all headers together
MAX_HEADER_COUNT = 100


def _headers_too_large(headers: list[tuple[bytes, bytes]]) -> str | None:
    if len(headers) > MAX_HEADER_COUNT:
        return f"more than {MAX_HEADER_COUNT} headers"
    total = 0
    for name, value in headers:
        size = len(name) + len(value)
        if size > MAX_HEADER_BYTES:
            return f"a header larger than {MAX_HEADER_BYTES} bytes"
        total += size
    if total > MAX_HEADERS_BYTES:
        return f"headers larger than {MAX_HEADERS_BYTES} bytes in all"
    return None


class BodySizeLimitMiddleware(_HttpMiddleware):
    """Refuses bodies over ``max_bytes`` (declared or streamed) with 413 ``request_too_large``,
    and header sets over the limits above with 431 ``request_headers_too_large``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        too_large = _headers_too_large(scope.get("headers", []))
        if too_large is not None:
            await _refuse(
                scope,
                send,
                431,
                "request_headers_too_large",
                f"The request has {too_large}; send fewer or shorter headers.",
            )
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await _refuse(
                        scope,
                        send,
                        413,
                        "request_too_large",
                        f"The request body is larger than {self.max_bytes} bytes; "
                        "send a smaller body.",
                    )
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


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    """Answer before the app runs, and close: the rest of the request is not read."""
    error = error_body(request_id_of(scope), "invalid_request_error", code, message)
    await send_json(send, status, error, [(b"connection", b"close")])


_RATE_LIMIT_NAMES = frozenset({b"ratelimit-limit", b"ratelimit-remaining", b"ratelimit-reset"})
_REPLACED = _RATE_LIMIT_NAMES | {b"x-request-id"}


def _edge_headers(
    scope: Scope, headers: list[tuple[bytes, bytes]], rid: str
) -> list[tuple[bytes, bytes]]:
    """A response's headers plus ``X-Request-Id`` and, for a request that was counted, the
    ``RateLimit-*`` of its budget (replacing any the app set), built in one pass."""
    status = ratelimit.status_of(scope)
    out = [(k, v) for k, v in headers if k.lower() not in _REPLACED]
    out.append((b"x-request-id", rid.encode("latin-1")))
    if status is not None:
        out.extend(
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in ratelimit.rate_limit_headers(status).items()
        )
    return out


class IdempotencyMiddleware(_HttpMiddleware):
    """Stores the response of a request that claimed a key; answers replays from the store."""

    def handles(self, scope: Scope) -> bool:
        return bool(scope["type"] == "http" and scope.get("method") == "POST")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        held: list[Message] = []
        mode = "undecided"  # → "pass" (nothing to do), "capture" (claimed) or "replay"

        async def hold(message: Message) -> None:
            nonlocal mode
            if mode == "undecided" and message["type"] == "http.response.start":
                if idempotency.replay_of(scope) is not None:
                    mode = "replay"
                elif idempotency.claim_of(scope) is not None:
                    mode = "capture"
                else:
                    mode = "pass"
            if mode == "pass":
                await send(message)
            else:
                held.append(message)

        try:
            await self.app(scope, receive, hold)
        except BaseException:
            claim = idempotency.claim_of(scope)
            if claim is not None:
                await release_claim(scope["app"].state.astrocal, claim)
            raise
        stored = idempotency.replay_of(scope)
        claim = idempotency.claim_of(scope)
        if mode == "replay" and stored is not None:
            await idempotency.send_replay(stored, send)
        elif mode == "capture" and claim is not None:
            start = held[0]
            body = b"".join(m.get("body", b"") for m in held[1:])
            await idempotency.finish(
                scope["app"].state.astrocal,
                claim,
                int(start["status"]),
                body,
                start.get("headers", []),
            )
            for message in held:
                await send(message)
