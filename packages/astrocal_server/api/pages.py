"""The invitee pages: plain server-side HTML at the addresses of a booking's invitee links.

- ``GET /manage/{token}``: the booking (title, time in the invitee's zone, location, hosts,
  status) with buttons to reschedule or cancel while that is allowed, or why it is not.
- ``GET /manage/{token}/cancel`` → a form with an optional reason; ``POST`` cancels.
- ``GET /manage/{token}/reschedule``: a day's open times as buttons (``day``, seven days
  listed, previous/next day and week); choosing one (``start``) opens a confirmation form whose
  ``POST`` moves the booking.

Times are shown in ``tz`` (the browser's zone, filled in by ``/static/pages/zone.js``), else the
invitee's zone on the booking, else the host's, else UTC; the zone is always named. Pages use the
invitee service only (the token is the credential, no API key), count every request with
:func:`~astrocal_server.api.ratelimit.enforce_invitee`, and answer a refusal with the reason on
the page and a 4xx status: 404 for any link that does not open (it reveals nothing), 409 for a
change that is not allowed or a time that is no longer open, 403 for a form that did not come
from the page (nothing changes). ``GET /waitlist/{token}`` (and its ``/confirm`` POST) is the
page a waitlist promotion email links to: the held slot, until when, and a Confirm button.
Headers and form tokens: :mod:`astrocal_server.api.page_guard`.
No page loads anything from another origin; the stylesheet and script are served from
``/static`` (:func:`mount_static`) together with the vendored ``/docs`` assets.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.staticfiles import StaticFiles

from astrocal_server import errors
from astrocal_server.api.deps import StateDep
from astrocal_server.api.errors import STATUS_OF
from astrocal_server.api.page_guard import PAGE_HEADERS, form_token, post_is_genuine
from astrocal_server.api.params import check_start
from astrocal_server.api.ratelimit import enforce_invitee
from astrocal_server.invitee import service as invitee
from astrocal_server.invitee.links import token_hash
from astrocal_server.invitee.service import InviteeBooking
from astrocal_server.locations import location_text
from astrocal_server.notify.notice import usable_zone
from astrocal_server.notify.when import long_span, short_start, zone_label
from astrocal_server.state import AppState
from astrocal_server.waitlist import service as waitlist

__all__ = ["STATIC_DIR", "mount_static", "router"]

T = TypeVar("T")

router = APIRouter()

_HERE = Path(__file__).resolve().parent
STATIC_DIR = _HERE / "static"
_TEMPLATES = Environment(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_REASON_MAX = 500  # as the API's BookingCancel / BookingReschedule (openapi.yaml)
_WEEK = 7
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def mount_static(app: FastAPI) -> None:
    """Serve the pages' stylesheet and script and the ``/docs`` assets at ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


# --- rendering -------------------------------------------------------------------------------


def _render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _TEMPLATES.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _status_of(exc: errors.AstrocalError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls][0]
    return 400


@dataclass(frozen=True)
class _Page:
    """One request's link: its token, the zone its times are shown in, and the page addresses."""

    token: str
    zone: str
    detect_zone: bool  # no zone came with the request: zone.js may open the page again with one

    @property
    def digest(self) -> str:
        """The token's SHA-256, which the form tokens are bound to."""
        digest = token_hash(self.token)
        assert digest is not None  # the link opened, so the token is well formed
        return digest

    def path(self, action: str = "") -> str:
        return f"/manage/{self.token}" + (f"/{action}" if action else "")

    def url(self, action: str = "", **params: str) -> str:
        return f"{self.path(action)}?{urlencode({'tz': self.zone, **params})}"

    @property
    def urls(self) -> dict[str, str]:
        """Links (the zone kept in their query) and form actions (``*_form``: the path alone, as
        a GET form replaces the query with its fields)."""
        links = {a or "manage": self.url(a) for a in ("", "cancel", "reschedule")}
        return {**links, **{f"{a}_form": self.path(a) for a in ("cancel", "reschedule")}}


