"""The calendar busy source (state.busy_source): real Radicale and respx-faked Google/Microsoft,
concurrency, per-connection failures, token refresh, and expiry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from astrocal_server.accounts import NewAccount
from astrocal_server.availability.engine import BusyInterval
from astrocal_server.availability.external import BusyScope, fetch_external_busy
from astrocal_server.calendars.busy import CalendarBusySource
from astrocal_server.calendars.connections import open_credentials
from astrocal_server.errors import Unavailable
from astrocal_server.storage.models import CalendarConnection, EventType, OutboxMessage
from fastapi import FastAPI
from sqlalchemy import select

from tests.support.caldav import EXPECTED_WEEK, Radicale, Z, fill_week
from tests.support.calendars import (
    add_oauth_connection,
    add_radicale_connection,
    add_unreachable_caldav_connection,
    calendar_item,
)
from tests.support.providers import (
    GOOGLE_API,
    GOOGLE_TOKEN,
    GRAPH,
    MICROSOFT_TOKEN,
    google_error,
    google_free_busy,
    graph_item,
    graph_schedule,
    oauth_error,
    token_response,
)

WEEK = (Z("2026-04-13T00:00:00Z"), Z("2026-04-20T00:00:00Z"))


async def event_type_with(
    app: FastAPI,
    account: NewAccount,
    refs: list[tuple[str, str]],
    *,
    on_error: str = "fail",
    livemode: bool = True,
) -> EventType:
    """A detached EventType carrying the conflict calendars (the busy source reads only those)."""
    from astrocal_server.storage.models import Schedule

    state = app.state.astrocal
    async with state.db.read() as session:
        schedule = await session.scalar(
            select(Schedule).where(
                Schedule.account_id == account.account.id, Schedule.livemode.is_(livemode)
            )
        )
    assert schedule is not None
    return EventType(
        id="evt_test",
        account_id=account.account.id,
        livemode=livemode,
        schedule_id=schedule.id,
        conflict_calendars=[{"connection_id": c, "calendar_id": cal} for c, cal in refs],
        on_calendar_error=on_error,
    )


async def scope_of(app: FastAPI, event_type: EventType) -> BusyScope:
    """What availability asks the source for this event type: its calendars, its schedule's zone."""
    from astrocal_server.storage.models import Schedule

    async with app.state.astrocal.db.read() as session:
        schedule = await session.get_one(Schedule, event_type.schedule_id)
    return BusyScope.of(event_type, time_zone=schedule.time_zone)


def source(app: FastAPI) -> CalendarBusySource:
    busy_source = app.state.astrocal.busy_source
    assert isinstance(busy_source, CalendarBusySource)  # installed by the lifespan hook
    return busy_source


async def test_radicale_busy_times_reach_the_busy_source(
    app: FastAPI, account: NewAccount, radicale_server: Radicale
) -> None:
    path = radicale_server.make_calendar("Src", time_zone="Europe/Berlin")
    fill_week(radicale_server, path)
    cid = await add_radicale_connection(
        app, account, radicale_server, path, "Src", time_zone="Europe/Berlin"
    )
    event_type = await event_type_with(app, account, [(cid, path)])
    result = await source(app).busy(await scope_of(app, event_type), *WEEK)
    assert result.failures == []
    assert result.busy == [BusyInterval(p.start, p.end, cid) for p in EXPECTED_WEEK]


def google_busy(
    fake: respx.MockRouter, calendar: str, *spans: tuple[str, str], delay: float = 0
) -> respx.Route:
    async def answer(request: httpx.Request) -> httpx.Response:
        if delay:
            await asyncio.sleep(delay)
        return google_free_busy({calendar: list(spans)})

    return fake.post(f"{GOOGLE_API}/freeBusy").mock(side_effect=answer)


