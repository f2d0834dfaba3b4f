"""Benchmark: ``GET /v1/availability`` with three connected calendar providers, each answering in
100 ms (Google ``freeBusy``, Microsoft ``getSchedule``, a CalDAV ``calendar-query``; faked with respx
so the latency is exact). The providers are asked concurrently, so the response should take about
one provider's latency, not the sum.

    .venv/bin/python bench/calendars.py [--requests 30] [--no-write]

Bar (bench/RESULTS.md): availability ≤ 150 ms with three providers answering in 100 ms each.
Writes the ``## Calendar providers`` section of bench/RESULTS.md.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import timedelta

from _common import bench_parser, percentile, publish, run_header

SECTION = "## Calendar providers"
LATENCY = 0.100
BAR_MS = 150.0

MULTISTATUS = (
    '<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:" '
    'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:response><D:href>/u/cal/e.ics</D:href><D:propstat>'
    "<D:prop><C:calendar-data>BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//b//b//EN\r\n"
    "BEGIN:VEVENT\r\nUID:e\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{day}T100000Z\r\n"
    "DTEND:{day}T110000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n</C:calendar-data></D:prop>"
    "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>"
)


async def measure(requests: int) -> list[float]:
    import httpx
    import respx
    from astrocal_server.accounts import create_account
    from astrocal_server.app import create_app
    from astrocal_server.calendars.connections import seal_credentials
    from astrocal_server.clock import SystemClock
    from astrocal_server.config import Settings
    from astrocal_server.ids import new_id
    from astrocal_server.storage.models import CalendarConnection

    tmp = tempfile.mkdtemp(prefix="astrocal-bench-cal-")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
        google_client_id="bench",
        microsoft_client_id="bench",
        _env_file=None,  # type: ignore[call-arg]
    )
    clock = SystemClock()
    app = create_app(settings, clock=clock)
    day = (clock.now() + timedelta(days=7)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)

    async def slow(response: httpx.Response) -> httpx.Response:
        await asyncio.sleep(LATENCY)
        return response

    async def google(request: httpx.Request) -> httpx.Response:
        return await slow(
            httpx.Response(
                200,
                json={
                    "calendars": {
                        "g@bench.test": {
                            "busy": [{"start": f"{day}T12:00:00Z", "end": f"{day}T13:00:00Z"}]
                        }
                    }
                },
            )
        )

    async def graph(request: httpx.Request) -> httpx.Response:
        return await slow(
            httpx.Response(
                200,
                json={
                    "value": [
                        {
                            "scheduleId": "m@bench.test",
                            "scheduleItems": [
                                {
                                    "status": "busy",
                                    "start": {
                                        "dateTime": f"{day}T14:00:00.0000000",
                                        "timeZone": "UTC",
                                    },
                                    "end": {
                                        "dateTime": f"{day}T15:00:00.0000000",
                                        "timeZone": "UTC",
                                    },
                                }
                            ],
                        }
                    ]
                },
            )
        )

    async def caldav(request: httpx.Request) -> httpx.Response:
        return await slow(httpx.Response(207, text=MULTISTATUS.format(day=day.strftime("%Y%m%d"))))

    durations: list[float] = []
    with respx.mock(assert_all_called=False) as router:
        router.post("https://www.googleapis.com/calendar/v3/freeBusy").mock(side_effect=google)
        router.post("https://graph.microsoft.com/v1.0/me/calendar/getSchedule").mock(
            side_effect=graph
        )
        router.route(method="REPORT", host="caldav.bench.test").mock(side_effect=caldav)
        async with app.router.lifespan_context(app):
            state = app.state.astrocal
            box = state.calendars.box
            now = clock.now()
            async with state.db.write() as session:
                made = await create_account(
                    session,
                    name="Bench",
                    email="b@bench.test",
                    time_zone="UTC",
                    plan="unlimited",
                    clock=clock,
                )
            refs = []
            async with state.db.write() as session:
                for provider, calendar, extra in (
                    ("google", "g@bench.test", {}),
                    ("microsoft", "m@bench.test", {}),
                    (
                        "caldav",
                        "/u/cal/",
                        {"server_url": "https://caldav.bench.test/", "username": "u"},
                    ),
                ):
                    cid = new_id("cal")
                    secret = (
                        {"password": "p"}
                        if provider == "caldav"
                        else {
                            "access_token": "t",
                            "refresh_token": "r",
                            "expires_at": (now + timedelta(days=1)).isoformat(),
                        }
                    )
                    session.add(
                        CalendarConnection(  # the columns left out (OAuth state, last error) are NULL
                            id=cid,
                            account_id=made.account.id,
                            livemode=False,
                            host_id=made.test_schedule.host_id,
                            provider=provider,
                            status="active",
                            account_email=calendar if "@" in calendar else "u",
                            server_url=extra.get("server_url"),
                            username=extra.get("username"),
                            credentials_enc=seal_credentials(box, cid, secret),
                            calendars=[
                                {
                                    "id": calendar,
                                    "name": calendar,
                                    "primary": True,
                                    "read_only": False,
                                }
                            ],
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    refs.append({"connection_id": cid, "calendar_id": calendar})
            headers = {"Authorization": f"Bearer {made.test_key.secret}"}
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            ) as client:
                created = await client.post(
                    "/v1/event_types",
                    json={
                        "title": "Bench",
                        "slug": "bench-cal",
                        "duration_minutes": 30,
                        "conflict_calendars": refs,
                    },
                    headers=headers,
                )
                assert created.status_code == 201, created.text
                params = {
                    "event_type_id": created.json()["id"],
                    "date": day.isoformat(),
                    "time_zone": "UTC",
                }
                for i in range(requests + 3):
                    started = time.perf_counter()
                    response = await client.get("/v1/availability", params=params, headers=headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 200, response.text
                    starts = {s["start"] for s in response.json()["data"]}
                    assert f"{day}T12:00:00Z" not in starts and f"{day}T14:00:00Z" not in starts
                    assert f"{day}T10:00:00Z" not in starts and f"{day}T09:00:00Z" in starts
                    if i >= 3:  # warm-up: imports, connection setup
                        durations.append(elapsed)
    return durations


def _report(durations: list[float]) -> str:
    """The section's text: the latencies of the requests against the bar."""
    p50 = statistics.median(durations)
    p95 = percentile(sorted(durations), 0.95)
    verdict = "meets" if p95 <= BAR_MS else "MISSES"
    return (
        f"{SECTION}\n\n"
        + run_header()
        + f"- Setup: `GET /v1/availability` (one day, in process) for an event type with three conflict "
        f"calendars — Google `freeBusy`, Microsoft `getSchedule`, CalDAV `calendar-query` — each "
        f"answering after {LATENCY * 1000:.0f} ms (respx); {len(durations)} requests after 3 warm-up.\n"
        f"- Result: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(durations):.1f} ms "
        f"(the providers in sequence would take ≥ {3 * LATENCY * 1000:.0f} ms).\n"
        f"- Bar: ≤ {BAR_MS:.0f} ms — {verdict} it (p95).\n"
        f"- Reproduce: `.venv/bin/python bench/calendars.py`\n"
    )


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    durations = asyncio.run(measure(args.requests))
    publish(SECTION, _report(durations), write=not args.no_write)


if __name__ == "__main__":
    main()
