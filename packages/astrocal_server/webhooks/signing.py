"""Standard Webhooks v1 signing: ``whsec_`` secrets and the three ``webhook-*`` headers.

The signature is ``v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`` where the key is the
base64-decoded part of the secret after ``whsec_``. While a rotated-out secret is still valid both
sign, space-separated, and a receiver accepts the request if any one matches.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence

__all__ = [
    "SECRET_PREFIX",
    "decode_secret",
    "generate_secret",
    "sign",
    "signature_header",
    "webhook_headers",
]

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
_SECRET_BYTES = 32


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode("ascii")


def decode_secret(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is whsec_ followed by base64") from None
    if not key:
        raise ValueError("a webhook secret may not be empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<signature>`` for ``body`` as sent (the exact bytes)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(decode_secret(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(secrets_: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    if not secrets_:
        raise ValueError("at least one secret signs a delivery")
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets_)


def webhook_headers(
    secrets_: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "Astrocal-Webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_, msg_id, timestamp, body),
    }
