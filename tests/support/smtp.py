"""A real SMTP server for tests and throwaway TLS files.

- ``smtp_sink``: a running aiosmtpd ``Controller`` on a free loopback port whose handler records every
  accepted message (``sink.messages`` → parsed ``EmailMessage`` with ``sink.envelopes`` alongside)
  and can be told to answer an address with a scripted reply (``sink.script(address, "451 …")``).
- ``start_sink(front=...)``: the same without the fixture; ``front`` may wrap the handler.
- ``holding_sink(hold=n)``: a sink that holds the n-th DATA (or the first ``holder.should_hold``
  picks) unanswered until released (a client killed mid-send), as ``(sink, holder)``; the
  ``held_sink`` fixture is that for the first DATA, or for the n-th with
  ``@pytest.mark.parametrize("held_sink", [n], indirect=True)``.
- ``kill_when_held(argv, holder)``: run a process, SIGKILL it once ``holder`` holds a DATA.
- ``running_sink(**smtp_kwargs)``: a started sink for the length of a ``with`` block.
- ``tls_files``: a throwaway CA and a server certificate for 127.0.0.1 (PEM paths).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import os
import ssl
import subprocess
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.support.live import free_socket


class SinkHandler:
    """aiosmtpd handler: accept and record, unless an address has a scripted reply queued."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.envelopes: list[tuple[str, list[str], bytes]] = []
        self._scripted: dict[str, deque[str]] = {}
        self.rcpt_attempts: list[str] = []

    def script(self, address: str, reply: str, *, times: int = 1) -> None:
        with self._lock:
            self._scripted.setdefault(address.lower(), deque()).extend([reply] * times)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self._lock:
            self.rcpt_attempts.append(address)
            queue = self._scripted.get(address.lower())
            if queue:
                return queue.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.envelopes.append(
                (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
            )
        return "250 Message accepted for delivery"


@dataclass
class Sink:
    handler: SinkHandler
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?timeout=5"

    @property
    def envelopes(self) -> list[tuple[str, list[str], bytes]]:
        return list(self.handler.envelopes)

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)
            for _, _, raw in self.handler.envelopes
        ]

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose envelope included ``address``."""
        return [
            email.message_from_bytes(raw, policy=email.policy.default)
            for _, rcpts, raw in self.handler.envelopes
            if address.lower() in (r.lower() for r in rcpts)
        ]

    def script(self, address: str, reply: str, *, times: int = 1) -> None:
        self.handler.script(address, reply, times=times)


class _BoundController(Controller):
    """A ``Controller`` serving on a socket bound before it starts, so the port cannot be taken
    by another process (a parallel test worker) between choosing it and listening on it."""

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        self._sock = free_socket()
        super().__init__(handler, hostname="127.0.0.1", port=self._sock.getsockname()[1], **kwargs)

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


def start_sink(
    front: Callable[[SinkHandler], Any] | None = None, **smtp_kwargs: Any
) -> tuple[Controller, Sink]:
    """Start aiosmtpd on a free port; ``front`` may wrap the recording handler (to hold or fail)."""
    handler = SinkHandler()
    controller = _BoundController(
        front(handler) if front else handler, ready_timeout=10, **smtp_kwargs
    )
    controller.start()
    return controller, Sink(handler=handler, port=controller.port)


class HoldingSink:
    """An aiosmtpd handler that holds one DATA (never answering it) until released: the
    ``hold``-th, or the first one ``should_hold`` picks if a test sets it; every other message
    goes to the recording handler. ``held_for`` names the held message's recipients."""

    def __init__(self, inner: SinkHandler, hold: int) -> None:
        self.inner = inner
        self.hold = hold
        self.should_hold: Callable[[Any], bool] | None = None  # given the envelope
        self.held_for: list[str] = []
        self.data_arrived = threading.Event()
        self.release = threading.Event()
        self._seen = 0

    async def handle_RCPT(self, *args: Any) -> str:
        return await self.inner.handle_RCPT(*args)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self._seen += 1
        picked = self.should_hold(envelope) if self.should_hold else self._seen == self.hold
        if picked and not self.data_arrived.is_set():  # hold once
            self.held_for = list(envelope.rcpt_tos)
            self.data_arrived.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 90)
            return "421 4.3.0 Client went away"  # never reaches the killed client; not delivered
        return await self.inner.handle_DATA(server, session, envelope)


@contextmanager
def holding_sink(hold: int = 1) -> Iterator[tuple[Sink, HoldingSink]]:
    """A sink that holds its ``hold``-th DATA until ``holder.release`` is set (or the block ends)."""
    holders: list[HoldingSink] = []

    def front(inner: SinkHandler) -> HoldingSink:
        holders.append(HoldingSink(inner, hold))
        return holders[0]

    controller, sink = start_sink(front)
    try:
        yield sink, holders[0]
    finally:
        holders[0].release.set()
        controller.stop()


async def kill_when_held(argv: list[str], holder: HoldingSink) -> bytes:
    """Run ``argv`` (without the test's ``ASTROCAL_`` environment) and SIGKILL it (no cleanup,
    nothing recorded from then on) once ``holder`` holds the DATA it sent; returns its stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASTROCAL_")}
    worker = subprocess.Popen(  # noqa: ASYNC220 - killed below, never awaited for long
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        arrived = await asyncio.to_thread(holder.data_arrived.wait, 90)
        assert arrived, worker.stderr.read().decode() if worker.poll() is not None else "no DATA"
        worker.kill()
        await asyncio.to_thread(worker.wait, 30)
    finally:
        if worker.poll() is None:
            worker.kill()
    return worker.stdout.read() if worker.stdout else b""


@pytest.fixture
def held_sink(request: pytest.FixtureRequest) -> Iterator[tuple[Sink, HoldingSink]]:
    with holding_sink(hold=getattr(request, "param", 1)) as pair:
        yield pair


@contextmanager
def running_sink(**smtp_kwargs: Any) -> Iterator[Sink]:
    """``start_sink(**smtp_kwargs)`` for the length of a ``with`` block."""
    controller, sink = start_sink(**smtp_kwargs)
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def smtp_sink() -> Iterator[Sink]:
    with running_sink() as sink:
        yield sink


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context presenting ``cert``."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)  # certificate validity only; nothing under test reads it
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Astrocal test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    files = TlsFiles(ca=folder / "ca.pem", cert=folder / "cert.pem", key=folder / "key.pem")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files
