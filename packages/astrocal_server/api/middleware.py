"""The HTTP edge's middleware, one pure ASGI layer: request ids and last-resort errors, header and
body size limits, rate limit headers and idempotent responses.

:class:`EdgeMiddleware` is the outermost layer: every request gets a request id (``X-Request-Id``
in and out) and anything unexpected becomes a 500 envelope (or a retryable 503 when the database is
unreachable or busy), logged with that id; a traceback never reaches the client. The same layer
refuses oversized headers and bodies, puts the ``RateLimit-*`` headers on every response of a
request that was counted, and stores or replays the responses of POSTs with an ``Idempotency-Key``:
it finishes what the caller dependency started (``api/ratelimit.py``, ``api/idempotency.py``).
One layer, one pass over the request's headers, no task and no copy of the body per request.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Awaitable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from astrocal_server.api import idempotency, ratelimit
from astrocal_server.api.errors import ApiError, error_body, request_id_of, send_json
from astrocal_server.idempotency import release_claim
from astrocal_server.storage.outage import database_unavailable

__all__ = ["EdgeMiddleware"]

logger = logging.getLogger("astrocal.server")

_SANE_REQUEST_ID = re.compile(r"^req_[a-z0-9]{1,64}$")  # the contract's request id shape


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

# Methods whose requests carry no body unless a header announces one.
_BODILESS = frozenset({"GET", "HEAD"})


def _new_request_id() -> str:
    # 80 random bits in lowercase hex: the contract's ``req_[a-z0-9]+``, for one system call and
    # no arithmetic (request ids correlate logs; they are not secrets).
    return "req_" + os.urandom(10).hex()


class EdgeMiddleware:
    """The one middleware of the HTTP edge (pure ASGI: no task and no copy of the body per
    request), outermost. For every HTTP request, in order:

    - a request id (``X-Request-Id`` in, when it has the contract's shape, and out on every
      response), and the ``RateLimit-*`` headers of a request that was counted;
    - header sets over the limits above are refused with 431 ``request_headers_too_large``, bodies
      over ``max_bytes`` (declared or streamed) with 413 ``request_too_large``;
    - a POST's response is stored or replayed for its ``Idempotency-Key``;
    - anything unexpected becomes a 500 envelope (or a retryable 503 when the database is
      unreachable or busy), logged with the request id; a traceback never reaches the client.

    Other scopes (lifespan, websocket) pass straight on."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Hands over the coroutine instead of awaiting it: an async ``__call__`` would be one more
        # frame resumed at every await of every request.
        if scope["type"] == "http":
            return self.handle(scope, receive, send)
        return self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        incoming = None
        declared: int | None = None
        streamed = False
        total = 0
        too_large = None
        headers = scope.get("headers", [])
        if len(headers) > MAX_HEADER_COUNT:
            too_large = f"more than {MAX_HEADER_COUNT} headers"
        for name, value in headers:
            size = len(name) + len(value)
            if size > MAX_HEADER_BYTES:
                too_large = too_large or f"a header larger than {MAX_HEADER_BYTES} bytes"
            total += size
            if name == b"x-request-id":
                if incoming is None:
                    incoming = value.decode("latin-1")
            elif name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = 0
                declared = length if declared is None else max(declared, length)
            elif name == b"transfer-encoding":
                streamed = True
        if too_large is None and total > MAX_HEADERS_BYTES:
            too_large = f"headers larger than {MAX_HEADERS_BYTES} bytes in all"
        state = scope.setdefault("state", {})
        rid = incoming if incoming and _SANE_REQUEST_ID.match(incoming) else _new_request_id()
        state["request_id"] = rid
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = _edge_headers(scope, message.get("headers", []), rid)
            await send(message)

        try:
            if too_large is not None:
                await _refuse(
                    scope,
                    send_with_id,
                    431,
                    "request_headers_too_large",
                    f"The request has {too_large}; send fewer or shorter headers.",
                )
                return
            if declared is not None:
                if declared > self.max_bytes:
                    await _refuse(
                        scope,
                        send_with_id,
                        413,
                        "request_too_large",
                        f"The request body is larger than {self.max_bytes} bytes; "
                        "send a smaller body.",
                    )
                    return
            elif streamed or scope["method"] not in _BODILESS:
                receive = _limited(receive, self.max_bytes)
            if scope["method"] == "POST":
                await _idempotent(self.app, scope, receive, send_with_id)
            else:
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


def _limited(receive: Receive, max_bytes: int) -> Receive:
    """``receive`` that raises 413 once the body streamed so far is over ``max_bytes``."""
    seen = 0

    async def limited_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                raise _BodyTooLarge(max_bytes)
        return message

    return limited_receive


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
        out.append((b"ratelimit-limit", str(status.limit).encode("latin-1")))
        out.append((b"ratelimit-remaining", str(status.remaining).encode("latin-1")))
        out.append((b"ratelimit-reset", str(status.reset_seconds).encode("latin-1")))
    return out


async def _idempotent(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Run a POST, storing the response of a request that claimed an ``Idempotency-Key`` and
    answering a replay from the store."""
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
        await app(scope, receive, hold)
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
