"""Pure parts: Standard Webhooks signing against the reference library, and the retry rules."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from astrocal_server.webhooks.events import event_id_for
from astrocal_server.webhooks.schedule import (
    DISABLE_AFTER,
    RETRY_WINDOW,
    Decision,
    decide,
    next_delay,
    parse_retry_after,
)
from astrocal_server.webhooks.signing import (
    decode_secret,
    generate_secret,
    sign,
    signature_header,
    webhook_headers,
)
from standardwebhooks import Webhook

T0 = datetime(2026, 4, 13, 8, 0, tzinfo=UTC)


def _decide(**attempt: Any) -> Decision:
    """:func:`decide` for a first attempt at ``T0`` of a delivery created then, on an endpoint
    not failing so far, that answered 500; ``attempt`` replaces any of that."""
    fields: dict[str, Any] = {
        "now": T0,
        "status_code": 500,
        "error": None,
        "retry_after": None,
        "attempts_made": 1,
        "created_at": T0,
        "failing_since": None,
        **attempt,
    }
    return decide(**fields)


def test_signatures_match_the_reference_library() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_") and len(decode_secret(secret)) == 32
    body = '{"type":"booking.created","data":{"name":"Zoë"}}'.encode()
    expected = Webhook(secret).sign("whe_abc", T0, body.decode())
    assert sign(secret, "whe_abc", int(T0.timestamp()), body) == expected


def test_two_secrets_give_two_signatures_each_verifiable() -> None:
    old, new = generate_secret(), generate_secret()
    now = datetime.now(UTC)
    body = b'{"type":"webhook.test"}'
    headers = webhook_headers([new, old], "whe_1", int(now.timestamp()), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(body, headers)
    assert signature_header([new], "whe_1", 1, body) != signature_header([old], "whe_1", 1, body)


@pytest.mark.parametrize("bad", ["abc", "whsec_!!!", "whsec_"])
def test_malformed_secrets_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        decode_secret(bad)


def test_event_ids_are_derived_from_the_outbox_row() -> None:
    assert event_id_for("ob_4k2j9x") == "whe_4k2j9x"
    with pytest.raises(ValueError):
        event_id_for("nonsense")


def test_delays_grow_with_jitter_and_cap_at_12_hours() -> None:
    rng = random.Random(3)
    assert timedelta(seconds=4) <= next_delay(1, rng) <= timedelta(seconds=6)
    for n in range(1, 40):
        assert next_delay(n, rng) <= timedelta(hours=12) * 1.2
    assert len({next_delay(4, rng) for _ in range(10)}) == 10


@pytest.mark.parametrize("seed", range(5))
def test_retries_always_span_at_least_72_hours(seed: int) -> None:
    rng = random.Random(seed)
    now, attempts, failing = T0, 0, None
    while True:
        attempts += 1
        decision = _decide(now=now, attempts_made=attempts, failing_since=failing, rng=rng)
        failing = decision.failing_since
        if decision.status != "pending":
            break
        assert decision.next_attempt_at is not None and decision.next_attempt_at > now
        now = decision.next_attempt_at
    assert decision.status == "failed" and decision.disable_reason is None
    assert now - T0 >= RETRY_WINDOW
    assert now - T0 < RETRY_WINDOW + timedelta(hours=15)
    assert failing == T0


def test_success_clears_the_failing_streak_and_410_disables() -> None:
    ok = _decide(status_code=204, attempts_made=3, failing_since=T0 - timedelta(days=1))
    assert (ok.status, ok.failing_since, ok.next_attempt_at) == ("succeeded", None, None)
    gone = _decide(status_code=410)
    assert gone.status == "failed" and gone.disable_reason and "410" in gone.disable_reason


def test_five_days_of_failure_disables_the_endpoint() -> None:
    since = T0 - DISABLE_AFTER
    d = _decide(status_code=None, error="timed out", failing_since=since)
    assert d.status == "failed"
    assert (
        d.disable_reason is not None
        and "5 days" in d.disable_reason
        and "timed out" in d.disable_reason
    )
    almost = _decide(failing_since=since + timedelta(seconds=1))
    assert almost.status == "pending" and almost.disable_reason is None


def test_retry_after_wins_over_the_backoff_within_bounds() -> None:
    d = _decide(status_code=429, retry_after="120")
    assert d.next_attempt_at == T0 + timedelta(seconds=120)
    assert parse_retry_after("0", T0) == timedelta(seconds=1)
    assert parse_retry_after("9999999", T0) == timedelta(hours=24)
    http_date = "Mon, 13 Apr 2026 08:05:00 GMT"
    assert parse_retry_after(http_date, T0) == timedelta(minutes=5)
    assert parse_retry_after("soon", T0) is None
    assert parse_retry_after(None, T0) is None


def test_secrets_are_base64_of_32_random_bytes() -> None:
    a, b = generate_secret(), generate_secret()
    assert a != b
    assert len(base64.b64decode(a[6:])) == 32
