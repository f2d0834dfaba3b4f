"""The hosts a booking occupies, as the API shows and filters them: ``hosts`` on every booking (in
position order, on create, retrieve, list, PATCH, cancel and in the webhook payload) and
``GET /v1/bookings?host_id=``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from astrocal_server.accounts import NewAccount
from astrocal_server.storage.models import OutboxMessage
from fastapi import FastAPI
from sqlalchemy import select

from tests.support.app import AddBooking, MakeAccount
from tests.support.bookings import TUESDAY_9, Book, MakeEventType
from tests.support.hosts import add_host, default_host, occupy_hosts

H = dict[str, str]


def _ids(bookings: list[dict[str, Any]]) -> list[str]:
    return [b["id"] for b in bookings]


async def _listed(client: httpx.AsyncClient, headers: H, **params: str) -> httpx.Response:
    return await client.get("/v1/bookings", params=params, headers=headers)


async def test_every_booking_shows_its_hosts_in_position_order(
    app: FastAPI,
    client: httpx.AsyncClient,
    account: NewAccount,
    auth_headers: H,
    book: Book,
    event_type: dict[str, Any],
) -> None:
    owner = await default_host(app, account)
    bo = await add_host(app, account, name="Bo Chen", email="bo@example.com")
    cy = await add_host(app, account, name="Cy Park", email=None)
    created = await book(event_type["id"], TUESDAY_9)
    assert created.status_code == 201, created.text
    booking = created.json()
    assert booking["hosts"] == [{"id": owner.id, "name": owner.name, "email": owner.email}]

    await occupy_hosts(app, booking["id"], [bo.id, cy.id])
    expected = [
        {"id": owner.id, "name": owner.name, "email": owner.email},
        {"id": bo.id, "name": "Bo Chen", "email": "bo@example.com"},
        {"id": cy.id, "name": "Cy Park", "email": None},
    ]
    got = await client.get(f"/v1/bookings/{booking['id']}", headers=auth_headers)
    assert got.status_code == 200 and got.json()["hosts"] == expected
    listed = await _listed(client, auth_headers)
    assert listed.json()["data"][0]["hosts"] == expected
    patched = await client.patch(
        f"/v1/bookings/{booking['id']}", headers=auth_headers, json={"notes": "Agenda"}
    )
    assert patched.status_code == 200 and patched.json()["hosts"] == expected
    cancelled = await client.post(
        f"/v1/bookings/{booking['id']}/cancel", headers=auth_headers, json={}
    )
    assert cancelled.status_code == 200 and cancelled.json()["hosts"] == expected
    # Cancelling again answers the stored booking, hosts included.
    again = await client.post(f"/v1/bookings/{booking['id']}/cancel", headers=auth_headers, json={})
    assert again.status_code == 200 and again.json() == cancelled.json()

    # The webhook events carry the booking as the API shows it at that moment.
    async with app.state.astrocal.db.read() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.booking_id == booking["id"], OutboxMessage.kind == "webhook")
                .order_by(OutboxMessage.booking_seq)
            )
        ).all()
    assert [(r.topic, r.payload["data"]["hosts"]) for r in rows] == [
        ("booking.created", expected[:1]),
        ("booking.updated", expected),
        ("booking.cancelled", expected),
    ]


async def test_host_id_lists_the_bookings_that_occupy_that_host(
    app: FastAPI,
    client: httpx.AsyncClient,
    account: NewAccount,
    auth_headers: H,
    add_booking: AddBooking,
    make_event_type: MakeEventType,
) -> None:
    event_type = await make_event_type()
    owner = await default_host(app, account)
    bo = await add_host(app, account, name="Bo Chen")
    cy = await add_host(app, account, name="Cy Park")
    alone = await add_booking(account, event_type["id"], TUESDAY_9)
    with_bo = await add_booking(account, event_type["id"], TUESDAY_9 + timedelta(hours=1))
    with_both = await add_booking(account, event_type["id"], TUESDAY_9 + timedelta(hours=2))
    await occupy_hosts(app, with_bo, [bo.id])
    await occupy_hosts(app, with_both, [bo.id, cy.id])

    async def filtered(host_id: str, **params: str) -> list[str]:
        r = await _listed(client, auth_headers, host_id=host_id, **params)
        assert r.status_code == 200, r.text
        return _ids(r.json()["data"])

    assert await filtered(owner.id) == [alone, with_bo, with_both]
    assert await filtered(bo.id) == [with_bo, with_both]
    assert await filtered(cy.id) == [with_both]
    # Combined with the other filters and paginated like every list.
    first = await _listed(client, auth_headers, host_id=bo.id, limit="1")
    assert _ids(first.json()["data"]) == [with_bo] and first.json()["has_more"] is True
    rest = await filtered(bo.id, cursor=first.json()["next_cursor"])
    assert rest == [with_both]
    assert await filtered(bo.id, event_type_id=event_type["id"], status="cancelled") == []


async def test_host_id_of_no_host_of_yours_matches_nothing_and_a_malformed_one_is_a_400(
    app: FastAPI,
    client: httpx.AsyncClient,
    account: NewAccount,
    make_account: MakeAccount,
    auth_headers: H,
    add_booking: AddBooking,
    make_event_type: MakeEventType,
) -> None:
    event_type = await make_event_type()
    await add_booking(account, event_type["id"], TUESDAY_9)
    other = await make_account()
    foreign = await add_host(app, other, name="Not yours")
    live = await default_host(app, account, livemode=True)
    # As with event_type_id: an id that names none of the caller's hosts filters to nothing.
    for host_id in ("host_doesnotexist", foreign.id, live.id):
        r = await _listed(client, auth_headers, host_id=host_id)
        assert r.status_code == 200, r.text
        assert r.json()["data"] == []
    bad = await _listed(client, auth_headers, host_id="evt_notahost")
    assert bad.status_code == 400, bad.text
    assert bad.json()["error"]["param"] == "host_id"
