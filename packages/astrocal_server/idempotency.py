"""Idempotent requests in the database: claim a key, store the finished response, or release it.

Keys are scoped to the account and the mode of the calling key and kept :data:`RETENTION`. The
first request with a key *claims* it (a row with status ``in_flight``); when it finishes, its
response (status, body, headers) is stored, so a client whose response got lost and retries finds
it. A later claim of the same key gets:

- the same request fingerprint, the first one finished → the stored response;
- a different fingerprint → :class:`~astrocal_server.errors.Unprocessable`
  ``idempotency_key_reused``;
- the first one still running → :class:`~astrocal_server.errors.Conflict`
  ``idempotency_key_in_use``.

A stored response body is sealed with the server's :class:`~astrocal_server.crypto.SecretBox`
(bound to the account, mode, key and fingerprint), since some carry a secret shown only once (a new
API key, a webhook signing secret): a database dump reveals none, while the retry still gets the
secret back. A body sealed under a key since removed from ``ASTROCAL_SECRET_KEY`` cannot be
replayed: the retry gets a 409 ``idempotency_response_unavailable`` (the request did finish; a new
key would repeat it), so keep the old key for :data:`RETENTION` after a rotation. Rows stored in
clear before sealing still replay.

A claim whose request died without releasing it (a killed process) can be taken over after
:data:`IN_FLIGHT_LEASE`. What a request's fingerprint is, which responses are kept and how a
stored one is replayed is the HTTP edge's business (``api/idempotency.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from astrocal_server.crypto import SecretBox, SecretBoxError
from astrocal_server.errors import Conflict, Unprocessable
from astrocal_server.state import AppState
from astrocal_server.storage.models import IdempotencyRecord

__all__ = [
    "IN_FLIGHT_LEASE",
    "PURGE_EVERY",
    "RETENTION",
    "Claim",
    "StoredResponse",
    "claim_key",
    "release_claim",
    "store_response",
]

RETENTION = timedelta(hours=24)
IN_FLIGHT_LEASE = timedelta(seconds=60)
PURGE_EVERY = 256


@dataclass(frozen=True)
class Claim:
    """A key this process holds for a running request."""

    account_id: str
    livemode: bool
    key: str
    fingerprint: str


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    headers: list[tuple[str, str]]


def _reused() -> Unprocessable:
    return Unprocessable(
        "idempotency_key_reused",
        "This Idempotency-Key was already used with a different request (method, path or body); "
        "use a new key for a new request.",
        param="Idempotency-Key",
    )


def _in_use() -> Conflict:
    return Conflict(
        "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being processed; retry in a moment to get "
        "its result.",
        param="Idempotency-Key",
    )


def _unreadable() -> Conflict:
    return Conflict(
        "idempotency_response_unavailable",
        "The request with this Idempotency-Key finished, but its stored response was sealed under "
        "a server secret key that has since been removed, so it cannot be replayed. Look the "
        "result up (list or get the object) instead; a new Idempotency-Key would repeat the request.",
        param="Idempotency-Key",
    )


async def claim_key(
    state: AppState, *, account_id: str, livemode: bool, key: str, fingerprint: str
) -> Claim | StoredResponse:
    """Claim ``key`` for a request with ``fingerprint``, or return the response stored for it."""
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
                    stored = record.response_headers or {}
                    body = record.response_body or ""
                    try:
                        opened = (
                            _box(state).open(body, aad=_aad(account_id, livemode, key, fingerprint))
                            if stored.get("sealed")
                            else body.encode("utf-8")
                        )
                    except SecretBoxError:
                        raise _unreadable() from None
                    return StoredResponse(
                        status=record.response_status or 200,
                        body=opened,
                        headers=[(str(k), str(v)) for k, v in stored.get("h", [])],
                    )
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
    return Claim(account_id, livemode, key, fingerprint)


def _box(state: AppState) -> SecretBox:
    return SecretBox.from_settings(state.settings)


def _aad(account_id: str, livemode: bool, key: str, fingerprint: str) -> str:
    # Binds a sealed body to its row: copied into another account's or key's row, it does not open.
    return f"idempotency:{account_id}:{int(livemode)}:{fingerprint}:{key}"


def _where(claim: Claim) -> tuple[Any, ...]:
    return (
        IdempotencyRecord.account_id == claim.account_id,
        IdempotencyRecord.livemode == claim.livemode,
        IdempotencyRecord.key == claim.key,
        IdempotencyRecord.request_fingerprint == claim.fingerprint,
        IdempotencyRecord.status == "in_flight",
    )


async def store_response(
    state: AppState, claim: Claim, *, status: int, body: bytes, headers: Sequence[tuple[str, str]]
) -> None:
    """Keep the finished response of the request holding ``claim``, for replays."""
    async with state.db.write() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(*_where(claim))
            .values(
                status="done",
                response_status=status,
                response_body=_box(state).seal(
                    body,
                    aad=_aad(claim.account_id, claim.livemode, claim.key, claim.fingerprint),
                ),
                response_headers={"h": [[k, v] for k, v in headers], "sealed": True},
            )
        )


async def release_claim(state: AppState, claim: Claim) -> None:
    """Give the key up (the request failed), so a retry runs afresh."""
    async with state.db.write() as session:
        await session.execute(delete(IdempotencyRecord).where(*_where(claim)))
