"""The sync client against the reference server over real loopback HTTP (uvicorn on a free port)."""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from astrocal_sdk import (
    APIResponse,
    Astrocal,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    SyncPage,
    types,
    webhooks,
)

from tests.support.clocks import NOW
from tests.support.sdk import LiveServer


def test_account_and_usage(sync_client: Astrocal) -> None:
    account = sync_client.account.retrieve()
    assert isinstance(account, types.Account)
    assert account.id.startswith("acct_")
    assert account.created_at.tzinfo is not None
    usage = sync_client.usage.retrieve()
    assert isinstance(usage, types.Usage)
    assert usage.period_start <= NOW < usage.period_end


def test_schedules_crud_with_dates_and_zoneinfo(sync_client: Astrocal) -> None:
    created = sync_client.schedules.create(
        name="Office hours",
        time_zone=ZoneInfo("America/New_York"),
        weekly_hours=[
            types.WeeklyHoursInterval(day="monday", start="09:00", end="12:00"),
            {"day": "monday", "start": "13:00", "end": "17:00"},
        ],
        date_overrides=[{"date": dt.date(2026, 12, 24), "intervals": []}],
    )
    assert created.time_zone == "America/New_York"
    assert created.date_overrides[0].date == dt.date(2026, 12, 24)
    fetched = sync_client.schedules.retrieve(created.id)
    assert fetched == created
    updated = sync_client.schedules.update(created.id, name="Renamed")
    assert updated.name == "Renamed" and updated.updated_at.tzinfo is not None
    ids = [s.id for s in sync_client.schedules.list(limit=1)]
    assert created.id in ids and len(ids) == len(set(ids)) == 2  # default + ours, 1 per page
    assert sync_client.schedules.delete(created.id) is None
    with pytest.raises(NotFoundError) as info:
        sync_client.schedules.retrieve(created.id)
    assert info.value.status_code == 404
    assert info.value.request_id and info.value.request_id.startswith("req_")


def test_event_types_crud_and_filters(sync_client: Astrocal) -> None:
    event_type = sync_client.event_types.create(
        title="Intro call",
        slug="intro-call",
        duration_minutes=30,
        duration_options=[30, 60],
        description="Say hello",
        location={"type": "video", "value": "https://meet.example.com/x"},
        metadata={"team": "sales"},
    )
    assert event_type.duration_options == [30, 60]
    assert isinstance(event_type.location, types.Location)
    cleared = sync_client.event_types.update(event_type.id, description=None, active=False)
    assert cleared.active is False
    assert "description" not in cleared.model_dump(mode="json")
    assert [e.id for e in sync_client.event_types.list(active=False)] == [event_type.id]
    assert list(sync_client.event_types.list(active=True)) == []
    with pytest.raises(ConflictError) as info:
        sync_client.event_types.create(title="Dup", slug="intro-call", duration_minutes=30)
    assert info.value.param == "slug"
    sync_client.event_types.delete(event_type.id, force=True)


def test_a_bad_request_names_the_param(sync_client: Astrocal) -> None:
    with pytest.raises(BadRequestError) as info:
        sync_client.schedules.create(name="Bad", time_zone="Mars/Olympus_Mons")
    assert info.value.param == "time_zone"
    assert info.value.code


def test_api_keys_create_list_revoke(sync_client: Astrocal, live_server: LiveServer) -> None:
    created = sync_client.api_keys.create(name="ci", mode="test")
    assert created.secret.startswith("sk_test_")
    assert created.id in {k.id for k in sync_client.api_keys.list()}
    other = Astrocal(api_key=created.secret, base_url=live_server.url)
    assert other.account.retrieve().id == sync_client.account.retrieve().id
    revoked = sync_client.api_keys.revoke(created.id)
    assert revoked.revoked_at is not None
    with pytest.raises(AuthenticationError) as info:
        other.account.retrieve()
    assert info.value.code == "api_key_revoked"
    other.close()


def test_raw_response_headers_from_the_server(sync_client: Astrocal) -> None:
    raw = sync_client.with_raw_response.account.retrieve()
    assert isinstance(raw, APIResponse)
    assert raw.request_id and raw.request_id.startswith("req_")
    assert raw.rate_limit.limit is not None and raw.rate_limit.remaining is not None
    assert raw.parse().id.startswith("acct_")
    page = sync_client.with_raw_response.schedules.list().parse()
    assert isinstance(page, SyncPage)


def test_calendar_connections_list_and_missing(sync_client: Astrocal) -> None:
    assert list(sync_client.calendar_connections.list()) == []
    with pytest.raises(NotFoundError):
        sync_client.calendar_connections.retrieve("cal_missing")


class _Receiver:
    """A loopback webhook endpoint that records what it is sent."""

    def __init__(self) -> None:
        self.received: queue.Queue[tuple[bytes, dict[str, str]]] = queue.Queue()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                received.put((body, dict(self.headers.items())))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def next(self) -> tuple[bytes, dict[str, str]]:
        return self.received.get(timeout=10)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    r = _Receiver()
    yield r
    r.close()


def test_webhooks_end_to_end_with_verified_deliveries(
    sync_client: Astrocal, receiver: _Receiver
) -> None:
    endpoint = sync_client.webhooks.create(
        url=receiver.url, events=["booking.created"], description="ci"
    )
    assert endpoint.secret.startswith("whsec_")
    now = NOW.timestamp()  # the server's clock is pinned

    delivery = sync_client.webhooks.test(endpoint.id)
    assert delivery.event_type == "webhook.test"
    body, headers = receiver.next()
    event = webhooks.unwrap(body, headers, endpoint.secret, now=now)
    assert isinstance(event, types.TestEvent)
    assert event.data.webhook_id == endpoint.id

    rotation = sync_client.webhooks.rotate_secret(endpoint.id)
    assert rotation.previous_secret_expires_at > NOW
    sync_client.webhooks.test(endpoint.id)
    body, headers = receiver.next()
    assert len(headers["webhook-signature"].split()) == 2  # both secrets sign during rotation
    webhooks.verify(body, headers, endpoint.secret, now=now)
    webhooks.verify(body, headers, rotation.secret, now=now)

    deliveries = list(sync_client.webhooks.deliveries.list(endpoint.id))
    assert {d.id for d in deliveries} >= {delivery.id}
    fetched = sync_client.webhooks.deliveries.retrieve(endpoint.id, delivery.id)
    assert fetched.id == delivery.id
    retried = sync_client.webhooks.deliveries.retry(endpoint.id, delivery.id)
    assert retried.id == delivery.id
    body, headers = receiver.next()
    assert headers["webhook-id"] == fetched.event_id  # same event id on every retry

    updated = sync_client.webhooks.update(endpoint.id, enabled=False)
    assert updated.enabled is False
    assert [w.id for w in sync_client.webhooks.list()] == [endpoint.id]
    sync_client.webhooks.delete(endpoint.id)
    with pytest.raises(NotFoundError):
        sync_client.webhooks.retrieve(endpoint.id)
