"""A real CalDAV server for tests (Radicale) and iCalendar builders.

``radicale_server`` (module-scoped) starts ``radicale.Application`` on a wsgiref server in a thread
on a free loopback port, with tmp storage and htpasswd (plain) auth for ``RADICALE_USER`` /
``RADICALE_PASSWORD``; ``delay = 0`` so a 401 challenge does not sleep. Each test that needs a
calendar creates its own collection (``make_calendar``, unique path), so tests never see each
other's events.

``ics(*lines)``, ``vevent(uid, *lines)`` and ``BERLIN_TZ`` build calendar objects; ``fill_week``
puts a known week of events into a calendar and ``EXPECTED_WEEK`` is its busy time in UTC.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from astrocal_server.calendars.base import BusyPeriod

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

    def put_event(self, calendar_path: str, name: str, uid: str, *lines: str) -> None:
        """Store a calendar holding one VEVENT (``uid`` and the property ``lines``) as ``name``."""
        self.put(calendar_path, name, ics(*vevent(uid, *lines)))

    def get(self, calendar_path: str, name: str) -> httpx.Response:
        return httpx.get(self.url.rstrip("/") + calendar_path + name, auth=self.auth())


@pytest.fixture(scope="module")
def radicale_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    from radicale import config
    from radicale.app import Application

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
    application = Application(configuration)
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


def Z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def ics(*lines: str) -> str:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//test//EN", *lines, "END:VCALENDAR"]
    return "\r\n".join(body) + "\r\n"


BERLIN_TZ = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Berlin",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def vevent(uid: str, *lines: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260401T000000Z", *lines, "END:VEVENT"]


def fill_week(radicale: Radicale, path: str) -> None:
    """The week of Monday 2026-04-13 (Berlin is UTC+2 then)."""
    radicale.put(
        path,
        "single.ics",
        ics(
            *BERLIN_TZ,
            *vevent(
                "single",
                "DTSTART;TZID=Europe/Berlin:20260414T100000",
                "DTEND;TZID=Europe/Berlin:20260414T110000",
                "SUMMARY:Dentist",
            ),
        ),
    )
    # Daily stand-up Mon–Fri 09:00 Berlin; Wednesday removed (EXDATE), Thursday moved to 14:00.
    radicale.put(
        path,
        "standup.ics",
        ics(
            *BERLIN_TZ,
            *vevent(
                "standup",
                "DTSTART;TZID=Europe/Berlin:20260413T090000",
                "DURATION:PT30M",
                "RRULE:FREQ=DAILY;COUNT=5",
                "EXDATE;TZID=Europe/Berlin:20260415T090000",
                "SUMMARY:Stand-up",
            ),
            *vevent(
                "standup",
                "RECURRENCE-ID;TZID=Europe/Berlin:20260416T090000",
                "DTSTART;TZID=Europe/Berlin:20260416T140000",
                "DTEND;TZID=Europe/Berlin:20260416T143000",
                "SUMMARY:Stand-up (moved)",
            ),
        ),
    )
    radicale.put(
        path,
        "tentative.ics",
        ics(
            *vevent(
                "tent", "DTSTART:20260415T130000Z", "DTEND:20260415T140000Z", "STATUS:TENTATIVE"
            )
        ),
    )
    radicale.put(
        path,
        "transparent.ics",
        ics(
            *vevent(
                "free", "DTSTART:20260415T150000Z", "DTEND:20260415T160000Z", "TRANSP:TRANSPARENT"
            )
        ),
    )
    radicale.put(
        path,
        "cancelled.ics",
        ics(
            *vevent(
                "gone", "DTSTART:20260416T080000Z", "DTEND:20260416T090000Z", "STATUS:CANCELLED"
            )
        ),
    )
    radicale.put(
        path,
        "allday.ics",
        ics(*vevent("holiday", "DTSTART;VALUE=DATE:20260418", "DTEND;VALUE=DATE:20260419")),
    )
    radicale.put(
        path,
        "later.ics",
        ics(*vevent("later", "DTSTART:20260501T080000Z", "DTEND:20260501T090000Z")),
    )


EXPECTED_WEEK = [
    BusyPeriod(Z("2026-04-13T07:00:00Z"), Z("2026-04-13T07:30:00Z")),
    BusyPeriod(Z("2026-04-14T07:00:00Z"), Z("2026-04-14T07:30:00Z")),
    BusyPeriod(Z("2026-04-14T08:00:00Z"), Z("2026-04-14T09:00:00Z")),
    BusyPeriod(Z("2026-04-15T13:00:00Z"), Z("2026-04-15T14:00:00Z")),
    BusyPeriod(Z("2026-04-16T12:00:00Z"), Z("2026-04-16T12:30:00Z")),
    BusyPeriod(Z("2026-04-17T07:00:00Z"), Z("2026-04-17T07:30:00Z")),
    # all-day Saturday in the calendar's zone (Berlin): 00:00–24:00 local
    BusyPeriod(Z("2026-04-17T22:00:00Z"), Z("2026-04-18T22:00:00Z")),
]
