"""Invitee link tokens and the URLs built from them (pure: no I/O).

A token is 32 random bytes (256 bits) in base64url, 43 characters. The database keeps its SHA-256
(the lookup key, unique) and a copy sealed with the server's SecretBox, bound to the booking id (a
sealed copy moved to another row does not open); the token itself is never stored. A malformed
token never reaches the database: :func:`token_hash` answers None for anything that is not 43
base64url characters.

URLs: ``<public_base_url>/manage/<token>`` and its ``/cancel`` and ``/reschedule`` pages, or the
account's ``invitee_url_template``: an absolute http(s) URL containing ``{token}`` once and
optionally ``{action}`` (``manage``, ``cancel`` or ``reschedule``); without ``{action}`` the cancel
and reschedule URLs add ``action=cancel`` / ``action=reschedule`` to the query.

Payloads that are stored (outbox rows, webhook deliveries) must not carry a token either: they are
serialised with :class:`PendingLinks`, which writes :data:`PLACEHOLDER` where the token goes and the
sealed copy under :data:`SEALED_KEY`; whatever sends such a payload out (webhook attempt, email,
calendar write-back) calls :func:`reveal` on it first.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from astrocal_server.crypto import SecretBox, SecretBoxError

__all__ = [
    "PLACEHOLDER",
    "SEALED_KEY",
    "URL_FIELDS",
    "InviteeLinks",
    "PendingLinks",
    "check_url_template",
    "issue_token",
    "links_for",
    "new_token",
    "open_token",
    "reveal",
    "reveal_event",
    "seal_token",
    "shown_links",
    "stored_links",
    "token_hash",
]

_TOKEN_BYTES = 32
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")
# Where a stored payload's URLs hold the token until it is revealed at send time.
PLACEHOLDER = "{invitee_token}"
SEALED_KEY = "_invitee_token_sealed"
# A waitlist entry's ``confirm_url`` is sealed the same way, bound to the entry id.
URL_FIELDS = ("manage_url", "cancel_url", "reschedule_url", "confirm_url")
_ACTIONS = ("manage", "cancel", "reschedule")


def new_token() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(_TOKEN_BYTES)).decode("ascii").rstrip("=")


def token_hash(token: str) -> str | None:
    """The stored lookup key of ``token``; None for a string that cannot be a token."""
    if not isinstance(token, str) or _TOKEN_RE.fullmatch(token) is None:
        return None
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _aad(booking_id: str) -> str:
    return f"invitee-token:{booking_id}"


def seal_token(box: SecretBox, booking_id: str, token: str) -> str:
    return box.seal(token, aad=_aad(booking_id))


def open_token(box: SecretBox, booking_id: str, sealed: str) -> str | None:
    """The token sealed for ``booking_id``; None when it does not open (key gone, tampered)."""
    try:
        return box.open_text(sealed, aad=_aad(booking_id))
    except SecretBoxError:
        return None


def issue_token(box: SecretBox, booking_id: str) -> tuple[str, str]:
    """A new token for ``booking_id`` as it is stored: ``(token_hash, sealed token)``."""
    token = new_token()
    digest = token_hash(token)
    assert digest is not None  # new_token makes only well-formed tokens
    return digest, seal_token(box, booking_id, token)


def check_url_template(template: str) -> str:
    """``template`` when it is a usable link template; ValueError saying what to fix otherwise."""
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            "invitee_url_template must be an absolute http(s) URL such as "
            "https://app.example.com/manage/{token}"
        )
    if template.count("{token}") != 1:
        raise ValueError("invitee_url_template must contain {token} exactly once")
    rest = template.replace("{token}", "").replace("{action}", "")
    if "{" in rest or "}" in rest:
        raise ValueError(
            "invitee_url_template may contain only the placeholders {token} and {action}"
        )
    return template


@dataclass(frozen=True)
class InviteeLinks:
    manage_url: str
    cancel_url: str
    reschedule_url: str

    def as_dict(self) -> dict[str, str]:
        return {
            "manage_url": self.manage_url,
            "cancel_url": self.cancel_url,
            "reschedule_url": self.reschedule_url,
        }


def _with_action(url: str, action: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("action", action)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="{}")))


def links_for(token: str, *, public_base_url: str, template: str | None) -> InviteeLinks:
    """The three URLs for ``token``: the account's template, or this server's own pages."""
    if template is None:
        manage = f"{public_base_url.rstrip('/')}/manage/{token}"
        return InviteeLinks(manage, f"{manage}/cancel", f"{manage}/reschedule")
    if "{action}" in template:
        url = {a: template.replace("{token}", token).replace("{action}", a) for a in _ACTIONS}
        return InviteeLinks(url["manage"], url["cancel"], url["reschedule"])
    manage = template.replace("{token}", token)
    return InviteeLinks(manage, _with_action(manage, "cancel"), _with_action(manage, "reschedule"))


@dataclass(frozen=True)
class PendingLinks:
    """Links of a payload that will be stored: the token left as :data:`PLACEHOLDER`."""

    sealed: str
    public_base_url: str
    template: str | None

    def as_dict(self) -> dict[str, str]:
        links = links_for(PLACEHOLDER, public_base_url=self.public_base_url, template=self.template)
        return {**links.as_dict(), SEALED_KEY: self.sealed}


def shown_links(
    box: SecretBox,
    booking_id: str,
    sealed: str | None,
    *,
    public_base_url: str,
    template: str | None,
) -> InviteeLinks | None:
    """A booking's links as the API shows them; None without a token that opens."""
    token = None if sealed is None else open_token(box, booking_id, sealed)
    if token is None:
        return None
    return links_for(token, public_base_url=public_base_url, template=template)


def stored_links(
    sealed: str | None, *, public_base_url: str, template: str | None
) -> PendingLinks | None:
    """A booking's links as a stored payload carries them (see :func:`reveal`)."""
    if sealed is None:
        return None
    return PendingLinks(sealed, public_base_url, template)


def reveal(booking: MutableMapping[str, Any], box: SecretBox) -> MutableMapping[str, Any]:
    """Put the real token into a stored booking object's URLs, in place, and drop the sealed copy.

    Without a sealed copy (the object never had links) nothing changes; a copy that no longer
    opens (its key was removed from the keyring) drops the URLs rather than send placeholders.
    """
    sealed = booking.pop(SEALED_KEY, None)
    if not isinstance(sealed, str):
        return booking
    token = open_token(box, str(booking.get("id", "")), sealed)
    for field in URL_FIELDS:
        url = booking.get(field)
        if not isinstance(url, str):
            continue
        if token is None:
            del booking[field]
        else:
            booking[field] = url.replace(PLACEHOLDER, token)
    return booking


def reveal_event(payload: Mapping[str, Any], box: SecretBox) -> dict[str, Any]:
    """A stored webhook event (``{"type", …, "data": booking}``) ready to send: a copy whose
    booking carries the real links; an event without them comes back as it was."""
    data = payload.get("data")
    if not isinstance(data, dict) or SEALED_KEY not in data:
        return dict(payload)
    return {**payload, "data": reveal(dict(data), box)}
