"""Errors the caller can act on, free of any web framework.

Services and rules raise a subclass of :class:`AstrocalError`; it says *what* went wrong (its
class, a stable ``code``, a message that says how to fix it, the offending ``param`` and optional
``details``) and never *how* it travels. The HTTP edge maps each class to a status code and an
envelope ``type`` in one table (``api/errors.py``); the MCP server and the CLI see the same codes
through the API.

Invariant: every message names what to change; ``param`` is the request field's dotted path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "AstrocalError",
    "AuthenticationFailed",
    "Conflict",
    "InvalidRequest",
    "NotFound",
    "PermissionDenied",
    "QuotaExceeded",
    "RateLimited",
    "RequestTooLarge",
    "Unavailable",
    "Unprocessable",
    "conflict",
    "invalid_param",
    "not_found",
]


class AstrocalError(Exception):
    """Base of every error the client gets to see as ``{"error": {...}}``."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        param: str | None = None,
        details: Mapping[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param
        self.details = dict(details) if details is not None else None
        # Seconds after which the same request may succeed (rate limits, outages).
        self.retry_after = retry_after


class InvalidRequest(AstrocalError):
    """The request is malformed or a value is out of range (400)."""


class AuthenticationFailed(AstrocalError):
    """No key, a malformed key, an unknown or revoked key (401)."""


class QuotaExceeded(AstrocalError):
    """The account's plan does not allow more of this (402)."""


class PermissionDenied(AstrocalError):
    """The key is valid but may not do this (403)."""


class NotFound(AstrocalError):
    """No such object in the caller's account and mode (404)."""


class Conflict(AstrocalError):
    """The request clashes with the current state (409): a taken slot, a duplicate slug…"""


class RequestTooLarge(AstrocalError):
    """The body is over the configured limit (413)."""


class Unprocessable(AstrocalError):
    """Well-formed but refused as a whole (422), e.g. an idempotency key reused for another body."""


class RateLimited(AstrocalError):
    """Too many requests for the plan (429); ``retry_after`` says when to come back."""


class Unavailable(AstrocalError):
    """A dependency (a calendar, the contract file, the database) cannot answer now (503)."""


def invalid_param(param: str, message: str, code: str = "parameter_invalid") -> InvalidRequest:
    return InvalidRequest(code, message, param=param)


def not_found(kind: str, object_id: str, param: str | None = None) -> NotFound:
    return NotFound(
        "resource_missing",
        f"No {kind} with id {object_id!r} exists in this account and mode; check the id and that "
        "you use a key of the right mode (sk_live_ vs sk_test_).",
        param=param,
    )


def conflict(
    code: str, message: str, *, param: str | None = None, details: Mapping[str, Any] | None = None
) -> Conflict:
    return Conflict(code, message, param=param, details=details)