async def test_providers_are_asked_concurrently_and_failures_are_per_connection(
    app: FastAPI, account: NewAccount, fake: respx.MockRouter, radicale_server: Radicale
) -> None:
    google = await add_oauth_connection(app, account, provider="google", email="g@example.com")
    microsoft = await add_oauth_connection(
        app, account, provider="microsoft", email="m@contoso.com"
    )
    broken = await add_unreachable_caldav_connection(app, account)
    started: list[str] = []
    both = asyncio.Event()

    async def google_answer(request: httpx.Request) -> httpx.Response:
        started.append("google")
        if len(started) == 2:
            both.set()
        await asyncio.wait_for(both.wait(), 1)  # answers only once Microsoft was asked too
        return google_free_busy(
            {"g@example.com": [("2026-04-14T08:00:00Z", "2026-04-14T09:00:00Z")]}
        )

    async def graph_answer(request: httpx.Request) -> httpx.Response:
        started.append("microsoft")
        if len(started) == 2:
            both.set()
        await asyncio.wait_for(both.wait(), 1)
        busy = graph_item("busy", "2026-04-15T10:00:00.0000000", "2026-04-15T11:00:00.0000000")
        return graph_schedule("m@contoso.com", busy)

    fake.post(f"{GOOGLE_API}/freeBusy").mock(side_effect=google_answer)
    fake.post(f"{GRAPH}/me/calendar/getSchedule").mock(side_effect=graph_answer)
    event_type = await event_type_with(
        app,
        account,
        [
            (google, "g@example.com"),
            (microsoft, "m@contoso.com"),
            (broken, "/u/cal/"),
            ("cal_deleted", "x"),
        ],
    )
    result = await source(app).busy(await scope_of(app, event_type), *WEEK)
    assert result.busy == [
        BusyInterval(Z("2026-04-14T08:00:00Z"), Z("2026-04-14T09:00:00Z"), google),
        BusyInterval(Z("2026-04-15T10:00:00Z"), Z("2026-04-15T11:00:00Z"), microsoft),
    ]
    # the unreachable CalDAV server is reported by id; the deleted connection is not checked at all
    assert [(f["connection_id"], f["provider"]) for f in result.failures] == [(broken, "caldav")]
    assert "could not reach" in result.failures[0]["reason"]

    # on_calendar_error decides what availability does with the failure
    with pytest.raises(Unavailable) as caught:  # a 503 at the edge
        await fetch_external_busy(
            source(app), event_type, *WEEK, timeout_seconds=2, scope=await scope_of(app, event_type)
        )
    assert caught.value.code == "calendar_unavailable"
    assert broken in caught.value.message
    event_type.on_calendar_error = "ignore"
    busy, warnings = await fetch_external_busy(
        source(app), event_type, *WEEK, timeout_seconds=2, scope=await scope_of(app, event_type)
    )
    assert len(busy) == 2 and [w["connection_id"] for w in warnings] == [broken]


async def test_a_slow_provider_times_out_without_holding_the_others(
    app: FastAPI, account: NewAccount, fake: respx.MockRouter
) -> None:
    app.state.astrocal.settings.calendar_timeout_seconds = 0.2
    slow = await add_oauth_connection(app, account, provider="google", email="slow@example.com")
    fast = await add_oauth_connection(
        app, account, provider="microsoft", email="m@contoso.com", account_kind="personal"
    )
    never = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        await never.wait()
        raise AssertionError("unreachable")

    fake.post(f"{GOOGLE_API}/freeBusy").mock(side_effect=hang)
    fake.get(url__startswith=f"{GRAPH}/me/calendars/").mock(
        return_value=httpx.Response(200, json={"value": []})
    )
    event_type = await event_type_with(
        app, account, [(slow, "slow@example.com"), (fast, "m@contoso.com")]
    )
    result = await source(app).busy(await scope_of(app, event_type), *WEEK)
    assert result.busy == []
    assert [f["connection_id"] for f in result.failures] == [slow]
    assert "did not answer within 0.2 s" in result.failures[0]["reason"]