def _page(token: str, seen: InviteeBooking, requested: object) -> _Page:
    asked = usable_zone(requested) if isinstance(requested, str) else None
    booking = seen.booking
    host_zones = [h.time_zone for h in booking.hosts if h.id == booking.host_id]
    host_zones += [h.time_zone for h in booking.hosts]
    candidates = (asked, booking.invitee_time_zone, *host_zones, seen.account.time_zone)
    zone = next((z for z in candidates if z is not None and usable_zone(z)), "UTC")
    return _Page(token, zone, detect_zone=requested is None)


def _view(seen: InviteeBooking, zone: str) -> dict[str, Any]:
    booking, policy = seen.booking, seen.policy
    where_text = location_text(booking.location or seen.event_type.location)
    assigned = sorted(booking.hosts, key=lambda h: h.id != booking.host_id)
    cancelled = booking.status == "cancelled"
    refusals: list[str] = []
    for refusal in (None if cancelled else policy.cancel, policy.reschedule):
        if refusal is not None and refusal.message not in refusals:
            refusals.append(refusal.message)
    return {
        "title": seen.event_type.title,
        "status": booking.status,
        "status_label": "Cancelled" if cancelled else "Confirmed",
        "when": long_span(booking.start_at, booking.end_at, zone),
        "zone_label": zone_label(booking.start_at, zone),
        "location": where_text,
        "location_href": where_text
        if where_text and where_text.startswith(("https://", "http://"))
        else None,
        "hosts": [h.name for h in assigned],
        "invitee": booking.invitee_name,
        "reason": booking.cancel_reason if cancelled else booking.reschedule_reason,
        "reason_label": "Reason for cancelling" if cancelled else "Reason for the move",
        "can_cancel": policy.can_cancel and not cancelled,
        "can_reschedule": policy.can_reschedule,
        "refusals": refusals,
    }


def _booking_page(
    template: str,
    page: _Page,
    seen: InviteeBooking,
    *,
    title: str,
    status: int = 200,
    message: str | None = None,
    kind: str = "error",
    **context: Any,
) -> HTMLResponse:
    return _render(
        template,
        status,
        page_title=title,
        view=_view(seen, page.zone),
        urls=page.urls,
        zone=page.zone,
        detect_zone=page.detect_zone and status == 200,
        message=message,
        message_kind=kind,
        reason_max=_REASON_MAX,
        **context,
    )


def _message(
    page: _Page,
    seen: InviteeBooking,
    title: str,
    message: str,
    *,
    status: int = 200,
    kind: str = "error",
) -> HTMLResponse:
    """The booking with a message and no form: a refusal, or what was just done."""
    return _booking_page(
        "message.html", page, seen, title=title, status=status, message=message, kind=kind
    )


def _bare_page(title: str, status: int, message: str, **headers: str) -> HTMLResponse:
    response = _render(
        "message.html", status, page_title=title, message=message, message_kind="error"
    )
    response.headers.update(headers)
    return response


def _refused(page: _Page, seen: InviteeBooking, exc: errors.AstrocalError) -> HTMLResponse:
    return _message(page, seen, "Nothing was changed", exc.message, status=_status_of(exc))


async def _open(
    request: Request, state: AppState, token: str, zone: object
) -> tuple[_Page, InviteeBooking] | HTMLResponse:
    """The link's booking, counted against the rate limits; a page saying why not otherwise."""
    seen = await _counted_open(request, state, token, invitee.open_link)
    if isinstance(seen, HTMLResponse):
        return seen
    return _page(token, seen, zone), seen


async def _shown(
    request: Request,
    state: AppState,
    token: str,
    show: Callable[[_Page, InviteeBooking], Awaitable[HTMLResponse]],
) -> HTMLResponse:
    """A GET of a booking page: what ``show`` makes of the opened link, in the query's zone."""
    opened = await _open(request, state, token, request.query_params.get("tz"))
    if isinstance(opened, HTMLResponse):
        return opened
    return await show(*opened)


