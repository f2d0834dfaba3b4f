"""The invitee pages in headless Chromium: from the link in the captured confirmation email to a
rescheduled and then cancelled booking, with no API key; the same with the keyboard alone; a
forged cross-site form; the security headers, and no script error or CSP violation on any page. Screenshots at 375×800 and 1280×800 go to
``test-artifacts/browser/`` (see tests/support/browser.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from tests.support.browser import ARTIFACTS, PAGE_CSP, LiveApp

H = dict[str, str]
ZONE = "America/New_York"  # the browser's; the booking says Europe/London, the host is in Berlin
TIMEOUT_MS = 15_000


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(timezone_id=ZONE, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    yield opened
    context.close()
    # No script error and no Content-Security-Policy violation on any page the test opened
    # (a 4xx page the test asked for is reported as a failed resource load: that is expected).
    assert [p for p in problems if "status of 4" not in p] == []


def _invitee_emails(live: LiveApp) -> list[EmailMessage]:
    return [m for m in live.sent if "jo@invitee.example" in str(m["To"])]


def _text(message: EmailMessage) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return str(part.get_content())  # type: ignore[attr-defined]


def _link(message: EmailMessage, label: str) -> str:
    match = re.search(rf"^{label}: (\S+)$", _text(message), re.M)
    assert match, _text(message)
    return match.group(1)


def _open_from_email(live: LiveApp, page: Any) -> str:
    """Open the "View the booking" link of the confirmation email; the page asks for the
    browser's zone once (zone.js). Returns the link."""
    (confirmation,) = _invitee_emails(live)
    assert str(confirmation["Subject"]).startswith("Confirmed")
    link = _link(confirmation, "View the booking")
    assert link.startswith(f"{live.url}/manage/")
    response = page.goto(link)
    assert response.headers["content-security-policy"] == PAGE_CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    page.wait_for_url(re.compile(r"tz=America%2FNew_York"))
    assert "Wednesday 15 April 2026, 06:00–06:30 (America/New_York, EDT)" in page.inner_text("main")
    return link


