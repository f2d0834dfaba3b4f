"""`astrocal webhooks …` against the live server, with a real loopback receiver that verifies each
delivery with the Standard Webhooks reference library."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook

from tests.support.cli import Receiver, Run, ok_json


def _settled(api: httpx.Client, webhook_id: str, delivery_id: str) -> dict[str, Any]:
    """The delivery once its attempt is recorded (the receiver answers before the server writes)."""
    for _ in range(500):
        delivery = api.get(f"/v1/webhooks/{webhook_id}/deliveries/{delivery_id}").json()
        if delivery["status"] != "pending" or delivery["attempt_count"]:
            return delivery
        threading.Event().wait(0.01)
    raise AssertionError(f"delivery {delivery_id} was never attempted")


def _verified(receiver: Receiver, secret: str) -> dict[str, Any]:
    """Check the signature with the reference library (it signs at the server's pinned time, which
    the library's freshness check would reject, so compare signatures rather than call verify)."""
    got = receiver.next()
    headers = {k.lower(): v for k, v in got["headers"].items()}
    when = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
    body = got["body"].decode()
    expected = Webhook(secret).sign(headers["webhook-id"], when, body)
    assert expected in headers["webhook-signature"].split(" ")
    return {"headers": headers, "payload": json.loads(body)}


def test_webhook_lifecycle(run: Run, api: httpx.Client, receiver: Receiver) -> None:
    created = ok_json(run("webhooks", "create", "--url", receiver.url, "--event", "booking.created",
                        "--description", "CLI test", "--json"))  # fmt: skip
    webhook_id, secret = created["id"], created["secret"]
    assert secret.startswith("whsec_") and created["events"] == ["booking.created"]
    assert {k: v for k, v in created.items() if k != "secret"} == api.get(
        f"/v1/webhooks/{webhook_id}"
    ).json()
    assert ok_json(run("webhooks", "list", "--json")) == api.get("/v1/webhooks").json()
    assert (
        ok_json(run("webhooks", "get", webhook_id, "--json"))
        == api.get(f"/v1/webhooks/{webhook_id}").json()
    )

    # A test event, signed, delivered to the receiver, and visible in the delivery log.
    sent = ok_json(run("webhooks", "test", webhook_id, "--json"))
    first = _verified(receiver, secret)
    assert first["payload"]["type"] == "webhook.test"
    delivery = _settled(api, webhook_id, sent["id"])
    assert delivery["status"] == "succeeded"
    log = ok_json(run("webhooks", "deliveries", webhook_id, "--json"))
    assert log == api.get(f"/v1/webhooks/{webhook_id}/deliveries").json()
    table = run("webhooks", "deliveries", webhook_id)
    assert table.exit_code == 0 and sent["id"] in table.stdout and "succeeded" in table.stdout
    assert "204" in table.stdout

    # Retry: the same event again, with the same webhook-id.
    retried = ok_json(run("webhooks", "retry", webhook_id, sent["id"], "--json"))
    assert retried["id"] == sent["id"]
    again = _verified(receiver, secret)
    assert again["headers"]["webhook-id"] == first["headers"]["webhook-id"]

    # Rotation asks first; afterwards the new secret verifies deliveries.
    assert run("webhooks", "rotate-secret", webhook_id).exit_code == 10
    rotated = run("webhooks", "rotate-secret", webhook_id, "--yes")
    assert rotated.exit_code == 0 and "New signing secret" in rotated.stdout
    new_secret = next(w for w in rotated.stdout.split() if w.startswith("whsec_"))
    ok_json(run("webhooks", "test", webhook_id, "--json"))
    assert _verified(receiver, new_secret)["payload"]["type"] == "webhook.test"

    assert run("webhooks", "delete", webhook_id).exit_code == 10
    assert run("webhooks", "delete", webhook_id, "--yes").exit_code == 0
    gone = run("webhooks", "get", webhook_id)
    assert gone.exit_code == 4 and "request id: req_" in gone.stderr


def test_webhook_errors(run: Run, receiver: Receiver) -> None:
    bad_url = run("webhooks", "create", "--url", "not a url")
    assert bad_url.exit_code == 6 and "param: url" in bad_url.stderr
    bad_event = run("webhooks", "create", "--url", "https://example.com/h", "--event", "nope")
    assert bad_event.exit_code == 6
    assert run("webhooks", "deliveries", "wh_doesnotexist").exit_code == 4
    assert run("webhooks", "retry", "wh_doesnotexist", "whd_nope").exit_code == 4
    human = run("webhooks", "create", "--url", receiver.url)
    assert human.exit_code == 0 and "Signing secret (shown once" in human.stdout
