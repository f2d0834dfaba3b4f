"""CLI test support: the types the CLI fixtures hand out (see ``tests/cli/conftest.py``).

- ``RunningServer``: the reference server on a loopback port (``url``, ``database_url``, ``clock``,
  ``app``).
- ``Run`` / ``RunProcess``: the ``run`` (Typer's ``CliRunner``) and ``run_process`` (a real
  ``python -m astrocal_cli`` subprocess, answering a ``Completed``) fixtures' call signatures.
- ``DeliveryReceiver``: a loopback HTTP endpoint (a thread) recording webhook deliveries.
- ``ok_json``: what a ``--json`` command printed, once it is sure the command succeeded.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from typer.testing import Result


@dataclass
class RunningServer:
    url: str
    database_url: str
    clock: Any
    app: Any


Run = Callable[..., Result]


def ok_json(result: Result) -> Any:
    """The JSON a ``run`` printed on stdout; the run must have exited 0."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


RunProcess = Callable[..., Completed]


@dataclass
class DeliveryReceiver:
    url: str
    deliveries: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)

    def next(self, timeout: float = 10.0) -> dict[str, Any]:
        return self.deliveries.get(timeout=timeout)


# The name the CLI tests know it by.
Receiver = DeliveryReceiver


@contextmanager
def delivery_receiver() -> Iterator[DeliveryReceiver]:
    """Record every POST (headers and body) and answer 204, on a free loopback port."""
    deliveries: queue.Queue[dict[str, Any]] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            deliveries.put({"headers": dict(self.headers.items()), "body": body})
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield DeliveryReceiver(
            url=f"http://127.0.0.1:{httpd.server_address[1]}/hook", deliveries=deliveries
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
