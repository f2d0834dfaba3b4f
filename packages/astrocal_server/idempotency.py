"""``Idempotency-Key`` on every POST: replay a finished request, refuse a reused or busy key.

Keys are scoped to the account and the mode of the calling key and kept 24 hours. The first request
with a key *claims* it (a row with status ``in_flight``) once the caller is authenticated
(``api.deps`` calls :func:`begin`); :class:`IdempotencyMiddleware` then buffers the response and
stores it (status, body, headers) before sending it, so a client whose response got lost and
retries finds it stored. Later requests with the key:

- same method, path and body, first one finished → the stored response, with
  ``Idempotent-Replayed: true``;
- a different method, path or body → 422 ``idempotency_key_reused``;
- the first one still running → 409 ``idempotency_key_in_use``.

A request that ends in a 5xx (or crashes) releases its claim, so the retry runs afresh; so does a
429, which never ran. A claim whose request died without releasing it (a killed process) can be
taken over after :data:`IN_FLIGHT_LEASE`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from astrocal_server.errors import ApiError
from astrocal_server.state import AppState
from astrocal_server.storage.models import IdempotencyRecord

__all__ = [
    "IN_FLIGHT_LEASE",
    "RETENTION",
    "IdempotencyMiddleware",
    "begin",
    "key_of",
]

RETENTION = timedelta(hours=24)
IN_FLIGHT_LEASE = timedelta(seconds=60)
PURGE_EVERY = 256
_CLAIM = "idempotency_claim"
_REPLAY = "idempotency_replay"
# Per-request headers: the replay gets fresh ones, never the stored ones.
_NOT_STORED = frozenset(
    {
        b"x-request-id",
        b"ratelimit-limit",
        b"ratelimit-remaining",
        b"ratelimit-reset",
        b"retry-after",
        b"idempotent-replayed",
        b"date",
        b"server",
    }
)


@dataclass(frozen=True)
class _Claim:
    account_id: str
    livemode: bool
    key: str
    fingerprint: str


@dataclass(frozen=True)
class _Stored:
    status: int
    body: bytes
    headers: list[tuple[str, str]]


class _Replayed(ApiError):
    """Stops the route; the middleware answers with the stored response instead of this error."""

    def __init__(self) -> None:
        super().__init__(200, "api_error", "idempotent_replay", "replayed")


def key_of(request: Request) -> str | None:
    """The request's ``Idempotency-Key``, or ``None``; a 400 when the header is malformed."""
    values = request.headers.getlist("idempotency-key")
    if not values:
        return None
    if len(values) > 1 or not (1 <= len(values[0]) <= 255):
        raise ApiError(
            400,
            "invalid_request_error",
            "parameter_invalid",
            "Idempotency-Key must be one header of 1–255 characters, such as a UUID.",
            param="Idempotency-Key",
        )
    return values[0]


def _fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b" ")
    digest.update(request.url.path.encode())
    digest.update(b"?")
    digest.update(request.url.query.encode())
    digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


def _reused() -> ApiError:
    return ApiError(
        422,
        "invalid_request_error",
        "idempotency_key_reused",
        "This Idempotency-Key was already used with a different request (method, path or body); "
        "use a new key for a new request.",
        param="Idempotency-Key",
    )


def _in_use() -> ApiError:
    return ApiError(
        409,
        "conflict_error",
        "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being processed; retry in a moment to get "
        "its result.",
        param="Idempotency-Key",
    )


