"""What keeps the invitee pages safe in a browser: their response headers and their form tokens.

Headers: every page says ``Content-Security-Policy: default-src 'none'; …`` (only this origin's
stylesheet and script, no inline code, forms post only here, never framed), ``X-Frame-Options:
DENY``, ``Referrer-Policy: no-referrer`` (the token is in the address: a click on the meeting's
link must not hand it to another site) and ``Cache-Control: no-store``.

Forms: a form carries ``csrf``, an HMAC of the action and the link token's SHA-256 under a key
derived from the server's first ``ASTROCAL_SECRET_KEY`` entry, so only a page this server rendered
for this link can post it. A POST is accepted only with that value, and, when the browser sends
them, ``Sec-Fetch-Site: same-origin`` and an ``Origin`` of this server (``null``, which browsers
send under ``no-referrer``, is left to the other two checks).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

from astrocal_server.config import Settings

__all__ = ["PAGE_HEADERS", "form_token", "post_is_genuine"]

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
_PURPOSE = b"astrocal invitee page forms v1"


def _key(settings: Settings) -> bytes:
    _kid, secret = settings.keyring[0]
    return hmac.new(secret, _PURPOSE, hashlib.sha256).digest()


def form_token(settings: Settings, token_digest: str, action: str) -> str:
    """The ``csrf`` value of ``action``'s form for the link whose token hashes to
    ``token_digest``."""
    mac = hmac.new(_key(settings), f"{action}\n{token_digest}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def post_is_genuine(
    request: Request, settings: Settings, token_digest: str, action: str, sent: object
) -> bool:
    """Whether a POST of ``action``'s form came from this server's page: ``sent`` is the form's
    ``csrf`` field."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        ours = {_origin(str(request.base_url)), _origin(settings.public_base_url)}
        if origin.lower() not in ours:
            return False
    if not isinstance(sent, str):
        return False
    expected = form_token(settings, token_digest, action)
    return hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("ascii"))
