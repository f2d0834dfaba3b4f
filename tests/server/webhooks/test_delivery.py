"""Deliveries end to end: outbox row → relay → fan-out → a real HTTP receiver on loopback.

Every body is verified with the reference ``standardwebhooks`` verifier and validated against the
``webhooks:`` section of openapi.yaml.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from astrocal_server.state import AppState
from astrocal_server.storage.models import WebhookDelivery
from astrocal_server.webhooks.events import event_id_for
from astrocal_server.webhooks.schedule import RETRY_WINDOW
from sqlalchemy import select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.support.webhooks import ALL_BOOKING_EVENTS, HANG, Hooks, Receiver, Reply


async def test_every_event_type_arrives_signed_and_matches_the_spec(
    make_endpoint, emit, relay_pass, receiver: Receiver, booking_data, validate_event
) -> None:
    endpoint = await make_endpoint(events=[*ALL_BOOKING_EVENTS, "calendar_connection.error"])
    payloads = {
        "booking.created": booking_data(),
        "booking.updated": booking_data(notes="Bring the slides"),
        "booking.rescheduled": booking_data(
            start="2026-04-16T10:00:00Z",
            end="2026-04-16T10:30:00Z",
            rescheduled_at="2026-04-11T09:00:00Z",
            previous_start="2026-04-15T14:00:00Z",
            previous_end="2026-04-15T14:30:00Z",
        ),
        "booking.cancelled": booking_data(
            status="cancelled", cancelled_at="2026-04-12T08:00:00Z", cancel_reason="Ill"
        ),
        "calendar_connection.error": {
            "id": "cal_0p9o8i7u6y",
            "host_id": "host_3d8f1k6w2q",
            "provider": "google",
            "status": "expired",
            "account_email": "jo@example.com",
            "calendars": [],
            "last_error": "The refresh token was rejected (invalid_grant).",
            "livemode": False,
            "created_at": "2026-04-02T09:01:00Z",
            "updated_at": "2026-04-20T03:12:09Z",
        },
    }
    ids = {topic: await emit(topic, data) for topic, data in payloads.items()}
    assert await relay_pass() == len(payloads)
    requests = await receiver.wait_for(len(payloads))
    verifier = Webhook(endpoint["secret"])
    seen: dict[str, dict[str, Any]] = {}
    for request in requests:
        document = verifier.verify(request.body, request.headers)  # raises if the signature is bad
        assert validate_event(request.body) == []
        assert request.headers["webhook-id"] == event_id_for(ids[document["type"]])
        assert request.headers["content-type"] == "application/json"
        seen[document["type"]] = document
    assert set(seen) == set(payloads)
    for topic, document in seen.items():
        assert document["data"] == payloads[topic]
        assert document["livemode"] is False
    assert seen["booking.rescheduled"]["data"]["previous_start"] == "2026-04-15T14:00:00Z"
    assert seen["booking.cancelled"]["data"]["cancel_reason"] == "Ill"


async def test_only_subscribed_enabled_endpoints_of_the_same_mode_receive_an_event(
    hooks: Hooks, live_headers, other_headers
) -> None:
    wanted = await hooks.make_endpoint(events=["booking.created"])
    await hooks.make_endpoint(events=["booking.cancelled"])  # not subscribed
    disabled = await hooks.make_endpoint(events=["booking.created"])
    await hooks.client.patch(
        f"/v1/webhooks/{disabled['id']}", json={"enabled": False}, headers=hooks.headers
    )
    await hooks.make_endpoint(events=["booking.created"], headers=live_headers)  # live mode
    await hooks.make_endpoint(events=["booking.created"], headers=other_headers)  # another account
    await hooks.send("booking.created")
    requests = await hooks.receiver.wait_for(1)
    assert len(requests) == 1
    Webhook(wanted["secret"]).verify(requests[0].body, requests[0].headers)
    assert [len(await hooks.deliveries(wanted))] == [1]
    assert await hooks.deliveries(disabled) == []


async def test_live_events_reach_live_endpoints_with_livemode_true(
    make_endpoint, emit, relay_pass, receiver: Receiver, live_headers, booking_data
) -> None:
    endpoint = await make_endpoint(headers=live_headers)
    await emit("booking.created", booking_data(livemode=True), livemode=True)
    await relay_pass()
    (request,) = await receiver.wait_for(1)
    assert Webhook(endpoint["secret"]).verify(request.body, request.headers)["livemode"] is True


async def test_a_receiver_failing_n_times_gets_the_event_n_plus_one_times_with_one_id(
    hooks: Hooks,
) -> None:
    endpoint = await hooks.make_endpoint()
    outbox_id = await hooks.send(
        "booking.created", 500, 503, Reply(status=429, body=b"slow down"), 200
    )
    for _ in range(3):
        delivery = await hooks.delivery(endpoint)
        assert delivery["status"] == "pending"
        assert delivery["attempt_count"] == len(hooks.receiver.requests)
        await hooks.retry_when_due(delivery)
    requests = await hooks.receiver.wait_for(4)
    assert len(requests) == 4
    assert {r.headers["webhook-id"] for r in requests} == {event_id_for(outbox_id)}
    verifier = Webhook(endpoint["secret"])
    for request in requests:  # every retry is signed afresh, within the verifier's 5 minutes
        verifier.verify(request.body, request.headers)
    delivery = await hooks.delivery(endpoint)
    assert delivery["status"] == "succeeded"
    assert delivery["attempt_count"] == 4
    assert delivery["next_attempt_at"] is None
    assert [a["response_status"] for a in delivery["attempts"]] == [500, 503, 429, 200]
    assert delivery["attempts"][2]["response_body"] == "slow down"
    assert delivery["attempts"][-1]["next_attempt_at"] is None
    for attempt in delivery["attempts"][:-1]:
        assert attempt["next_attempt_at"] is not None


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_410_disables_the_endpoint_and_says_why(hooks: Hooks) -> None:
    endpoint = await hooks.make_endpoint()
    await hooks.send("booking.created", 410)
    got = await hooks.endpoint(endpoint)
    assert got["enabled"] is False
    assert "410" in got["disabled_reason"]
    delivery = await hooks.delivery(endpoint)
    assert delivery["status"] == "failed"
    # Later events are not sent to it; re-enabling clears the reason.
    await hooks.send("booking.cancelled")
    assert len(hooks.receiver.requests) == 1
    again = await hooks.client.patch(
        f"/v1/webhooks/{endpoint['id']}", json={"enabled": True}, headers=hooks.headers
    )
    assert again.json()["enabled"] is True and "disabled_reason" not in again.json()


async def test_a_slow_receiver_times_out_and_is_retried(hooks: Hooks) -> None:
    hooks.state.settings.webhook_timeout_seconds = 0.3
    endpoint = await hooks.make_endpoint()
    await hooks.send("booking.created", HANG, 200)
    delivery = await hooks.delivery(endpoint)
    (attempt,) = delivery["attempts"]
    assert attempt["response_status"] is None
    assert "timed out" in attempt["error"]
    assert delivery["status"] == "pending"
    await hooks.retry_when_due(delivery)
    delivery = await hooks.delivery(endpoint)
    assert delivery["status"] == "succeeded"
    requests = hooks.receiver.requests
    assert len(requests) == 2
    assert requests[0].headers["webhook-id"] == requests[1].headers["webhook-id"]


async def test_redirects_are_not_followed(hooks: Hooks) -> None:
    endpoint = await hooks.make_endpoint()
    redirect = Reply(status=307, headers={"Location": hooks.receiver.url + "/elsewhere"}, body=b"")
    await hooks.send("booking.created", redirect)
    assert [r.target for r in hooks.receiver.requests] == ["/hooks"]
    delivery = await hooks.delivery(endpoint)
    assert delivery["status"] == "pending"
    assert delivery["attempts"][0]["response_status"] == 307


async def test_retry_after_is_honoured(hooks: Hooks) -> None:
    endpoint = await hooks.make_endpoint()
    await hooks.send("booking.created", Reply(status=503, headers={"Retry-After": "600"}))
    delivery = await hooks.delivery(endpoint)
    assert _parse(delivery["next_attempt_at"]) == hooks.clock.now() + timedelta(seconds=600)


async def test_response_bodies_are_stored_truncated(hooks: Hooks) -> None:
    endpoint = await hooks.make_endpoint()
    await hooks.send("booking.created", Reply(status=500, body=b"x" * 50_000))
    delivery = await hooks.delivery(endpoint)
    assert delivery["attempts"][0]["response_body"] == "x" * 1000


async def test_a_delivery_is_retried_for_at_least_72_hours_then_failed(hooks: Hooks) -> None:
    endpoint = await hooks.make_endpoint()
    started = hooks.clock.now()
    await hooks.send("booking.created", *([500] * 40))
    while True:
        delivery = await hooks.delivery(endpoint)
        if delivery["status"] != "pending":
            break
        await hooks.retry_when_due(delivery)
    assert delivery["status"] == "failed"
    attempts = delivery["attempts"]
    assert _parse(attempts[-1]["attempted_at"]) - started >= RETRY_WINDOW
    assert _parse(attempts[-2]["attempted_at"]) - started < RETRY_WINDOW
    gaps = [
        _parse(b["attempted_at"]) - _parse(a["attempted_at"])
        for a, b in itertools.pairwise(attempts)
    ]
    assert gaps[0] < timedelta(seconds=10) and max(gaps) <= timedelta(hours=15)
    assert gaps == sorted(gaps[:9]) + gaps[9:]  # growing, then capped
    assert len(hooks.receiver.requests) == len(attempts)
    # Still enabled: 3 days of failures are not 5.
    assert (await hooks.endpoint(endpoint))["enabled"] is True


async def test_an_endpoint_failing_for_five_days_is_disabled_with_a_reason(hooks: Hooks) -> None:
    endpoint = await hooks.make_endpoint()
    await hooks.send("booking.created", *([500] * 100))
    for _ in range(5):  # a new failing event every day keeps the endpoint failing
        hooks.clock.advance(days=1, seconds=1)
        await hooks.send("booking.updated")
        await hooks.retry_pass()
    got = await hooks.endpoint(endpoint)
    assert got["enabled"] is False
    assert "5 days" in got["disabled_reason"]
    assert await hooks.deliveries(endpoint, "?status=pending") == []


async def test_success_resets_the_failing_streak(hooks: Hooks) -> None:
    endpoint = await hooks.make_endpoint()
    hooks.receiver.script(500, 500, 500, 500, 200)
    for _ in range(4):
        await hooks.send("booking.updated")
        hooks.clock.advance(days=1, hours=1)
    await hooks.send("booking.updated")  # succeeds: the streak is over
    hooks.clock.advance(days=1, hours=1)
    await hooks.send("booking.updated", 500)
    assert (await hooks.endpoint(endpoint))["enabled"] is True


async def test_rotation_signs_with_both_secrets_for_24_hours(hooks: Hooks) -> None:
    endpoint = await hooks.make_endpoint()
    old = endpoint["secret"]
    rotated = await hooks.client.post(
        f"/v1/webhooks/{endpoint['id']}/rotate_secret", headers=hooks.headers
    )
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != old
    await hooks.send("booking.created")
    (request,) = await hooks.receiver.wait_for(1)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request.body, request.headers)
    Webhook(new).verify(request.body, request.headers)

    hooks.clock.advance(hours=24, seconds=1)
    await hooks.send("booking.updated")
    request = (await hooks.receiver.wait_for(2))[1]
    signatures = request.headers["webhook-signature"].split(" ")
    msg_id, stamp = request.headers["webhook-id"], int(request.headers["webhook-timestamp"])
    sent_at = datetime.fromtimestamp(stamp, tz=UTC)
    # The clock is a day ahead of the verifier's, so compare with the library's own signer.
    assert signatures == [Webhook(new).sign(msg_id, sent_at, request.body.decode())]
    assert Webhook(old).sign(msg_id, sent_at, request.body.decode()) not in signatures


async def test_a_wrong_secret_does_not_verify(hooks: Hooks) -> None:
    await hooks.make_endpoint()
    await hooks.send("booking.created")
    (request,) = await hooks.receiver.wait_for(1)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 44).verify(request.body, request.headers)


async def test_the_test_operation_sends_webhook_test_at_once(hooks: Hooks, validate_event) -> None:
    endpoint = await hooks.make_endpoint(events=["booking.created"])
    url = f"/v1/webhooks/{endpoint['id']}"
    response = await hooks.client.post(f"{url}/test", headers=hooks.headers)
    assert response.status_code == 202
    delivery = response.json()
    assert delivery["event_type"] == "webhook.test" and delivery["status"] == "pending"
    await (
        hooks.state.webhooks.drain()
    )  # no relay runs in tests: the send happens on its own, right away
    (request,) = await hooks.receiver.wait_for(1)
    document = Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert document["type"] == "webhook.test"
    assert document["data"]["webhook_id"] == endpoint["id"]
    assert validate_event(request.body) == []
    assert request.headers["webhook-id"] == delivery["event_id"]
    got = await hooks.client.get(f"{url}/deliveries/{delivery['id']}", headers=hooks.headers)
    assert got.json()["status"] == "succeeded"
    assert got.json()["attempts"][0]["response_status"] == 200


async def test_manual_retry_sends_again_with_the_same_id(hooks: Hooks) -> None:
    endpoint = await hooks.make_endpoint()
    await hooks.send("booking.created", 500)
    delivery = await hooks.delivery(endpoint)
    retry = f"/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}/retry"
    retried = await hooks.client.post(retry, headers=hooks.headers)
    assert retried.status_code == 202
    await hooks.state.webhooks.drain()
    requests = await hooks.receiver.wait_for(2)
    assert requests[0].headers["webhook-id"] == requests[1].headers["webhook-id"]
    delivery = await hooks.delivery(endpoint)
    assert delivery["status"] == "succeeded" and delivery["attempt_count"] == 2
    # A succeeded delivery can be sent again on request.
    await hooks.client.post(retry, headers=hooks.headers)
    await hooks.state.webhooks.drain()
    assert len(await hooks.receiver.wait_for(3)) == 3


async def test_running_an_outbox_row_again_creates_no_second_delivery(
    make_endpoint, emit, receiver: Receiver, state: AppState
) -> None:
    from astrocal_server.outbox.handlers import OutboxItem
    from astrocal_server.webhooks.fanout import handle

    await make_endpoint()
    outbox_id = await emit("booking.created")
    item = OutboxItem(
        id=outbox_id,
        account_id=(await _account_of(state, outbox_id)),
        livemode=False,
        kind="webhook",
        topic="booking.created",
        booking_id=None,
        payload={
            "type": "booking.created",
            "timestamp": "2026-04-10T12:00:00Z",
            "livemode": False,
            "data": {},
        },
        created_at=state.clock.now(),
        attempts=0,
    )
    await handle(item, state)
    await handle(item, state)  # a relay that died after the first run
    async with state.db.read() as session:
        rows = (
            await session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.event_id == event_id_for(outbox_id))
            )
        ).all()
    assert len(rows) == 1
    assert len(receiver.requests) == 1


async def _account_of(state: AppState, outbox_id: str) -> str:
    from astrocal_server.storage.models import OutboxMessage

    async with state.db.read() as session:
        row = await session.get(OutboxMessage, outbox_id)
    assert row is not None
    return row.account_id


async def test_a_secret_that_cannot_be_opened_is_logged_not_sent(hooks: Hooks) -> None:
    from astrocal_server.storage.models import WebhookEndpoint
    from sqlalchemy import update

    endpoint = await hooks.make_endpoint()
    async with hooks.state.db.write() as session:  # sealed under a key no longer in the keyring
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint["id"])
            .values(secret_enc="v1.gone.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        )
    before = len(hooks.receiver.requests)
    await hooks.send("booking.created")
    assert len(hooks.receiver.requests) == before
    delivery = await hooks.delivery(endpoint)
    assert delivery["status"] == "pending"
    assert "signing secret cannot be opened" in delivery["attempts"][0]["error"]
