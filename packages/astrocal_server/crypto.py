"""Secrets at rest: AES-256-GCM under the keyring from ``ASTROCAL_SECRET_KEY``.

A sealed value is the text ``v1.<kid>.<base64url(nonce ‖ ciphertext ‖ tag)>``. The key id says which
keyring entry sealed it, so a key can be rotated by putting a new entry first: new values are sealed
with it, old ones still open with the entry named in them, and :meth:`SecretBox.needs_reseal` tells
a caller that a value should be sealed again under the active key.

``aad`` (associated data) binds a value to where it is stored (for example the connection id), so a
sealed value copied into another row does not open there.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["SecretBox", "SecretBoxError"]

_VERSION = "v1"
_NONCE_BYTES = 12


class SecretBoxError(ValueError):
    """A sealed value that cannot be opened: malformed, sealed under an unknown key, or tampered with."""


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise SecretBoxError("sealed value is not valid base64url") from None


class SecretBox:
    """Seals and opens secrets with a keyring of ``(kid, 32-byte key)``; the first entry seals."""

    def __init__(self, keyring: Iterable[tuple[str, bytes]]) -> None:
        entries = list(keyring)
        if not entries:
            raise ValueError("SecretBox needs at least one key")
        for kid, key in entries:
            if "." in kid or not kid:
                raise ValueError(f"key id {kid!r} must be non-empty and contain no '.'")
            if len(key) != 32:
                raise ValueError(f"key {kid!r} must be 32 bytes for AES-256-GCM")
        self._active_kid = entries[0][0]
        self._keys = {kid: AESGCM(key) for kid, key in entries}

    @classmethod
    def from_settings(cls, settings: Any) -> SecretBox:
        """The box for a :class:`~astrocal_server.config.Settings` (its ``keyring``)."""
        return cls(settings.keyring)

    @property
    def active_kid(self) -> str:
        return self._active_kid

    def seal(self, plaintext: str | bytes, *, aad: str | bytes = b"") -> str:
        data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._keys[self._active_kid].encrypt(nonce, data, _bytes(aad))
        return f"{_VERSION}.{self._active_kid}.{_b64encode(nonce + sealed)}"

    def open(self, token: str, *, aad: str | bytes = b"") -> bytes:
        version, kid, body = _split(token)
        if version != _VERSION:
            raise SecretBoxError(f"sealed value has unknown format version {version!r}")
        cipher = self._keys.get(kid)
        if cipher is None:
            raise SecretBoxError(
                f"sealed value uses key id {kid!r}, which is not in ASTROCAL_SECRET_KEY; "
                "keep the old key in the keyring (after the new one) until everything is re-sealed"
            )
        raw = _b64decode(body)
        if len(raw) <= _NONCE_BYTES:
            raise SecretBoxError("sealed value is too short")
        try:
            return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _bytes(aad))
        except InvalidTag:
            raise SecretBoxError(
                f"sealed value does not open with key {kid!r} (wrong key, wrong context, or tampered)"
            ) from None

    def open_text(self, token: str, *, aad: str | bytes = b"") -> str:
        return self.open(token, aad=aad).decode("utf-8")

    def seal_json(self, value: Mapping[str, Any], *, aad: str | bytes = b"") -> str:
        return self.seal(json.dumps(dict(value), separators=(",", ":"), sort_keys=True), aad=aad)

    def open_json(self, token: str, *, aad: str | bytes = b"") -> dict[str, Any]:
        value = json.loads(self.open(token, aad=aad))
        if not isinstance(value, dict):
            raise SecretBoxError("sealed value is not a JSON object")
        return value

    def key_id_of(self, token: str) -> str:
        return _split(token)[1]

    def needs_reseal(self, token: str) -> bool:
        """Whether ``token`` was sealed under a key other than the active one (rotation)."""
        return self.key_id_of(token) != self._active_kid


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3 or not all(parts):
        raise SecretBoxError("sealed value is not of the form v1.<kid>.<data>")
    return parts[0], parts[1], parts[2]


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value