async def _counted_open(
    request: Request, state: AppState, token: str, open_: Callable[[AppState, str], Awaitable[T]]
) -> T | HTMLResponse:
    """What ``open_`` finds for the link's token, counted against the invitee rate limits; a
    429 or 404 page saying why not otherwise."""
    try:
        await enforce_invitee(request, state, token)
    except errors.RateLimited as exc:
        retry = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
        return _bare_page("Too many requests", 429, exc.message, **retry)
    try:
        return await open_(state, token)
    except errors.NotFound as exc:
        return _bare_page("Link not valid", 404, exc.message)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _forged(page: _Page, seen: InviteeBooking) -> HTMLResponse:
    return _message(
        page,
        seen,
        "Nothing was changed",
        "This form did not come from this booking's page, so nothing was changed. Open "
        "the link from your email again and use the buttons there.",
        status=403,
    )


@dataclass(frozen=True)
class _Refill:
    """A posted form shown again (400): why, and the reason as typed (cut to the limit)."""

    message: str
    reason: str


def _reason(form: dict[str, str]) -> str | _Refill | None:
    typed = form.get("reason", "")
    text = typed.strip()
    if len(text) > _REASON_MAX:
        problem = errors.invalid_param(
            "reason", f"The reason is {len(text)} characters long; shorten it to {_REASON_MAX}."
        )
        return _Refill(problem.message, typed[:_REASON_MAX])
    return text or None


def _action_form(
    template: str,
    page: _Page,
    seen: InviteeBooking,
    state: AppState,
    action: str,
    title: str,
    refill: _Refill | None,
    **context: Any,
) -> HTMLResponse:
    """The form that asks for ``action`` (``cancel``, ``reschedule``), with its form token."""
    return _booking_page(
        template,
        page,
        seen,
        title=title,
        status=200 if refill is None else 400,
        message=None if refill is None else refill.message,
        csrf=form_token(state.settings, page.digest, action),
        reason=None if refill is None else refill.reason,
        **context,
    )


# --- view --------------------------------------------------------------------------------------


@router.get("/manage/{token}", include_in_schema=False, operation_id="pages.manage")
async def manage_page(token: str, request: Request, state: StateDep) -> HTMLResponse:
    async def show(page: _Page, seen: InviteeBooking) -> HTMLResponse:
        return _booking_page("manage.html", page, seen, title="Your booking")

    return await _shown(request, state, token, show)


# --- cancel ------------------------------------------------------------------------------------


def _already_cancelled(page: _Page, seen: InviteeBooking) -> HTMLResponse:
    return _message(
        page,
        seen,
        "Already cancelled",
        "This booking is already cancelled; nothing was changed.",
        status=409,
    )


def _cancel_refusal(page: _Page, seen: InviteeBooking) -> HTMLResponse | None:
    if seen.booking.status == "cancelled":
        return _already_cancelled(page, seen)
    if seen.policy.cancel is not None:
        return _message(
            page, seen, "The booking cannot be cancelled", seen.policy.cancel.message, status=409
        )
    return None


def _cancel_form(
    page: _Page, seen: InviteeBooking, state: AppState, refill: _Refill | None = None
) -> HTMLResponse:
    return _action_form("cancel.html", page, seen, state, "cancel", "Cancel the booking", refill)


@router.get("/manage/{token}/cancel", include_in_schema=False, operation_id="pages.cancel_form")
async def cancel_page(token: str, request: Request, state: StateDep) -> HTMLResponse:
    async def show(page: _Page, seen: InviteeBooking) -> HTMLResponse:
        return _cancel_refusal(page, seen) or _cancel_form(page, seen, state)

    return await _shown(request, state, token, show)