async def begin(request: Request, state: AppState, *, account_id: str, livemode: bool) -> None:
    """Claim the request's ``Idempotency-Key`` (if it has one) or answer from the stored response.

    Called once the caller is known, for POST requests only.
    """
    key = key_of(request)
    if key is None:
        return
    fingerprint = _fingerprint(request, await request.body())
    now = state.clock.now()
    where = (
        IdempotencyRecord.account_id == account_id,
        IdempotencyRecord.livemode == livemode,
        IdempotencyRecord.key == key,
    )
    try:
        async with state.db.write() as session:
            record = await session.scalar(select(IdempotencyRecord).where(*where))
            if record is not None and record.expires_at > now:
                if record.request_fingerprint != fingerprint:
                    raise _reused()
                if record.status == "done":
                    request.scope.setdefault("state", {})[_REPLAY] = _Stored(
                        status=record.response_status or 200,
                        body=(record.response_body or "").encode("utf-8"),
                        headers=[tuple(h) for h in (record.response_headers or {}).get("h", [])],  # type: ignore[misc]
                    )
                    raise _Replayed()
                if record.created_at + IN_FLIGHT_LEASE > now:
                    raise _in_use()
            if record is not None:
                await session.execute(delete(IdempotencyRecord).where(*where))
                await session.flush()
            state.idempotency_claims += 1
            if state.idempotency_claims % PURGE_EVERY == 1:
                # Expired keys are replaced lazily when reused; this keeps the table from growing.
                await session.execute(
                    delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)
                )
            session.add(
                IdempotencyRecord(
                    account_id=account_id,
                    livemode=livemode,
                    key=key,
                    request_fingerprint=fingerprint,
                    status="in_flight",
                    response_status=None,
                    response_body=None,
                    response_headers=None,
                    created_at=now,
                    expires_at=now + RETENTION,
                )
            )
            await session.flush()
    except IntegrityError:
        # Another process claimed the same key between our read and our insert (PostgreSQL).
        raise _in_use() from None
    request.scope.setdefault("state", {})[_CLAIM] = _Claim(account_id, livemode, key, fingerprint)


def _where(claim: _Claim) -> tuple[Any, ...]:
    return (
        IdempotencyRecord.account_id == claim.account_id,
        IdempotencyRecord.livemode == claim.livemode,
        IdempotencyRecord.key == claim.key,
        IdempotencyRecord.request_fingerprint == claim.fingerprint,
        IdempotencyRecord.status == "in_flight",
    )


async def _finish(state: AppState, claim: _Claim, status: int, body: bytes, raw: Any) -> None:
    if status >= 500 or status == 429:
        await _release(state, claim)
        return
    headers = [
        [k.decode("latin-1"), v.decode("latin-1")] for k, v in raw if k.lower() not in _NOT_STORED
    ]
    async with state.db.write() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(*_where(claim))
            .values(
                status="done",
                response_status=status,
                response_body=body.decode("utf-8", errors="replace"),
                response_headers={"h": headers},
            )
        )


async def _release(state: AppState, claim: _Claim) -> None:
    async with state.db.write() as session:
        await session.execute(delete(IdempotencyRecord).where(*_where(claim)))


class IdempotencyMiddleware:
    """Stores the response of a request that claimed a key; answers replays from the store."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        mode = "undecided"  # → "pass" (nothing to do), "capture" (claimed) or "replay"

        async def hold(message: Message) -> None:
            nonlocal mode
            if mode == "undecided" and message["type"] == "http.response.start":
                request_state = scope.get("state", {})
                if _REPLAY in request_state:
                    mode = "replay"
                elif _CLAIM in request_state:
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
            claim = scope.get("state", {}).get(_CLAIM)
            if claim is not None:
                await _release(scope["app"].state.astrocal, claim)
            raise
        if mode == "replay":
            await self._send_stored(scope["state"][_REPLAY], send)
        elif mode == "capture":
            start = held[0]
            body = b"".join(m.get("body", b"") for m in held[1:])
            await _finish(
                scope["app"].state.astrocal,
                scope["state"][_CLAIM],
                int(start["status"]),
                body,
                start.get("headers", []),
            )
            for message in held:
                await send(message)

    @staticmethod
    async def _send_stored(stored: _Stored, send: Send) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers]
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(stored.body)).encode()))
        headers.append((b"idempotent-replayed", b"true"))
        await send({"type": "http.response.start", "status": stored.status, "headers": headers})
        await send({"type": "http.response.body", "body": stored.body})
