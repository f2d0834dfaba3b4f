"""The exception hierarchy: one class per HTTP status family, plus connection and timeout errors."""

from __future__ import annotations

from typing import Any

import httpx

from astrocal_sdk.types._generated.models import AvailabilityReason, Slot

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AstrocalError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "SlotUnavailableError",
    "UnprocessableEntityError",
    "WebhookVerificationError",
]


class AstrocalError(Exception):
    """Base of every exception this package raises."""


class MissingAPIKeyError(AstrocalError):
    """No API key was given and ``ASTROCAL_API_KEY`` is not set."""


class WebhookVerificationError(AstrocalError):
    """A webhook delivery's signature or timestamp did not verify."""


class APIError(AstrocalError):
    """A request to the API failed.

    ``code``, ``param``, ``details`` and ``request_id`` come from the error body when the server
    answered; they are ``None`` for connection errors.
    """

    message: str
    request: httpx.Request
    body: object | None
    code: str | None
    param: str | None
    details: dict[str, Any] | None
    request_id: str | None
    type: str | None

    def __init__(self, message: str, request: httpx.Request, *, body: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        self.type = _str_or_none(error.get("type"))
        self.code = _str_or_none(error.get("code"))
        self.param = _str_or_none(error.get("param"))
        details = error.get("details")
        self.details = details if isinstance(details, dict) else None
        self.request_id = _str_or_none(error.get("request_id"))

    def __str__(self) -> str:
        return self.message


class APIResponseValidationError(APIError):
    """The server answered 2xx with a body that is not JSON."""

    def __init__(self, response: httpx.Response, *, message: str) -> None:
        super().__init__(message, response.request)
        self.response = response
        self.status_code = response.status_code
        self.request_id = response.headers.get("x-request-id")


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status."""

    response: httpx.Response
    status_code: int

    def __init__(self, message: str, *, response: httpx.Response, body: object | None) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = self.request_id or response.headers.get("x-request-id")

    @property
    def status(self) -> int:
        """Alias of :attr:`status_code`."""
        return self.status_code

    def __str__(self) -> str:
        parts = [f"{self.status_code}"]
        if self.code:
            parts.append(self.code)
        text = f"[{' '.join(parts)}] {self.message}"
        if self.param:
            text += f" (param: {self.param})"
        if self.request_id:
            text += f" [request_id: {self.request_id}]"
        return text


class BadRequestError(APIStatusError):
    """400: the request is invalid; ``param`` names the field."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class PaymentRequiredError(APIStatusError):
    """402: the plan's limit is reached (``booking_limit_reached``)."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this."""


class NotFoundError(APIStatusError):
    """404: no such object in this account and mode."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state."""


class SlotUnavailableError(ConflictError):
    """409 ``slot_unavailable``: the start is not free; see ``reasons`` and ``alternatives``."""

    @property
    def reasons(self) -> list[AvailabilityReason]:
        from astrocal_sdk._models import parse_lenient

        raw = (self.details or {}).get("reasons") or []
        return parse_lenient(list[AvailabilityReason], raw)

    @property
    def alternatives(self) -> list[Slot]:
        from astrocal_sdk._models import parse_lenient

        raw = (self.details or {}).get("alternatives") or []
        return parse_lenient(list[Slot], raw)


class UnprocessableEntityError(APIStatusError):
    """422: well-formed but not processable (for example ``idempotency_key_reused``)."""


class RateLimitError(APIStatusError):
    """429: too many requests; retried automatically, honouring ``Retry-After``."""


class InternalServerError(APIStatusError):
    """5xx: the server failed; retried automatically."""


class APIConnectionError(APIError):
    """The server could not be reached, or the connection broke before an answer."""

    def __init__(self, request: httpx.Request, *, message: str = "Connection error.") -> None:
        super().__init__(message, request)


class APITimeoutError(APIConnectionError):
    """The request timed out."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__(request, message="Request timed out.")


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def make_status_error(response: httpx.Response) -> APIStatusError:
    """The exception for an error response, built from its envelope when it has one."""
    try:
        body: object | None = response.json()
    except ValueError:
        body = response.text or None
    error = body.get("error") if isinstance(body, dict) else None
    message = None
    if isinstance(error, dict):
        message = _str_or_none(error.get("message"))
    if message is None:
        message = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    if response.status_code >= 500:
        cls: type[APIStatusError] = InternalServerError
    else:
        cls = _BY_STATUS.get(response.status_code, APIStatusError)
    if cls is ConflictError and isinstance(error, dict) and error.get("code") == "slot_unavailable":
        cls = SlotUnavailableError
    return cls(message, response=response, body=body)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None