async def test_expired_access_token_is_refreshed_and_stored(
    app: FastAPI, account: NewAccount, fake: respx.MockRouter
) -> None:
    cid = await add_oauth_connection(
        app,
        account,
        provider="microsoft",
        email="m@contoso.com",
        access_token="eyJ.old",
        refresh_token="M.R3.old",
        expires_in=timedelta(seconds=30),
    )
    token = fake.post(MICROSOFT_TOKEN).mock(
        return_value=token_response("eyJ.new", refresh_token="M.R3.new")
    )
    schedule = fake.post(f"{GRAPH}/me/calendar/getSchedule").mock(
        return_value=graph_schedule("m@contoso.com")
    )
    event_type = await event_type_with(app, account, [(cid, "m@contoso.com")])
    result = await source(app).busy(await scope_of(app, event_type), *WEEK)
    assert result.failures == [] and token.call_count == 1
    assert schedule.calls.last.request.headers["authorization"] == "Bearer eyJ.new"
    state = app.state.astrocal
    async with state.db.read() as session:
        row = await session.get(CalendarConnection, cid)
    creds = open_credentials(state.calendars.box, row)
    assert creds["access_token"] == "eyJ.new" and creds["refresh_token"] == "M.R3.new"  # rotated
    # fresh token now: no second refresh
    await source(app).busy(await scope_of(app, event_type), *WEEK)
    assert token.call_count == 1


async def test_a_401_triggers_one_refresh_and_a_retry(
    app: FastAPI, account: NewAccount, fake: respx.MockRouter
) -> None:
    cid = await add_oauth_connection(
        app, account, provider="google", email="g@example.com", access_token="ya29.revoked"
    )
    fake.post(GOOGLE_TOKEN).mock(
        return_value=httpx.Response(200, json={"access_token": "ya29.fresh", "expires_in": 3599})
    )

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == "Bearer ya29.revoked":
            return google_error(401, "Invalid Credentials")
        return google_free_busy({"g@example.com": []})

    route = fake.post(f"{GOOGLE_API}/freeBusy").mock(side_effect=answer)
    event_type = await event_type_with(app, account, [(cid, "g@example.com")])
    result = await source(app).busy(await scope_of(app, event_type), *WEEK)
    assert result.failures == [] and route.call_count == 2


async def test_invalid_grant_expires_the_connection_and_queues_the_webhook(
    app: FastAPI, account: NewAccount, fake: respx.MockRouter
) -> None:
    cid = await add_oauth_connection(
        app, account, provider="google", email="g@example.com", expires_in=timedelta(seconds=-5)
    )
    fake.post(GOOGLE_TOKEN).mock(
        return_value=oauth_error("invalid_grant", "Token has been expired or revoked.")
    )
    freebusy = fake.post(f"{GOOGLE_API}/freeBusy")
    event_type = await event_type_with(app, account, [(cid, "g@example.com")])
    result = await source(app).busy(await scope_of(app, event_type), *WEEK)
    assert [f["connection_id"] for f in result.failures] == [cid]
    assert freebusy.call_count == 0
    state = app.state.astrocal
    async with state.db.read() as session:
        row = await session.get(CalendarConnection, cid)
        rows = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.topic == "calendar_connection.error")
            )
        ).all()
    assert row.status == "expired" and "invalid_grant" in (row.last_error or "")
    assert len(rows) == 1
    event: dict[str, Any] = rows[0].payload
    assert rows[0].kind == "webhook" and event["type"] == "calendar_connection.error"
    assert event["livemode"] is True
    assert event["data"]["id"] == cid and event["data"]["status"] == "expired"
    assert "invalid_grant" in event["data"]["last_error"]
    # an expired connection is not asked again, and the webhook is not repeated
    again = await source(app).busy(await scope_of(app, event_type), *WEEK)
    assert [f["connection_id"] for f in again.failures] == [cid]
    assert "connect" in again.failures[0]["reason"]
    async with state.db.read() as session:
        count = len(
            (
                await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.topic == "calendar_connection.error")
                )
            ).all()
        )
    assert count == 1


async def test_other_accounts_connections_are_never_read(
    app: FastAPI, account: NewAccount, make_account: Any, fake: respx.MockRouter
) -> None:
    other = await make_account(name="Other", email="o@example.com")
    theirs = await add_oauth_connection(app, other, provider="google", email="o@example.com")
    route = fake.post(f"{GOOGLE_API}/freeBusy")
    event_type = await event_type_with(app, account, [(theirs, "o@example.com")])
    result = await source(app).busy(await scope_of(app, event_type), *WEEK)
    assert result.busy == [] and result.failures == [] and route.call_count == 0


def test_utc() -> None:
    assert WEEK[0].tzinfo is not None and WEEK[0] == datetime(2026, 4, 13, tzinfo=UTC)


