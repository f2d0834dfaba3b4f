"""CalDAV (RFC 4791) on httpx: discovery, busy times, and one event resource per booking.

Discovery: ``current-user-principal`` on the given URL (falling back to ``/.well-known/caldav``),
then ``calendar-home-set`` on the principal, then a depth-1 PROPFIND of the home for calendar
collections that hold VEVENTs. Busy times: ``calendar-query`` with a time range, recurrences
expanded client-side (:mod:`.ical`), which every server answers the same way; ``free-busy-query``
only for calendars shared with "read free/busy" rights, where calendar-query is refused and the
server advertises the report. Write-back: ``PUT <calendar>/<booking id>.ics`` with
``If-None-Match: *`` on create (a retry finds its own earlier write: 412 = done), ``If-Match`` with
the current ETag on update, and ``DELETE`` (404 = already gone).

Limits, because the server is whatever URL a user typed: each public call (``discover`` as a
whole, ``free_busy``, each write) ends after ``deadline`` seconds in all, retries and redirects
included (``ASTROCAL_CALENDAR_DEADLINE_SECONDS``; the per-read timeout alone let a server
trickling bytes hold a call for minutes); past it discovery raises :class:`DiscoveryFailed` and
the other calls :class:`ProviderUnavailable` (transient, like a timeout). Every answer is streamed
and read to at most ``max_response_bytes`` (:data:`MAX_RESPONSE_BYTES`, 8 MiB): a larger one
raises :class:`~astrocal_server.calendars.http.ResponseTooLarge`, a non-retryable
:class:`ProviderError` (:class:`DiscoveryFailed` during discovery).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urljoin, urlsplit
from xml.etree.ElementTree import Element

import httpx
from defusedxml import ElementTree as SafeET

from astrocal_server.calendars import ical
from astrocal_server.calendars.base import (
    AuthFailed,
    BusyPeriod,
    CalendarInfo,
    DiscoveryFailed,
    EventDraft,
    ProviderError,
    ProviderUnavailable,
)
from astrocal_server.calendars.http import ResponseTooLarge, RetryPolicy, error_for, send

__all__ = ["DEADLINE_SECONDS", "MAX_RESPONSE_BYTES", "CalDavProvider", "Discovery"]

DEADLINE_SECONDS = 30.0  # the default of ASTROCAL_CALENDAR_DEADLINE_SECONDS
# A calendar-query over the longest availability window (62 days) of a busy calendar is a few
# hundred kilobytes; eight mebibytes leaves room for thousands of events and bounds the memory
# one misbehaving server can take.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024

DAV = "{DAV:}"
CAL = "{urn:ietf:params:xml:ns:caldav}"
_XML = {"Content-Type": "application/xml; charset=utf-8"}
_PRINCIPAL = (
    '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>'
    "<D:current-user-principal/><D:displayname/></D:prop></D:propfind>"
)
_HOME = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
    "<C:calendar-home-set/><C:calendar-user-address-set/></D:prop></D:propfind>"
)
_CALENDARS = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
    "<D:resourcetype/><D:displayname/><D:current-user-privilege-set/><D:supported-report-set/>"
    "<C:supported-calendar-component-set/><C:calendar-timezone/></D:prop></D:propfind>"
)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass
class _DavResponse:
    href: str
    props: dict[str, Element] = field(default_factory=dict)


@dataclass(frozen=True)
class Discovery:
    principal_url: str
    calendars: list[CalendarInfo]
    email: str | None = None


def _parse_multistatus(body: bytes) -> list[_DavResponse]:
    try:
        root = SafeET.fromstring(body)
    except SafeET.ParseError:
        raise DiscoveryFailed("the server's answer is not a WebDAV multistatus document") from None
    if root.tag != f"{DAV}multistatus":
        raise DiscoveryFailed("the server's answer is not a WebDAV multistatus document")
    out: list[_DavResponse] = []
    for response in root.findall(f"{DAV}response"):
        href = (response.findtext(f"{DAV}href") or "").strip()
        item = _DavResponse(href=href)
        for propstat in response.findall(f"{DAV}propstat"):
            status = propstat.findtext(f"{DAV}status") or ""
            if " 200 " not in f"{status} ":
                continue
            prop = propstat.find(f"{DAV}prop")
            for child in prop if prop is not None else []:
                item.props[child.tag] = child
        out.append(item)
    return out


def _href_in(element: Element | None) -> str | None:
    if element is None:
        return None
    text = element.findtext(f"{DAV}href")
    return text.strip() if text else None


class CalDavProvider:
    name = "caldav"

    def __init__(
        self,
        server_url: str,
        username: str,
        password: str,
        *,
        client: httpx.AsyncClient,
        policy: RetryPolicy | None = None,
        default_zone: str = "UTC",
        now: Any = None,
        deadline: float = DEADLINE_SECONDS,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.server_url = server_url if server_url.endswith("/") else server_url + "/"
        self._auth = httpx.BasicAuth(username, password)
        self._client = client
        self._policy = policy or RetryPolicy()
        self._default_zone = default_zone
        self._now = now or (lambda: datetime.now(UTC))
        self._deadline = deadline
        self._max_bytes = max_response_bytes

    @asynccontextmanager
    async def _bounded(self, what: str) -> AsyncIterator[None]:
        """One public call: at most ``deadline`` seconds in all."""
        deadline = asyncio.timeout(self._deadline)
        try:
            async with deadline:
                yield
        except TimeoutError:
            if not deadline.expired():
                raise
            raise ProviderUnavailable(
                f"the CalDAV server at {self.server_url} did not finish {what} within "
                f"{self._deadline:g} s"
            ) from None

    # -- plumbing ---------------------------------------------------------------------------

    def url_for(self, href: str) -> str:
        return urljoin(self.server_url, href)

    async def _request(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, content: Any = None
    ) -> httpx.Response:
        return await send(
            self._client,
            method,
            url,
            policy=self._policy,
            provider="the CalDAV server",
            headers={"Accept-Encoding": "identity", **(headers or {})},
            content=content,
            auth=self._auth,
            follow_redirects=True,
            max_bytes=self._max_bytes,
        )

    async def _propfind(self, url: str, body: str, depth: str) -> tuple[str, list[_DavResponse]]:
        try:
            response = await self._request(
                "PROPFIND", url, headers={**_XML, "Depth": depth}, content=body
            )
        except ProviderUnavailable as exc:
            raise DiscoveryFailed(f"could not reach {url}: {exc.message}") from None
        except ResponseTooLarge as exc:
            raise DiscoveryFailed(exc.message) from None
        if response.status_code == 401:
            raise AuthFailed("the CalDAV server rejected the user name or password", status=401)
        if response.status_code != 207:
            raise DiscoveryFailed(
                f"{url} answered HTTP {response.status_code} to PROPFIND; it is not a CalDAV endpoint",
                status=response.status_code,
            )
        return str(response.url), _parse_multistatus(response.content)

    # -- discovery --------------------------------------------------------------------------

    async def discover(self) -> Discovery:
        try:
            async with self._bounded("discovery"):
                return await self._discover()
        except ProviderUnavailable as exc:
            raise DiscoveryFailed(exc.message) from None

    async def _discover(self) -> Discovery:
        principal_url = await self._principal()
        base, responses = await self._propfind(principal_url, _HOME, "0")
        home_href = None
        email = None
        for item in responses:
            home_href = home_href or _href_in(item.props.get(f"{CAL}calendar-home-set"))
            addresses = item.props.get(f"{CAL}calendar-user-address-set")
            for href in addresses.findall(f"{DAV}href") if addresses is not None else []:
                text = (href.text or "").strip()
                if text.lower().startswith("mailto:") and email is None:
                    email = text[7:]
        if not home_href:
            raise DiscoveryFailed(
                "the principal has no calendar-home-set; is this a CalDAV server?"
            )
        calendars = await self._calendars(urljoin(base, home_href))
        return Discovery(principal_url=principal_url, calendars=calendars, email=email)

    async def _principal(self) -> str:
        candidates = [self.server_url]
        root = f"{urlsplit(self.server_url).scheme}://{urlsplit(self.server_url).netloc}/"
        candidates.append(urljoin(root, ".well-known/caldav"))
        failure: DiscoveryFailed | None = None
        for url in candidates:
            try:
                base, responses = await self._propfind(url, _PRINCIPAL, "0")
            except DiscoveryFailed as exc:
                failure = failure or exc
                continue
            for item in responses:
                href = _href_in(item.props.get(f"{DAV}current-user-principal"))
                if href:
                    return urljoin(base, href)
            failure = failure or DiscoveryFailed(f"{url} names no current-user-principal")
        assert failure is not None
        raise failure

    async def _calendars(self, home_url: str) -> list[CalendarInfo]:
        base, responses = await self._propfind(home_url, _CALENDARS, "1")
        found: list[CalendarInfo] = []
        for item in responses:
            kinds = item.props.get(f"{DAV}resourcetype")
            if kinds is None or kinds.find(f"{CAL}calendar") is None:
                continue
            components = item.props.get(f"{CAL}supported-calendar-component-set")
            if components is not None and len(components):
                names = {c.get("name", "").upper() for c in components}
                if "VEVENT" not in names:
                    continue  # task lists and journals hold no busy time
            privileges = _privileges(item.props.get(f"{DAV}current-user-privilege-set"))
            reports = _reports(item.props.get(f"{DAV}supported-report-set"))
            can_read = privileges is None or bool(privileges & {"read", "all"})
            writable = privileges is None or bool(
                privileges & {"write", "write-content", "bind", "all"}
            )
            path = urlsplit(urljoin(base, item.href)).path
            found.append(
                CalendarInfo(
                    id=path,
                    name=(item.props[f"{DAV}displayname"].text or "").strip()
                    if f"{DAV}displayname" in item.props
                    else path.rstrip("/").rsplit("/", 1)[-1],
                    read_only=not writable,
                    time_zone=_tzid(item.props.get(f"{CAL}calendar-timezone")),
                    free_busy_only=not can_read and "free-busy-query" in reports,
                )
            )
        found.sort(key=lambda c: c.id)
        primary = next((c for c in found if not c.read_only), None)
        return [replace(c, primary=c is primary) for c in found]

    async def list_calendars(self) -> list[CalendarInfo]:
        return (await self.discover()).calendars

    # -- busy times -------------------------------------------------------------------------

    async def free_busy(
        self,
        calendars: Sequence[CalendarInfo],
        start: datetime,
        end: datetime,
        *,
        ignore_uids: Collection[str] = (),
    ) -> list[BusyPeriod]:
        periods: list[BusyPeriod] = []
        async with self._bounded("reading busy times"):
            for calendar in calendars:
                if calendar.free_busy_only:
                    periods += await self.free_busy_query(calendar, start, end)
                else:
                    periods += await self.calendar_query(
                        calendar, start, end, ignore_uids=ignore_uids
                    )
        return ical.merge_periods(periods)

    async def calendar_query(
        self,
        calendar: CalendarInfo,
        start: datetime,
        end: datetime,
        *,
        ignore_uids: Collection[str] = (),
    ) -> list[BusyPeriod]:
        # A day of margin each side: servers match all-day and floating events in their own zone.
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
            '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f'<C:time-range start="{_stamp(start - timedelta(days=1))}" '
            f'end="{_stamp(end + timedelta(days=1))}"/>'
            "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
        )
        response = await self._report(calendar, body)
        texts = [
            item.props[f"{CAL}calendar-data"].text or ""
            for item in _parse_multistatus(response.content)
            if f"{CAL}calendar-data" in item.props
        ]
        try:
            return ical.busy_periods(
                [t for t in texts if t.strip()],
                start,
                end,
                calendar.time_zone or self._default_zone,
                ignore_uids=ignore_uids,
            )
        except ValueError as exc:
            raise ProviderError(
                f"calendar {calendar.id} holds an unreadable event: {exc}"
            ) from None

    async def free_busy_query(
        self, calendar: CalendarInfo, start: datetime, end: datetime
    ) -> list[BusyPeriod]:
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f'<C:time-range start="{_stamp(start)}" end="{_stamp(end)}"/></C:free-busy-query>'
        )
        response = await self._report(calendar, body)
        try:
            return ical.parse_freebusy(response.content, start, end)
        except ValueError as exc:
            raise ProviderError(
                f"calendar {calendar.id}: unreadable free-busy answer: {exc}"
            ) from None

    async def _report(self, calendar: CalendarInfo, body: str) -> httpx.Response:
        response = await self._request(
            "REPORT", self.url_for(calendar.id), headers={**_XML, "Depth": "1"}, content=body
        )
        if response.status_code not in (200, 207):
            raise error_for(response, "the CalDAV server", f"reading calendar {calendar.id}")
        return response

    # -- write-back -------------------------------------------------------------------------

    @staticmethod
    def resource_href_for(calendar_id: str, booking_id: str) -> str:
        """The booking's event resource: ``<calendar>/<booking id>.ics``."""
        base = calendar_id if calendar_id.endswith("/") else calendar_id + "/"
        return base + quote(booking_id, safe="") + ".ics"

    def resource_href(self, calendar_id: str, booking_id: str) -> str:
        return self.resource_href_for(calendar_id, booking_id)

    async def _put(self, href: str, event: EventDraft, condition: dict[str, str]) -> httpx.Response:
        return await self._request(
            "PUT",
            self.url_for(href),
            headers={"Content-Type": "text/calendar; charset=utf-8", **condition},
            content=ical.event_to_ics(event, stamp=self._now()).encode("utf-8"),
        )

    async def create_event(self, calendar_id: str, event: EventDraft) -> str:
        async with self._bounded("creating an event"):
            return await self._create_event(calendar_id, event)

    async def _create_event(self, calendar_id: str, event: EventDraft) -> str:
        href = self.resource_href(calendar_id, event.booking_id)
        response = await self._put(href, event, {"If-None-Match": "*"})
        # 412: the resource exists — our own earlier attempt, since it is named after the booking.
        if response.status_code in (200, 201, 204, 412):
            return href
        raise error_for(response, "the CalDAV server", f"creating event {href}")

    async def update_event(self, calendar_id: str, event_id: str, event: EventDraft) -> str:
        async with self._bounded("updating an event"):
            return await self._update_event(calendar_id, event_id, event)

    async def _update_event(self, calendar_id: str, event_id: str, event: EventDraft) -> str:
        current = await self._request("GET", self.url_for(event_id))
        if current.status_code in (404, 410):
            return await self._create_event(calendar_id, event)
        if current.status_code != 200:
            raise error_for(current, "the CalDAV server", f"reading event {event_id}")
        etag = current.headers.get("etag")
        condition = {"If-Match": etag} if etag else {}
        response = await self._put(event_id, event, condition)
        if response.status_code in (200, 201, 204):
            return event_id
        if response.status_code == 412:
            raise ProviderUnavailable(
                f"event {event_id} changed while we updated it; retrying", status=412
            )
        raise error_for(response, "the CalDAV server", f"updating event {event_id}")

    async def delete_event(self, calendar_id: str, event_id: str) -> None:
        async with self._bounded("deleting an event"):
            await self._delete_event(event_id)

    async def _delete_event(self, event_id: str) -> None:
        response = await self._request("DELETE", self.url_for(event_id))
        if response.status_code in (200, 204, 404, 410):
            return
        raise error_for(response, "the CalDAV server", f"deleting event {event_id}")


def _privileges(element: Element | None) -> set[str] | None:
    if element is None:
        return None
    names = set()
    for privilege in element.findall(f"{DAV}privilege"):
        for child in privilege:
            names.add(child.tag.rsplit("}", 1)[-1])
    return names


def _reports(element: Element | None) -> set[str]:
    if element is None:
        return set()
    return {
        child.tag.rsplit("}", 1)[-1] for report in element.iter(f"{DAV}report") for child in report
    }


def _tzid(element: Element | None) -> str | None:
    if element is None or not (element.text or "").strip():
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    for line in (element.text or "").splitlines():
        if line.upper().startswith("TZID:"):
            name = line.split(":", 1)[1].strip()
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                return None
            return name
    return None