@router.post("/manage/{token}/cancel", include_in_schema=False, operation_id="pages.cancel")
async def cancel_submit(token: str, request: Request, state: StateDep) -> HTMLResponse:
    async def handle(page: _Page, seen: InviteeBooking, form: dict[str, str]) -> HTMLResponse:
        reason = _reason(form)
        if isinstance(reason, _Refill):
            return _cancel_form(page, seen, state, reason)
        try:
            done = await invitee.cancel(state, token, reason)
        except errors.AstrocalError as exc:
            return _refused(page, seen, exc)
        return _message(
            page,
            done,
            "Your booking is cancelled",
            "The booking is cancelled. The host has been told, and a confirmation is on its "
            "way to your email.",
            kind="success",
        )

    return await _posted(request, state, token, "cancel", handle)


# --- reschedule --------------------------------------------------------------------------------


def _day_label(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def _parse_day(value: str | None) -> date | errors.InvalidRequest | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return errors.invalid_param("day", "day must be a date such as 2026-04-15.")


def _parse_start(value: str | None) -> datetime | errors.InvalidRequest:
    problem = errors.invalid_param(
        "start", "start must be one of the open times listed, such as 2026-04-15T08:00:00Z."
    )
    if not value:
        return problem
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return problem
    if parsed.tzinfo is None:
        return problem
    try:
        return check_start(parsed)
    except errors.InvalidRequest as exc:
        return exc


async def _picker(
    state: AppState,
    page: _Page,
    seen: InviteeBooking,
    day: date | None,
    *,
    status: int = 200,
    message: str | None = None,
) -> HTMLResponse:
    """The day picker: the open times of the chosen day (default: the first of the next seven
    days with any), the seven days from it with how many times each has, and the navigation."""
    zone = ZoneInfo(page.zone)
    today = state.clock.now().astimezone(zone).date()
    first = max(day or today, today)
    try:
        found = await invitee.slots(
            state, page.token, first, first + timedelta(days=_WEEK - 1), page.zone
        )
    except errors.Conflict as exc:
        return _refused(page, seen, exc)
    except errors.AstrocalError as exc:
        found, status, message = None, _status_of(exc), exc.message
    by_day: dict[date, list[datetime]] = {}
    for slot in found.slots if found is not None else ():
        start = slot.start.astimezone(UTC)
        by_day.setdefault(start.astimezone(zone).date(), []).append(start)
    days = [first + timedelta(days=n) for n in range(_WEEK)]
    chosen = first if day is not None else next((d for d in days if by_day.get(d)), first)

    def href(target: date) -> str:
        return page.url("reschedule", day=target.isoformat())

    current = seen.booking.start_at.astimezone(UTC)
    picker = {
        "day": chosen.isoformat(),
        "day_label": f"{_day_label(chosen)} {chosen.year}",
        "zone_label": zone_label(datetime.combine(chosen, datetime.min.time(), zone), page.zone),
        "previous_day": href(chosen - timedelta(days=1)) if chosen > today else None,
        "next_day": href(chosen + timedelta(days=1)),
        "previous_week": href(max(first - timedelta(days=_WEEK), today)) if first > today else None,
        "next_week": href(first + timedelta(days=_WEEK)),
        "days": [
            {
                "href": href(d),
                "label": _day_label(d),
                "count_label": f"{len(by_day.get(d, []))} open",
                "selected": d == chosen,
            }
            for d in days
        ],
        "slots": [
            {
                "value": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "label": f"{start.astimezone(zone):%H:%M}",
                "current": start == current,
            }
            for start in by_day.get(chosen, [])
        ],
    }
    return _booking_page(
        "reschedule.html",
        page,
        seen,
        title="Pick a new time",
        status=status,
        message=message,
        picker=picker,
    )


def _reschedule_refusal(page: _Page, seen: InviteeBooking) -> HTMLResponse | None:
    if seen.policy.reschedule is None:
        return None
    return _message(
        page, seen, "The booking cannot be moved", seen.policy.reschedule.message, status=409
    )


def _confirm_form(
    page: _Page,
    seen: InviteeBooking,
    state: AppState,
    start: datetime,
    refill: _Refill | None = None,
) -> HTMLResponse:
    end = start + timedelta(minutes=seen.booking.duration_minutes)
    return _action_form(
        "confirm_reschedule.html",
        page,
        seen,
        state,
        "reschedule",
        "Confirm the new time",
        refill,
        start=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        new_when=long_span(start, end, page.zone),
        back=page.url("reschedule", day=start.astimezone(ZoneInfo(page.zone)).date().isoformat()),
    )


async def _posted(
    request: Request,
    state: AppState,
    token: str,
    action: str,
    handle: Callable[[_Page, InviteeBooking, dict[str, str]], Awaitable[HTMLResponse]],
) -> HTMLResponse:
    """A form POST of ``action`` (``cancel``, ``reschedule``): what ``handle`` makes of its
    fields once it is genuine and the change is still allowed; the page saying why not
    otherwise."""
    form = await _form(request)
    opened = await _open(request, state, token, form.get("tz") or request.query_params.get("tz"))
    if isinstance(opened, HTMLResponse):
        return opened
    page, seen = opened
    if not post_is_genuine(request, state.settings, page.digest, action, form.get("csrf")):
        return _forged(page, seen)
    refused = _cancel_refusal if action == "cancel" else _reschedule_refusal
    refusal = refused(page, seen)
    if refusal is not None:
        return refusal
    return await handle(page, seen, form)


@router.get(
    "/manage/{token}/reschedule", include_in_schema=False, operation_id="pages.reschedule_form"
)
async def reschedule_page(token: str, request: Request, state: StateDep) -> HTMLResponse:
    params = request.query_params

    async def show(page: _Page, seen: InviteeBooking) -> HTMLResponse:
        refusal = _reschedule_refusal(page, seen)
        if refusal is not None:
            return refusal
        day = _parse_day(params.get("day"))
        if isinstance(day, errors.InvalidRequest):
            return await _picker(state, page, seen, None, status=400, message=day.message)
        if "start" not in params:
            return await _picker(state, page, seen, day)
        start = _parse_start(params.get("start"))
        if isinstance(start, errors.InvalidRequest):
            return await _picker(state, page, seen, day, status=400, message=start.message)
        return _confirm_form(page, seen, state, start)

    return await _shown(request, state, token, show)


@router.post("/manage/{token}/reschedule", include_in_schema=False, operation_id="pages.reschedule")
async def reschedule_submit(token: str, request: Request, state: StateDep) -> HTMLResponse:
    async def handle(page: _Page, seen: InviteeBooking, form: dict[str, str]) -> HTMLResponse:
        start = _parse_start(form.get("start"))
        if isinstance(start, errors.InvalidRequest):
            return await _picker(state, page, seen, None, status=400, message=start.message)
        reason = _reason(form)
        if isinstance(reason, _Refill):
            return _confirm_form(page, seen, state, start, reason)
        if start == seen.booking.start_at.astimezone(UTC):
            return await _picker(
                state,
                page,
                seen,
                None,
                status=409,
                message="That is the booking's current time; pick another one.",
            )
        try:
            moved = await invitee.reschedule(state, token, start, reason)
        except errors.Conflict as exc:
            if exc.code != "slot_unavailable":
                return _refused(page, seen, exc)
            day = start.astimezone(ZoneInfo(page.zone)).date()
            return await _picker(
                state,
                page,
                seen,
                day,
                status=409,
                message="That time is no longer open; pick another one.",
            )
        except errors.AstrocalError as exc:
            day = start.astimezone(ZoneInfo(page.zone)).date()
            return await _picker(
                state, page, seen, day, status=_status_of(exc), message=exc.message
            )
        return _message(
            page,
            moved,
            "Your booking has moved",
            f"The booking is now on {long_span(moved.booking.start_at, moved.booking.end_at, page.zone)}. "
            "The host has been told, and a new invitation is on its way to your email.",
            kind="success",
        )

    return await _posted(request, state, token, "reschedule", handle)


# --- waitlist promotion ------------------------------------------------------------------------
#
# ``GET /waitlist/{token}``: the slot held for a promoted waitlist entry, until when, and a
# Confirm button while the hold stands; ``POST /waitlist/{token}/confirm`` books it (the waitlist
# service's confirm: the same as ``POST /v1/invitee/waitlist/{token}/confirm``). Same headers,
# rate limits and form checks as the booking pages.

_CONFIRM = "waitlist_confirm"
_SETTLED = {
    "booked": "This place is booked; the confirmation is in your email.",
    "expired": "The hold ran out before it was confirmed, so the place went to the next person "
    "waiting.",
    "cancelled": "This waitlist entry was cancelled, so the place is no longer held for you.",
}


def _promotion_zone(seen: waitlist.Promotion, requested: object) -> str:
    asked = usable_zone(requested) if isinstance(requested, str) else None
    candidates = (asked, seen.entry.invitee_time_zone, seen.account.time_zone)
    return next((z for z in candidates if z is not None and usable_zone(z)), "UTC")


async def _open_promotion(
    request: Request, state: AppState, token: str, requested: object
) -> tuple[waitlist.Promotion, str] | HTMLResponse:
    seen = await _counted_open(request, state, token, waitlist.open_promotion)
    if isinstance(seen, HTMLResponse):
        return seen
    return seen, _promotion_zone(seen, requested)


def _promotion_page(
    state: AppState,
    token: str,
    seen: waitlist.Promotion,
    zone: str,
    *,
    status: int = 200,
    message: str | None = None,
    kind: str = "error",
    manage_url: str | None = None,
) -> HTMLResponse:
    hold = seen.hold
    settled = None if seen.can_confirm else _SETTLED.get(seen.entry.status)
    digest = token_hash(token)
    assert digest is not None  # the link opened, so the token is well formed
    return _render(
        "waitlist.html",
        status,
        page_title="A place opened up for you" if seen.can_confirm else "Your waitlist place",
        promo={
            "title": seen.event_type.title,
            "when": None if hold is None else long_span(hold.start_at, hold.end_at, zone),
            "until": None if hold is None else short_start(hold.expires_at, zone),
            "invitee": seen.entry.invitee_name,
            "can_confirm": seen.can_confirm,
            "manage_url": manage_url,
        },
        zone=zone,
        detect_zone=False,
        message=message or settled,
        message_kind=kind if message else "info",
        csrf=form_token(state.settings, digest, _CONFIRM),
        action=f"/waitlist/{token}/confirm",
    )


@router.get("/waitlist/{token}", include_in_schema=False, operation_id="pages.waitlist")
async def waitlist_page(token: str, request: Request, state: StateDep) -> HTMLResponse:
    opened = await _open_promotion(request, state, token, request.query_params.get("tz"))
    if isinstance(opened, HTMLResponse):
        return opened
    seen, zone = opened
    return _promotion_page(state, token, seen, zone)


@router.post(
    "/waitlist/{token}/confirm", include_in_schema=False, operation_id="pages.waitlist_confirm"
)
async def waitlist_confirm(token: str, request: Request, state: StateDep) -> HTMLResponse:
    form = await _form(request)
    opened = await _open_promotion(request, state, token, form.get("tz"))
    if isinstance(opened, HTMLResponse):
        return opened
    seen, zone = opened
    digest = token_hash(token)
    assert digest is not None
    if not post_is_genuine(request, state.settings, digest, _CONFIRM, form.get("csrf")):
        return _promotion_page(
            state,
            token,
            seen,
            zone,
            status=403,
            message="This form did not come from this page, so nothing was booked. Open the "
            "link from your email again and use the button there.",
        )
    try:
        booked = await waitlist.confirm(state, token)
    except errors.AstrocalError as exc:
        again = await waitlist.open_promotion(state, token)
        return _promotion_page(
            state, token, again, zone, status=_status_of(exc), message=exc.message
        )
    done = await waitlist.open_promotion(state, token)
    return _promotion_page(
        state,
        token,
        done,
        zone,
        message=f"Booked: {long_span(booked.booking.start_at, booked.booking.end_at, zone)}. "
        "A confirmation is on its way to your email.",
        kind="success",
        manage_url=booked.links.manage_url,
    )
