"""CalDAV against a real Radicale server: discovery, exact busy times, write-back round trip."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from astrocal_server.calendars.base import (
    AuthFailed,
    BusyPeriod,
    CalendarInfo,
    DiscoveryFailed,
    EventDraft,
)
from astrocal_server.calendars.caldav import CalDavProvider
from astrocal_server.calendars.http import RetryPolicy, make_client

from tests.support.caldav import EXPECTED_WEEK, Radicale, Z, fill_week

# The week of 2026-04-13 (Monday), the window most checks read.
WEEK = (Z("2026-04-13T00:00:00Z"), Z("2026-04-20T00:00:00Z"))


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(5.0) as client:
        yield client


@pytest.fixture
def caldav(radicale_server: Radicale, http: httpx.AsyncClient) -> CalDavProvider:
    """A provider on the test Radicale server's account."""
    return provider(radicale_server, http)


def _draft(booking_id: str) -> EventDraft:
    """The event of a booking on 2026-04-15, 09:00–09:30 UTC."""
    return EventDraft(
        booking_id=booking_id,
        title="x",
        start=Z("2026-04-15T09:00:00Z"),
        end=Z("2026-04-15T09:30:00Z"),
    )


def provider(radicale: Radicale, http: httpx.AsyncClient, **kw: object) -> CalDavProvider:
    return CalDavProvider(
        kw.pop("url", radicale.url),  # type: ignore[arg-type]
        str(kw.pop("user", radicale.user)),
        str(kw.pop("password", radicale.password)),
        client=http,
        policy=RetryPolicy(attempts=1),
        **kw,  # type: ignore[arg-type]
    )


async def test_discovery_finds_principal_home_and_calendars(
    radicale_server: Radicale, http: httpx.AsyncClient
) -> None:
    path = radicale_server.make_calendar("Work", time_zone="Europe/Berlin")
    found = await provider(radicale_server, http).discover()
    assert found.principal_url == radicale_server.url + "host/"
    work = next(c for c in found.calendars if c.id == path)
    assert work.name == "Work"
    assert work.time_zone == "Europe/Berlin"
    assert work.read_only is False and work.free_busy_only is False
    assert sum(c.primary for c in found.calendars) == 1


async def test_discovery_from_a_deep_url(
    radicale_server: Radicale, http: httpx.AsyncClient
) -> None:
    path = radicale_server.make_calendar("Deep")
    found = await provider(radicale_server, http, url=radicale_server.url + "host/").discover()
    assert path in {c.id for c in found.calendars}


async def test_wrong_password_is_auth_failed(
    radicale_server: Radicale, http: httpx.AsyncClient
) -> None:
    with pytest.raises(AuthFailed, match="rejected the user name or password"):
        await provider(radicale_server, http, password="wrong").discover()


async def test_not_a_caldav_server_is_discovery_failed(http: httpx.AsyncClient) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = CalDavProvider(
        f"http://127.0.0.1:{port}/", "u", "p", client=http, policy=RetryPolicy(attempts=1)
    )
    with pytest.raises(DiscoveryFailed, match="could not reach"):
        await p.discover()


async def test_busy_times_exact_with_recurrences_statuses_and_all_day(
    radicale_server: Radicale, caldav: CalDavProvider
) -> None:
    path = radicale_server.make_calendar("Busy", time_zone="Europe/Berlin")
    fill_week(radicale_server, path)
    calendar = CalendarInfo(id=path, name="Busy", time_zone="Europe/Berlin")
    busy = await caldav.free_busy([calendar], *WEEK)
    assert busy == EXPECTED_WEEK


async def test_all_day_follows_the_calendar_zone(
    radicale_server: Radicale, http: httpx.AsyncClient, caldav: CalDavProvider
) -> None:
    path = radicale_server.make_calendar("Tokyo")
    radicale_server.put_event(
        path, "day.ics", "d", "DTSTART;VALUE=DATE:20260418", "DTEND;VALUE=DATE:20260419"
    )
    start, end = WEEK
    tokyo = await caldav.free_busy(
        [CalendarInfo(id=path, name="t", time_zone="Asia/Tokyo")], start, end
    )
    assert tokyo == [BusyPeriod(Z("2026-04-17T15:00:00Z"), Z("2026-04-18T15:00:00Z"))]
    # no zone on the calendar: the provider's default zone
    utc = await CalDavProvider(
        radicale_server.url,
        radicale_server.user,
        radicale_server.password,
        client=http,
        default_zone="UTC",
    ).free_busy([CalendarInfo(id=path, name="t")], start, end)
    assert utc == [BusyPeriod(Z("2026-04-18T00:00:00Z"), Z("2026-04-19T00:00:00Z"))]


async def test_busy_window_clips_and_excludes_outside(
    radicale_server: Radicale, http: httpx.AsyncClient
) -> None:
    path = radicale_server.make_calendar("Clip", time_zone="Europe/Berlin")
    fill_week(radicale_server, path)
    busy = await provider(radicale_server, http).free_busy(
        [CalendarInfo(id=path, name="c", time_zone="Europe/Berlin")],
        Z("2026-04-14T08:30:00Z"),
        Z("2026-04-15T13:30:00Z"),
    )
    assert busy == [
        BusyPeriod(Z("2026-04-14T08:30:00Z"), Z("2026-04-14T09:00:00Z")),
        BusyPeriod(Z("2026-04-15T13:00:00Z"), Z("2026-04-15T13:30:00Z")),
    ]


