"""The form check of the invitee pages (api/page_guard.py): a POST passes only with the form token
of its action and link, and, when the browser says where it comes from, only from this server."""

from __future__ import annotations

import pytest
from astrocal_server.api.page_guard import form_token, post_is_genuine
from astrocal_server.config import Settings
from starlette.requests import Request

SETTINGS = Settings(
    database_url="sqlite:///:memory:",
    public_base_url="https://book.example",
    _env_file=None,  # type: ignore[call-arg]
)
DIGEST = "ab" * 32


def _request(**headers: str) -> Request:
    raw = [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "path": "/manage/x/cancel",
        "headers": [(b"host", b"127.0.0.1:8000"), *raw],
    }
    return Request(scope)


GOOD = form_token(SETTINGS, DIGEST, "cancel")


@pytest.mark.parametrize(
    "headers",
    [
        {},  # an old browser that says nothing: the token alone decides
        {"sec_fetch_site": "same-origin", "origin": "null"},  # Chromium under no-referrer
        {"origin": "http://127.0.0.1:8000"},
        {"origin": "https://book.example"},  # behind a proxy: the public address
    ],
)
def test_a_genuine_post_passes(headers: dict[str, str]) -> None:
    assert post_is_genuine(_request(**headers), SETTINGS, DIGEST, "cancel", GOOD)


@pytest.mark.parametrize(
    ("headers", "sent"),
    [
        ({}, None),
        ({}, ""),
        ({}, GOOD[:-1]),
        ({}, form_token(SETTINGS, DIGEST, "reschedule")),  # another action's token
        ({}, form_token(SETTINGS, "cd" * 32, "cancel")),  # another link's token
        ({"sec_fetch_site": "cross-site"}, GOOD),
        ({"sec_fetch_site": "same-site"}, GOOD),
        ({"origin": "https://attacker.example"}, GOOD),
        ({}, "é" * 43),
    ],
)
def test_anything_else_is_refused(headers: dict[str, str], sent: str | None) -> None:
    assert not post_is_genuine(_request(**headers), SETTINGS, DIGEST, "cancel", sent)


def test_the_token_depends_on_the_server_secret() -> None:
    other = SETTINGS.with_overrides(secret_key="k2:" + "A" * 43)
    assert form_token(other, DIGEST, "cancel") != GOOD
