"""``Idempotency-Key`` on every POST, at the HTTP edge: the header, the request's fingerprint, and
handing the outcome to :class:`~astrocal_server.api.middleware.EdgeMiddleware`.

The caller dependency (``api.deps``) calls :func:`begin` once the caller is authenticated: it claims
the key in the store (:mod:`astrocal_server.idempotency`) or, when the same request already
finished, stops the route so the middleware answers with the stored response and
``Idempotent-Replayed: true``. The middleware buffers the response of a request that claimed a key
and keeps it (status, body and the headers that are not per-request) before sending it.

A request that ends in a 5xx (or crashes) releases its claim, so the retry runs afresh; so does a
429, which never ran.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from fastapi import Request
from starlette.types import Scope, Send

from astrocal_server import idempotency
from astrocal_server.api.errors import ApiError
from astrocal_server.errors import InvalidRequest
from astrocal_server.idempotency import Claim, StoredResponse
from astrocal_server.state import AppState

__all__ = [
    "begin",
    "claim_of",
    "finish",
    "key_of",
    "replay_of",
    "send_replay",
]

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
        raise InvalidRequest(
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


async def begin(request: Request, state: AppState, *, account_id: str, livemode: bool) -> None:
    """Claim the request's ``Idempotency-Key`` (if it has one) or answer from the stored response.

    Called once the caller is known, for POST requests only.
    """
    key = key_of(request)
    if key is None:
        return
    outcome = await idempotency.claim_key(
        state,
        account_id=account_id,
        livemode=livemode,
        key=key,
        fingerprint=_fingerprint(request, await request.body()),
    )
    request_state = request.scope.setdefault("state", {})
    if isinstance(outcome, StoredResponse):
        request_state[_REPLAY] = outcome
        raise _Replayed()
    request_state[_CLAIM] = outcome


def claim_of(scope: Scope) -> Claim | None:
    """The key this request claimed, if it did."""
    claim: Claim | None = scope.get("state", {}).get(_CLAIM)
    return claim


def replay_of(scope: Scope) -> StoredResponse | None:
    """The stored response this request is to be answered with, if it is a replay."""
    stored: StoredResponse | None = scope.get("state", {}).get(_REPLAY)
    return stored


async def finish(
    state: AppState, claim: Claim, status: int, body: bytes, raw_headers: Iterable[Any]
) -> None:
    """Keep the response of a request that claimed a key; a failed or refused one releases it."""
    if status >= 500 or status == 429:
        await idempotency.release_claim(state, claim)
        return
    headers = [
        (k.decode("latin-1"), v.decode("latin-1"))
        for k, v in raw_headers
        if k.lower() not in _NOT_STORED
    ]
    await idempotency.store_response(state, claim, status=status, body=body, headers=headers)


async def send_replay(stored: StoredResponse, send: Send) -> None:
    """Answer with a stored response, marked ``Idempotent-Replayed: true``."""
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers]
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(stored.body)).encode()))
    headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body})