async def test_free_busy_query_report(radicale_server: Radicale, caldav: CalDavProvider) -> None:
    """The path for calendars shared with free/busy rights only: Radicale answers VFREEBUSY."""
    path = radicale_server.make_calendar("Shared")
    radicale_server.put_event(
        path, "a.ics", "a", "DTSTART:20260414T080000Z", "DTEND:20260414T090000Z"
    )
    radicale_server.put_event(
        path, "b.ics", "b", "DTSTART:20260414T100000Z", "DURATION:PT30M", "RRULE:FREQ=DAILY;COUNT=2"
    )
    calendar = CalendarInfo(id=path, name="s", free_busy_only=True)
    busy = await caldav.free_busy([calendar], *WEEK)
    assert busy == [
        BusyPeriod(Z("2026-04-14T08:00:00Z"), Z("2026-04-14T09:00:00Z")),
        BusyPeriod(Z("2026-04-14T10:00:00Z"), Z("2026-04-14T10:30:00Z")),
        BusyPeriod(Z("2026-04-15T10:00:00Z"), Z("2026-04-15T10:30:00Z")),
    ]


async def test_write_back_round_trip(radicale_server: Radicale, caldav: CalDavProvider) -> None:
    path = radicale_server.make_calendar("Dest", time_zone="Europe/Berlin")
    draft = EventDraft(
        booking_id="bk_roundtrip1",
        title="Intro call with Jo",
        start=Z("2026-04-15T09:00:00Z"),
        end=Z("2026-04-15T09:30:00Z"),
        description="Notes",
        attendees=(("Jo Smith", "jo@example.com"),),
    )
    href = await caldav.create_event(path, draft)
    assert href == path + "bk_roundtrip1.ics"
    stored = radicale_server.get(path, "bk_roundtrip1.ics")
    assert stored.status_code == 200
    assert "UID:bk_roundtrip1@astrocal" in stored.text
    assert "ATTENDEE" not in stored.text  # no server-side invitations on top of ours
    calendar = CalendarInfo(id=path, name="d")
    assert await caldav.free_busy([calendar], *WEEK) == [
        BusyPeriod(Z("2026-04-15T09:00:00Z"), Z("2026-04-15T09:30:00Z"))
    ]
    # a retried create finds its own resource (If-None-Match: * → 412) and succeeds
    assert await caldav.create_event(path, draft) == href

    moved = EventDraft(
        booking_id="bk_roundtrip1",
        title="Intro call with Jo",
        start=Z("2026-04-16T10:00:00Z"),
        end=Z("2026-04-16T10:30:00Z"),
        sequence=1,
    )
    assert await caldav.update_event(path, href, moved) == href
    assert await caldav.free_busy([calendar], *WEEK) == [
        BusyPeriod(Z("2026-04-16T10:00:00Z"), Z("2026-04-16T10:30:00Z"))
    ]
    assert "SEQUENCE:1" in radicale_server.get(path, "bk_roundtrip1.ics").text

    await caldav.delete_event(path, href)
    assert radicale_server.get(path, "bk_roundtrip1.ics").status_code == 404
    assert await caldav.free_busy([calendar], *WEEK) == []
    await caldav.delete_event(path, href)  # already gone: still fine


async def test_create_does_not_overwrite_someone_elses_resource(
    radicale_server: Radicale, caldav: CalDavProvider
) -> None:
    """If-None-Match: * means a create never replaces an existing resource."""
    path = radicale_server.make_calendar("Guard")
    radicale_server.put_event(
        path, "bk_taken.ics", "other", "DTSTART:20260414T080000Z", "DTEND:20260414T090000Z"
    )
    draft = _draft("bk_taken")
    await caldav.create_event(path, draft)
    assert "UID:other" in radicale_server.get(path, "bk_taken.ics").text


async def test_update_of_a_vanished_event_recreates_it(
    radicale_server: Radicale, caldav: CalDavProvider
) -> None:
    path = radicale_server.make_calendar("Gone")
    draft = _draft("bk_gone")
    href = await caldav.update_event(path, path + "bk_gone.ics", draft)
    assert radicale_server.get(path, "bk_gone.ics").status_code == 200
    assert href == path + "bk_gone.ics"


async def test_the_guarded_client_refuses_private_addresses_at_connect_time(
    radicale_server: Radicale,
) -> None:
    """Every CalDAV request of the server goes through the SSRF guard (redirects, rebinding)."""
    from astrocal_server.webhooks.http_post import make_client as make_guarded_client
    from astrocal_server.webhooks.ssrf import TargetGuard

    radicale_server.make_calendar("Guarded")  # its own calendar: no reliance on test order
    async with make_guarded_client(TargetGuard(allow_private=False), timeout=5) as guarded:
        with pytest.raises(DiscoveryFailed, match="could not reach"):
            await provider(radicale_server, guarded).discover()
    async with make_guarded_client(TargetGuard(allow_private=True), timeout=5) as allowed:
        assert (await provider(radicale_server, allowed).discover()).calendars