async def test_secrets_sealed_under_a_retired_key_are_resealed_on_use(
    app: FastAPI, account: NewAccount, fake: respx.MockRouter
) -> None:

    from astrocal_server.calendars.connections import seal_credentials
    from astrocal_server.crypto import SecretBox

    state = app.state.astrocal
    service = state.calendars
    old_key = ("old", b"\x07" * 32)
    cid = await add_oauth_connection(app, account, provider="google", email="g@example.com")
    async with state.db.write() as session:
        row = await session.get(CalendarConnection, cid)
        assert row is not None
        row.credentials_enc = seal_credentials(
            SecretBox([old_key]),
            cid,
            {
                "access_token": "ya29.x",
                "refresh_token": "1//r",
                "expires_at": (Z("2026-04-13T12:00:00Z")).isoformat(),
            },
        )
    new = ("new", b"\x08" * 32)
    service.box = SecretBox([new, old_key])  # rotated: new key first, old one still listed
    fake.post(f"{GOOGLE_API}/freeBusy").mock(return_value=google_free_busy({"g@example.com": []}))
    event_type = await event_type_with(app, account, [(cid, "g@example.com")])
    assert (await source(app).busy(await scope_of(app, event_type), *WEEK)).failures == []
    async with state.db.read() as session:
        row = await session.get(CalendarConnection, cid)
    assert row is not None and row.credentials_enc.startswith("v1.new.")
    assert open_credentials(SecretBox([new]), row)["refresh_token"] == "1//r"


async def test_events_astrocal_wrote_are_not_external_busy(
    app: FastAPI,
    account: NewAccount,
    add_booking: Any,
    client: httpx.AsyncClient,
    live_headers: dict[str, str],
    radicale_server: Radicale,
    fake: respx.MockRouter,
) -> None:
    from astrocal_server.calendars.writeback import handle
    from astrocal_server.storage.models import Booking

    state = app.state.astrocal
    created = await client.post(
        "/v1/event_types",
        json={"title": "Intro", "slug": "own", "duration_minutes": 30},
        headers=live_headers,
    )
    evt = created.json()["id"]
    path = radicale_server.make_calendar("Own")
    radicale_server.put_event(
        path, "foreign.ics", "foreign", "DTSTART:20260415T120000Z", "DTEND:20260415T130000Z"
    )
    cid = await add_radicale_connection(app, account, radicale_server, path, "Own")
    bid = await add_booking(account, evt, Z("2026-04-15T09:00:00Z"), livemode=True)
    await handle(
        calendar_item(
            account, bid, cid, path, "create", created_at=WEEK[0], event_type={"title": "Intro"}
        ),
        state,
    )
    assert radicale_server.get(path, f"{bid}.ics").status_code == 200
    event_type = await event_type_with(app, account, [(cid, path)])
    foreign = [BusyInterval(Z("2026-04-15T12:00:00Z"), Z("2026-04-15T13:00:00Z"), cid)]
    assert (await source(app).busy(await scope_of(app, event_type), *WEEK)).busy == foreign
    # cancelled, the event waits for the relay to delete it: it must not block meanwhile
    async with state.db.write() as session:
        (await session.get_one(Booking, bid)).status = "cancelled"
    assert (await source(app).busy(await scope_of(app, event_type), *WEEK)).busy == foreign

    # Google cannot skip single events in freeBusy: the written event's time is taken out
    google = await add_oauth_connection(app, account, provider="google", email="g@example.com")
    async with state.db.write() as session:
        row = await session.get_one(Booking, bid)
        row.status, row.external_events = "confirmed", {google: "ourid"}
    fake.post(f"{GOOGLE_API}/freeBusy").mock(
        return_value=google_free_busy(
            {
                "g@example.com": [
                    ("2026-04-15T08:30:00Z", "2026-04-15T09:30:00Z"),
                    ("2026-04-15T12:00:00Z", "2026-04-15T13:00:00Z"),
                ]
            }
        )
    )
    google_type = await event_type_with(app, account, [(google, "g@example.com")])
    assert (await source(app).busy(await scope_of(app, google_type), *WEEK)).busy == [
        BusyInterval(Z("2026-04-15T08:30:00Z"), Z("2026-04-15T09:00:00Z"), google),
        BusyInterval(Z("2026-04-15T12:00:00Z"), Z("2026-04-15T13:00:00Z"), google),
    ]
