"""`astrocal webhooks listen`: a local receiver that verifies each delivery (Standard Webhooks)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
from standardwebhooks import Webhook

from tests.support.live import free_socket as _free_socket

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def _signed(body: str, secret: str = SECRET) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "webhook-id": "whe_test1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign("whe_test1", now, body),
        "content-type": "application/json",
    }


def test_listen_verifies_and_prints_deliveries(tmp_path: Path) -> None:
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "ASTROCAL_CONFIG_DIR": str(tmp_path), "COLUMNS": "200", "TZ": "UTC"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "astrocal_cli", "webhooks", "listen", "--port", str(port),
         "--secret", SECRET, "--count", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        assert "Listening on" in proc.stderr.readline()  # ready: the socket is bound
        url = f"http://127.0.0.1:{port}/"
        body = json.dumps(
            {"type": "booking.created", "timestamp": "2026-04-13T08:00:00Z", "livemode": False,
             "data": {"id": "bk_abc123"}}
        )  # fmt: skip
        assert httpx.post(url, content=body, headers=_signed(body)).status_code == 204
        tampered = _signed(body)
        assert httpx.post(url, content=body + " ", headers=tampered).status_code == 400
        stdout, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    first, second = stdout.strip().splitlines()
    assert "booking.created" in first and "bk_abc123" in first and "verified" in first
    assert "REJECTED" in second
