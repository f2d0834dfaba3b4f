"""Calendar tests: the server settings plus OAuth clients for both providers (faked with respx)
and loopback CalDAV allowed; calendar retries back off without sleeping. The Radicale server
and the connection helpers are in ``tests/support/caldav.py`` and ``tests/support/calendars.py``."""

from __future__ import annotations

import pytest
from astrocal_server.config import Settings

from tests.support.calendars import calendar_settings


@pytest.fixture
def settings(db_url: str) -> Settings:
    return calendar_settings(
        db_url,
        oauth_redirect_allowlist=["https://app.example"],
        # Radicale is a real server on loopback: a loaded CI machine can stretch one answer past
        # a couple of seconds, which would turn availability into a 503 calendar_unavailable.
        calendar_timeout_seconds=10.0,
        allow_private_calendar_servers=True,  # Radicale runs on loopback
    )


@pytest.fixture(autouse=True)
def _no_real_retry_sleeps(request: pytest.FixtureRequest) -> None:
    """Retries in the app's calendar service back off without sleeping (no wall-clock waits)."""
    if "app" not in request.fixturenames:
        return
    from astrocal_server.calendars.http import RetryPolicy

    async def no_sleep(_delay: float) -> None:
        return None

    app = request.getfixturevalue("app")
    app.state.astrocal.calendars.policy = RetryPolicy(sleep=no_sleep)
