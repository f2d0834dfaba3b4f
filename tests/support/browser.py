"""Browser tests: headless Chromium (Debian's ``chromium`` package, driven by Playwright) and the app
served on loopback where the browser reaches it.

- ``PAGE_CSP``: the Content-Security-Policy every invitee page must send.
- ``browser``: one Chromium per test module; the tests that use it skip, saying why, when
  ``chromium`` is not installed (``.ci/run`` installs it, so CI runs them). Not one per session:
  Playwright's sync API leaves its event loop marked as running in the thread while it is
  started, and the async tests that a worker runs between two browser modules need the thread
  free; pytest ends a module's fixtures before it moves on to the next module.
- ``live``: a :class:`LiveApp` for one test: the app on a free loopback port (its
  ``public_base_url`` is that address, so the links in its emails open it), SQLite, the pinned
  ``clock``, emails kept in memory, the relay off. ``live.drain()`` runs outbox passes on the
  server's own event loop until nothing is left, so emails and webhooks are out when it returns
  (no waiting); ``live.sent`` are the emails, ``live.hooks`` the webhook receiver.
- ``live.signup()``: a new account through ``POST /v1/accounts`` and its live-mode headers.
- ``ARTIFACTS``: ``test-artifacts/browser`` at the repository root (gitignored), where the browser
  tests save their screenshots.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from astrocal_server.app import create_app
from astrocal_server.clock import FixedClock
from astrocal_server.outbox.relay import OutboxRelay
from astrocal_server.state import AppState
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.support.app import server_settings
from tests.support.bookings import WEEKDAYS
from tests.support.cli import DeliveryReceiver, delivery_receiver
from tests.support.databases import sqlite_url
from tests.support.live import free_socket, serve_app

T = TypeVar("T")
H = dict[str, str]

PAGE_CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_CHROMIUM = (
    "browser tests skipped: Debian's chromium is not installed "
    "(apt-get install -y chromium; .ci/run does this)"
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


class _LoopProbe:
    """Outermost ASGI layer that notes the server's event loop (the lifespan passes through it)."""

    def __init__(self, app: ASGIApp, found: list[asyncio.AbstractEventLoop]) -> None:
        self.app = app
        self.found = found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.found:
            self.found.append(asyncio.get_running_loop())
        await self.app(scope, receive, send)


@dataclass
class LiveApp:
    url: str
    state: AppState
    clock: FixedClock
    hooks: DeliveryReceiver
    loop: asyncio.AbstractEventLoop

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on the server's event loop (where its database engine lives)."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=60)

    def drain(self) -> int:
        """Outbox passes until none finds work: every email and webhook owed so far is out."""

        async def passes() -> int:
            relay, done = OutboxRelay(self.state), 0
            while n := await relay.run_once():
                done += n
            return done

        return self.run(passes())

    @property
    def sent(self) -> list[EmailMessage]:
        sent: list[EmailMessage] = self.state.mailer.sent  # type: ignore[attr-defined]
        return sent

    def hook_events(self) -> list[dict[str, Any]]:
        """The webhook deliveries received so far, parsed, in order."""
        out = []
        while not self.hooks.deliveries.empty():
            out.append(json.loads(self.hooks.deliveries.get_nowait()["body"]))
        return out

    def api(self, method: str, path: str, headers: H, **kw: Any) -> dict[str, Any]:
        r = httpx.request(method, f"{self.url}{path}", headers=headers, **kw)
        assert r.status_code in (200, 201), r.text
        answer: dict[str, Any] = r.json()
        return answer

    def booked(self) -> tuple[H, dict[str, Any]]:
        """A new account (live mode) with a webhook endpoint on ``hooks``, a 30-minute "Intro
        call" on weekdays 09:00–17:00 UTC, and Jo Smith (Europe/London) booked on Wednesday 15
        April 10:00 UTC; the confirmation email and ``booking.created`` are already out."""
        headers = self.signup()
        hours = [{"day": d, "start": "09:00", "end": "17:00"} for d in WEEKDAYS]
        schedule = self.api(
            "POST",
            "/v1/schedules",
            headers,
            json={"name": "Office", "time_zone": "UTC", "weekly_hours": hours},
        )
        event_type = self.api(
            "POST",
            "/v1/event_types",
            headers,
            json={
                "title": "Intro call",
                "slug": "intro-call",
                "duration_minutes": 30,
                "schedule_id": schedule["id"],
                "location": {"type": "video", "value": "https://meet.example/intro"},
            },
        )
        events = ["booking.created", "booking.rescheduled", "booking.cancelled"]
        self.api("POST", "/v1/webhooks", headers, json={"url": self.hooks.url, "events": events})
        booking = self.api(
            "POST",
            "/v1/bookings",
            headers,
            json={
                "event_type_id": event_type["id"],
                "start": "2026-04-15T10:00:00Z",
                "invitee": {
                    "name": "Jo Smith",
                    "email": "jo@invitee.example",
                    "time_zone": "Europe/London",
                },
            },
        )
        self.drain()
        return headers, booking

    def signup(self) -> H:
        r = httpx.post(
            f"{self.url}/v1/accounts",
            json={
                "name": "Ann's Studio",
                "email": f"ann-{uuid.uuid4().hex[:8]}@host.example",
                "time_zone": "Europe/Berlin",
            },
        )
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['live_key']['secret']}"}


@pytest.fixture
def live(tmp_path: Path, clock: FixedClock) -> Iterator[LiveApp]:
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = server_settings(
        sqlite_url(tmp_path),
        public_base_url=url,
        invitee_limit_per_minute=10_000,
        invitee_token_limit_per_minute=10_000,
    )
    application = create_app(settings, clock=clock)
    found: list[asyncio.AbstractEventLoop] = []
    application.add_middleware(_LoopProbe, found=found)
    with delivery_receiver() as hooks, serve_app(application, sock) as served:
        assert served == url and found
        yield LiveApp(url, application.state.astrocal, clock, hooks, found[0])
