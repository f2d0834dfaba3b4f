"""``astrocal webhooks listen``'s receiver: a small HTTP server on this machine, for trying webhooks
on a laptop without deploying anything.

Contract: each POST is checked with the SDK's signature verification when secrets are given
(answered ``400`` when it fails, ``204`` otherwise, as a real endpoint should) and handed to the
callback, one delivery at a time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Delivery", "Listener"]


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: dict[str, str]
    verified: bool | None  # None: no secret given, so not checked
    error: str | None

    @property
    def event(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


class Listener:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        secrets: list[str],
        tolerance: int,
        on_delivery: Callable[[Delivery], None],
    ) -> None:
        self.secrets = secrets
        self.tolerance = tolerance
        self.on_delivery = on_delivery
        self._lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                delivery = listener.check(body, {k.lower(): v for k, v in self.headers.items()})
                # A delivery that fails verification is answered 400, as a real endpoint should.
                self.send_response(400 if delivery.verified is False else 204)
                self.end_headers()
                with listener._lock:
                    listener.on_delivery(delivery)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)

    @property
    def url(self) -> str:
        # The bound socket's address: with port 0 the port the OS picked, and the host as a str
        # (server_address is typed to allow bytes).
        host, port = self.server.socket.getsockname()[:2]
        return f"http://{host}:{port}/"

    def check(self, body: bytes, headers: dict[str, str]) -> Delivery:
        if not self.secrets:
            return Delivery(body, headers, None, None)
        from astrocal_sdk import WebhookVerificationError
        from astrocal_sdk.webhooks import verify

        try:
            verify(body, headers, self.secrets, tolerance=self.tolerance)
        except WebhookVerificationError as exc:
            return Delivery(body, headers, False, str(exc))
        return Delivery(body, headers, True, None)

    def serve(self) -> None:
        self.server.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        self.server.shutdown()

    def close(self) -> None:
        self.server.server_close()
