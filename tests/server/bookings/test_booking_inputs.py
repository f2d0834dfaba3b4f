"""A booking reads nothing before its write transaction when its event type is known to the
process: the event type, its schedule and default host come from the availability inputs cache
(``availability/inputs.py``), and are exactly as fresh as availability's — a change to the event
type made through the API, in this process or in another one sharing the database, is seen by
the very next booking (the same invalidation).

The clock stands at Monday 2026-04-13 08:00 UTC; the event type books 30 minutes on weekdays.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.bookings import write
from fastapi import FastAPI
from sqlalchemy import event

from tests.support.app import bearer
from tests.support.bookings import TUESDAY_9, Book, booking_body
from tests.support.races import clients_of
from tests.support.round_trips import count_calls, round_trip_calls

H = dict[str, str]


def _minutes(booking: httpx.Response) -> float:
    """The booked duration: ``end`` less ``start``."""
    body = booking.json()
    start, end = (datetime.fromisoformat(body[k].replace("Z", "+00:00")) for k in ("start", "end"))
    return (end - start).total_seconds() / 60


def _count_round_trips(app: FastAPI, monkeypatch: pytest.MonkeyPatch, log: list[str]) -> None:
    """Log every driver round trip ("trip") and every statement ("sql ...") in order."""
    count_calls(
        round_trip_calls(app.state.astrocal.db.dialect),
        lambda: log.append("trip"),
        patch=monkeypatch.setattr,
    )

    def on_sql(*args: Any) -> None:
        log.append("sql " + " ".join(str(args[2]).split()[:3]))

    engine = app.state.astrocal.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_sql)
    real = write.run_create

    async def marked(*args: Any, **kwargs: Any) -> Any:
        log.append("write")
        return await real(*args, **kwargs)

    monkeypatch.setattr(write, "run_create", marked)


async def _known_then_deleted(
    maker: httpx.AsyncClient, reader: httpx.AsyncClient, headers: H
) -> str:
    """A second event type made through ``maker``, known to ``reader``'s process through
    availability only, then deleted through ``maker``; its id."""
    made = await maker.post(
        "/v1/event_types",
        headers=headers,
        json={"title": "Other", "slug": "other", "duration_minutes": 30},
    )
    assert made.status_code == 201, made.text
    other = str(made.json()["id"])
    r = await reader.get(
        "/v1/availability", headers=headers, params={"event_type_id": other, "date": "2026-04-14"}
    )
    assert r.status_code == 200 and r.json()["data"], r.text  # the reader's process knows it
    r = await maker.delete(f"/v1/event_types/{other}", headers=headers)
    assert r.status_code in (200, 204), r.text
    return other


async def test_a_booking_on_a_known_event_type_reads_nothing_before_its_write(
    app: FastAPI, book: Book, event_type: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await book(event_type["id"], TUESDAY_9)).status_code == 201  # the process learns it
    log: list[str] = []
    _count_round_trips(app, monkeypatch, log)
    created = await book(event_type["id"], TUESDAY_9.replace(hour=11))
    assert created.status_code == 201, created.text
    before = log[: log.index("write")]
    assert before == [], before
    # The write still re-checks the slot inside its transaction.
    assert any("booking_hosts" in entry for entry in log[log.index("write") :]), log


async def test_an_event_type_change_reaches_the_next_booking(
    client: httpx.AsyncClient, auth_headers: H, book: Book, event_type: dict[str, Any]
) -> None:
    evt = event_type["id"]
    first = await book(evt, TUESDAY_9)
    assert first.status_code == 201, first.text
    assert _minutes(first) == 30
    r = await client.patch(
        f"/v1/event_types/{evt}", headers=auth_headers, json={"duration_minutes": 60}
    )
    assert r.status_code == 200, r.text
    longer = await book(evt, TUESDAY_9.replace(hour=11))
    assert longer.status_code == 201, longer.text
    assert _minutes(longer) == 60
    missing = await book("evt_doesnotexist", TUESDAY_9.replace(hour=13))
    assert missing.status_code == 404
    other = await _known_then_deleted(client, client, auth_headers)
    gone = await book(other, TUESDAY_9.replace(hour=14))
    assert gone.status_code == 404, gone.text
    assert gone.json()["error"]["param"] == "event_type_id"
    assert gone.json()["error"]["code"] == missing.json()["error"]["code"]


async def test_a_change_made_by_another_process_reaches_the_next_booking(
    account: NewAccount, two_processes: list[str]
) -> None:
    owner = bearer(account.live_key.secret)
    async with clients_of(two_processes, 1) as (first, second):
        made = await second.post(
            "/v1/event_types",
            headers=owner,
            json={"title": "Intro call", "slug": "intro", "duration_minutes": 30},
        )
        assert made.status_code == 201, made.text
        evt = made.json()["id"]
        for hour in (9, 10):  # the first process now holds the event type's inputs
            r = await first.post("/v1/bookings", headers=owner, json=booking_body(evt, TUESDAY_9.replace(hour=hour)))  # fmt: skip
            assert r.status_code == 201 and _minutes(r) == 30, r.text
        r = await second.patch(
            f"/v1/event_types/{evt}", headers=owner, json={"duration_minutes": 60}
        )
        assert r.status_code == 200, r.text
        r = await first.post("/v1/bookings", headers=owner, json=booking_body(evt, TUESDAY_9.replace(hour=11)))  # fmt: skip
        assert r.status_code == 201 and _minutes(r) == 60, r.text
        other = await _known_then_deleted(second, first, owner)
        r = await first.post("/v1/bookings", headers=owner, json=booking_body(other, TUESDAY_9.replace(hour=13)))  # fmt: skip
        assert r.status_code == 404, r.text
        assert r.json()["error"]["param"] == "event_type_id"
