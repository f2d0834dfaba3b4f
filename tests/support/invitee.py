"""Invitee links in tests: the token a booking's links carry, and the token API's paths.

- ``token_of(booking)``: the token in a booking object's ``manage_url`` (the API's or the SDK's).
- ``invitee_path(token, action="")``: ``/v1/invitee/bookings/<token>[/<action>]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["invitee_path", "token_of"]


def token_of(booking: Mapping[str, Any]) -> str:
    """The token of ``booking``'s links: the last path segment of its ``manage_url`` (this
    server's pages, or an account template that ends with ``{token}``)."""
    return urlsplit(str(booking["manage_url"])).path.rstrip("/").rsplit("/", 1)[1]


def invitee_path(token: str, action: str = "") -> str:
    return f"/v1/invitee/bookings/{token}" + (f"/{action}" if action else "")
