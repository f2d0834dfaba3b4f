"""A loopback HTTP server that misbehaves on purpose, for the limits of outbound calls.

``misbehaving_server`` (a fixture) runs a raw-socket server in threads on a free loopback port.
Set ``server.mode`` before the call under test:

- ``"trickle"``: answers ``207`` headers promising a large body, then sends one byte every
  ``interval`` seconds for as long as the client listens. Every read completes well inside any
  per-read timeout, so only an overall deadline ends the call.
- ``"huge"``: answers ``207`` with ``Content-Length: declared`` (or none when ``declared`` is
  ``None``) and streams XML-looking bytes until the client hangs up or ``limit`` bytes are sent.

``server.requests`` lists the request lines seen; ``server.sent`` counts body bytes handed to the
socket (what a client that stops reading early never asked for stays unsent).
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import pytest

Mode = Literal["trickle", "huge"]
CHUNK = 64 * 1024


@dataclass
class MisbehavingServer:
    port: int
    mode: Mode = "trickle"
    interval: float = 0.05
    declared: int | None = 100_000
    limit: int = 64 * 1024 * 1024
    requests: list[str] = field(default_factory=list)
    sent: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dav/"


def _read_request(conn: socket.socket) -> str | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        (
            int(v)
            for k, _, v in (h.partition(":") for h in lines[1:])
            if k.lower() == "content-length"
        ),
        0,
    )
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return lines[0]


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        server = self.server.behaviour
        conn: socket.socket = self.request
        conn.settimeout(5)
        try:
            line = _read_request(conn)
            if line is None:
                return
            with server.lock:
                server.requests.append(line)
            length = f"Content-Length: {server.declared}\r\n" if server.declared is not None else ""
            conn.sendall(
                b"HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml; charset=utf-8\r\n"
                + length.encode()
                + b"Connection: close\r\n\r\n"
            )
            if server.mode == "trickle":
                while not server.stopped.is_set():
                    conn.sendall(b" ")
                    server.stopped.wait(server.interval)
                return
            prefix = b'<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">'
            conn.sendall(prefix)
            filler = b"<D:response><D:href>/x</D:href></D:response>" * (CHUNK // 44)
            while not server.stopped.is_set() and server.sent < server.limit:
                conn.sendall(filler)
                with server.lock:
                    server.sent += len(filler)
        except OSError:
            return  # the client hung up: what we wanted to see


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    behaviour: MisbehavingServer


@pytest.fixture
def misbehaving_server() -> Iterator[MisbehavingServer]:
    tcp = _Server(("127.0.0.1", 0), _Handler)
    server = tcp.behaviour = MisbehavingServer(port=tcp.server_address[1])
    thread = threading.Thread(target=tcp.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopped.set()
        tcp.shutdown()
        tcp.server_close()
        thread.join(timeout=5)
