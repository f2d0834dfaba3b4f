"""Fixtures for calendar tests: a real Radicale CalDAV server on a free loopback port.

``radicale_server`` (module-scoped) starts ``radicale.Application`` on a wsgiref server in a thread,
with tmp storage and htpasswd (plain) auth for ``RADICALE_USER`` / ``RADICALE_PASSWORD``; ``delay = 0``
so a 401 challenge does not sleep. Each test that needs a calendar creates its own collection
(unique path), so tests never see each other's events.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from astrocal_server.config import Settings

RADICALE_USER = "host"
RADICALE_PASSWORD = "app-password-1"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@dataclass(frozen=True)
class Radicale:
    url: str  # http://127.0.0.1:<port>/
    user: str
    password: str

    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    def make_calendar(self, name: str = "Work", *, time_zone: str | None = None) -> str:
        """MKCALENDAR a fresh collection under the user's home; returns its path."""
        path = f"/{self.user}/{name.lower()}-{uuid.uuid4().hex[:8]}/"
        tz = ""
        if time_zone:
            tz = (
                "<C:calendar-timezone>BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
                f"BEGIN:VTIMEZONE\r\nTZID:{time_zone}\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n"
                "</C:calendar-timezone>"
            )
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:set><D:prop><D:displayname>{name}</D:displayname>{tz}"
            '<C:supported-calendar-component-set><C:comp name="VEVENT"/>'
            "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"
        )
        response = httpx.request(
            "MKCALENDAR", self.url.rstrip("/") + path, content=body, auth=self.auth()
        )
        assert response.status_code == 201, response.text
        return path

    def put(self, calendar_path: str, name: str, ics: str) -> None:
        response = httpx.put(
            self.url.rstrip("/") + calendar_path + name,
            content=ics.encode(),
            headers={"Content-Type": "text/calendar; charset=utf-8"},
            auth=self.auth(),
        )
        assert response.status_code in (201, 204), response.text

    def get(self, calendar_path: str, name: str) -> httpx.Response:
        return httpx.get(self.url.rstrip("/") + calendar_path + name, auth=self.auth())


@pytest.fixture(scope="module")
def radicale_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    import radicale
    from radicale import config

    root: Path = tmp_path_factory.mktemp("radicale")
    users = root / "users"
    users.write_text(f"{RADICALE_USER}:{RADICALE_PASSWORD}\n")
    configuration = config.load()
    configuration.update(
        {
            "auth": {
                "type": "htpasswd",
                "htpasswd_filename": str(users),
                "htpasswd_encryption": "plain",
                "delay": "0",
            },
            "storage": {"filesystem_folder": str(root / "collections")},
            "rights": {"type": "owner_only"},
            "logging": {"level": "warning"},
        },
        "test",
    )
    application = radicale.Application(configuration)
    logging.getLogger("radicale").setLevel(logging.WARNING)
    server = make_server(
        "127.0.0.1",
        0,
        application,
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Radicale(
            url=f"http://127.0.0.1:{server.server_port}/",
            user=RADICALE_USER,
            password=RADICALE_PASSWORD,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


GOOGLE_CLIENT_ID = "123.apps.googleusercontent.com"
MICROSOFT_CLIENT_ID = "00000000-aaaa-bbbb-cccc-111111111111"


@pytest.fixture
def settings(db_url: str) -> Settings:
    """The server test settings plus OAuth clients for both providers (faked with respx)."""
    return Settings(
        database_url=db_url,
        signup_enabled=True,
        allow_private_webhook_targets=True,
        email_backend="memory",
        run_relay=False,
        public_base_url="https://astrocal.test",
        google_client_id=GOOGLE_CLIENT_ID,
        google_client_secret="google-client-secret",
        microsoft_client_id=MICROSOFT_CLIENT_ID,
        microsoft_client_secret="microsoft-client-secret",
        calendar_timeout_seconds=2.0,
        allow_private_calendar_servers=True,  # Radicale runs on loopback
        _env_file=None,  # type: ignore[call-arg]
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