# WCAG 2.1 checks run on every page the flows open: the document's language, a name for every
# control, and text contrast (AA: 4.5:1, or 3:1 for large text) against the first opaque
# background behind it. Returns the problems found, one line each.
_A11Y = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("no lang on <html>");
  const lum = (c) => {
    const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const opaque = (c) => { const m = c.match(/[\\d.]+/g); return m && (m.length < 4 || Number(m[3]) === 1); };
  const backdrop = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      if (opaque(bg)) return bg;
    }
    return "rgb(255, 255, 255)";
  };
  for (const el of document.querySelectorAll("input, select, textarea, button")) {
    if (el.type === "hidden") continue;
    const named = (el.labels && el.labels.length) || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby") || (el.textContent || "").trim() || el.value;
    if (!named) problems.push("no accessible name: " + el.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    const a = lum(style.color), b = lum(backdrop(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) problems.push(`contrast ${ratio.toFixed(2)} < ${need}: ${el.textContent.trim().slice(0, 40)}`);
  }
  return problems;
}"""


def _screenshots(page: Any, name: str) -> None:
    assert page.evaluate(_A11Y) == [], name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        # Nothing is wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x800.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def _check_after(live: LiveApp, headers: H, booking: dict[str, Any]) -> None:
    """The booking, its webhook events and its emails after the move and the cancel."""
    live.drain()
    shown = live.api("GET", f"/v1/bookings/{booking['id']}", headers)
    assert shown["status"] == "cancelled"
    assert (shown["cancelled_by"], shown["rescheduled_by"]) == ("invitee", "invitee")
    events = live.hook_events()
    assert [e["type"] for e in events] == [
        "booking.created",
        "booking.rescheduled",
        "booking.cancelled",
    ]
    assert events[1]["data"]["rescheduled_by"] == "invitee"
    assert events[2]["data"]["cancelled_by"] == "invitee"
    assert events[2]["data"]["manage_url"] == booking["manage_url"]
    subjects = [str(m["Subject"]).split(":")[0] for m in _invitee_emails(live)]
    assert subjects == ["Confirmed", "Rescheduled", "Cancelled"]
    _confirmed, moved, cancelled = _invitee_emails(live)
    assert _link(moved, "Reschedule") == booking["reschedule_url"]
    assert _link(cancelled, "View the booking") == booking["manage_url"]
    assert "Cancel:" not in _text(cancelled)


def test_from_the_email_to_a_moved_then_cancelled_booking(live: LiveApp, page: Any) -> None:
    headers, booking = live.booked()
    _open_from_email(live, page)
    _screenshots(page, "manage")

    page.get_by_role("link", name="Reschedule").click()
    page.get_by_role("heading", name=re.compile("^Open times on")).wait_for()
    assert "Times are shown in America/New_York" in page.inner_text("main")
    page.get_by_role("link", name=re.compile("^Thu 16 Apr")).click()
    page.get_by_role("heading", name="Open times on Thu 16 Apr 2026").wait_for()
    _screenshots(page, "reschedule")
    page.get_by_role("button", name="Choose 06:00").click()  # 10:00 UTC
    page.get_by_label("Reason").fill("A clash on Wednesday")
    page.get_by_role("button", name="Confirm the new time").click()
    page.get_by_role("heading", name="Your booking has moved").wait_for()
    assert "Thursday 16 April 2026, 06:00–06:30 (America/New_York, EDT)" in page.inner_text("main")
    live.drain()
    moved = live.api("GET", f"/v1/bookings/{booking['id']}", headers)
    assert (moved["start"], moved["reschedule_reason"]) == (
        "2026-04-16T10:00:00Z",
        "A clash on Wednesday",
    )

    page.get_by_role("link", name="Back to the booking").click()
    page.get_by_role("link", name="Cancel the booking").click()
    page.get_by_label("Reason").fill("Plans changed")
    page.get_by_role("button", name="Cancel the booking").click()
    page.get_by_role("heading", name="Your booking is cancelled").wait_for()
    _screenshots(page, "cancelled")
    _check_after(live, headers, booking)


def _tab_to(page: Any, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element is called ``name``; it must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? (e.getAttribute('aria-label') || e.innerText || '').trim() : ''; }"
        )
        if focused == name:
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("", "none"), f"{name!r} has no visible focus"
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab")


def _activate(page: Any, name: str, key: str = "Enter") -> None:
    _tab_to(page, name)
    with page.expect_navigation():
        page.keyboard.press(key)


def test_the_same_flow_with_the_keyboard_alone(live: LiveApp, page: Any) -> None:
    headers, booking = live.booked()
    _open_from_email(live, page)
    _activate(page, "Reschedule")
    _activate(page, "Fri 17 Apr\n16 open")
    _activate(page, "Choose 07:30", key="Space")  # 11:30 UTC
    _activate(page, "Confirm the new time")
    assert page.get_by_role("heading", name="Your booking has moved").is_visible()
    _activate(page, "Back to the booking")
    _activate(page, "Cancel the booking")
    _activate(page, "Cancel the booking", key="Space")  # the form's button this time
    assert page.get_by_role("heading", name="Your booking is cancelled").is_visible()
    _check_after(live, headers, booking)
    assert live.api("GET", f"/v1/bookings/{booking['id']}", headers)["previous_start"] == (
        "2026-04-15T10:00:00Z"
    )


def test_a_cross_site_form_changes_nothing(live: LiveApp, page: Any) -> None:
    headers, booking = live.booked()
    # Even with a genuine form token (say it leaked), a post from another site is refused.
    form = httpx.get(booking["cancel_url"]).text
    match = re.search(r'name="csrf" value="([^"]+)"', form)
    assert match
    attacker = (
        f'<!DOCTYPE html><html lang="en"><title>Prize</title><form method="post" '
        f'action="{booking["cancel_url"]}"><input type="hidden" name="csrf" '
        f'value="{match.group(1)}"><button>Claim your prize</button></form></html>'
    )
    page.route(
        "http://attacker.test/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=attacker),
    )
    page.goto("http://attacker.test/")
    with page.expect_response(booking["cancel_url"]) as answer:
        page.get_by_role("button", name="Claim your prize").click()
    assert answer.value.status == 403
    page.get_by_role("heading", name="Nothing was changed").wait_for()
    assert live.api("GET", f"/v1/bookings/{booking['id']}", headers)["status"] == "confirmed"
    live.drain()
    assert [e["type"] for e in live.hook_events()] == ["booking.created"]
