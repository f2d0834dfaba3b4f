"""Endpoint signing secrets at rest: sealed with the server's SecretBox, bound to the endpoint id."""

from __future__ import annotations

from datetime import datetime

from astrocal_server.crypto import SecretBox
from astrocal_server.storage.models import WebhookEndpoint

__all__ = ["open_secret", "seal_secret", "signing_secrets"]


def _aad(endpoint_id: str) -> str:
    return f"webhook-secret:{endpoint_id}"


def seal_secret(box: SecretBox, endpoint_id: str, secret: str) -> str:
    return box.seal(secret, aad=_aad(endpoint_id))


def open_secret(box: SecretBox, endpoint_id: str, sealed: str) -> str:
    return box.open_text(sealed, aad=_aad(endpoint_id))


def signing_secrets(box: SecretBox, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, then the previous one while it is still within its 24 hours."""
    out = [open_secret(box, endpoint.id, endpoint.secret_enc)]
    if (
        endpoint.previous_secret_enc
        and endpoint.previous_secret_expires_at is not None
        and endpoint.previous_secret_expires_at > now
    ):
        out.append(open_secret(box, endpoint.id, endpoint.previous_secret_enc))
    return out
