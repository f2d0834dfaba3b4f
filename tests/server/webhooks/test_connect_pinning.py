"""The delivery client connects to the address the SSRF guard checked, and nowhere else.

The resolver is the test's: it answers a public address the first time and a private one after
(rebinding between the check and the connect). The dialer records every socket it is asked to
open and resolves any host name it is handed through that same resolver, so an implementation that
checked one answer and then connected by name would reach the private address — here a loopback
listener that must see no connection. TLS keeps the URL's host name for SNI and the certificate
check although the socket goes to an IP address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import typing
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpcore
import pytest
from astrocal_server.webhooks.http_post import make_client, post
from astrocal_server.webhooks.ssrf import IPAddress, TargetGuard

from tests.support.smtp import TlsFiles
from tests.support.webhooks import Receiver

PUBLIC = "93.184.216.34"


class FlippingResolver:
    """``host`` resolves to ``first`` once, then to ``later`` for good."""

    def __init__(self, host: str, first: str, later: str) -> None:
        self.host, self.first, self.later = host, first, later
        self.answers = 0

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        assert host == self.host, host
        self.answers += 1
        return [ipaddress.ip_address(self.first if self.answers == 1 else self.later)]


class RecordingDialer(httpcore.AsyncNetworkBackend):
    """Opens real loopback sockets; records what it was asked to dial. ``routes`` stands in for
    the internet (the public address is served by a loopback receiver); a host name is resolved
    through ``resolver``, as the system's resolver would be."""

    def __init__(
        self, resolver: FlippingResolver, routes: dict[tuple[str, int], tuple[str, int]]
    ) -> None:
        self.resolver = resolver
        self.routes = routes
        self.dialled: list[tuple[str, int]] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        **_unused: Any,  # local_address, socket_options: loopback sockets need neither
    ) -> httpcore.AsyncNetworkStream:
        self.dialled.append((host, port))
        try:
            ipaddress.ip_address(host)
        except ValueError:  # a name: a second resolution, which may answer something else
            host = str((await self.resolver.resolve(host, port))[0])
        host, port = self.routes.get((host, port), (host, port))
        return await self._real.connect_tcp(host, port, timeout=timeout)

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)


class LoopbackServer:
    """An asyncio server on 127.0.0.1 (``ssl`` for TLS); subclasses answer in ``serve``."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.context = context
        self.port = 0
        self._server: asyncio.Server | None = None

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    @asynccontextmanager
    async def running(self) -> AsyncIterator[typing.Self]:
        self._server = await asyncio.start_server(self.serve, "127.0.0.1", 0, ssl=self.context)
        self.port = self._server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            self._server.close()
            await self._server.wait_closed()


class Trap(LoopbackServer):
    """The listener standing for the private address: it only counts connections."""

    connections = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()


@pytest.fixture
async def trap() -> AsyncIterator[Trap]:
    async with Trap().running() as running:
        yield running


async def test_a_name_that_rebinds_after_the_check_never_reaches_the_private_address(
    trap: Trap, receiver: Receiver
) -> None:
    resolver = FlippingResolver("flip.example", first=PUBLIC, later="127.0.0.1")
    dialer = RecordingDialer(resolver, routes={(PUBLIC, trap.port): ("127.0.0.1", receiver.port)})
    guard = TargetGuard(allow_private=False, resolver=resolver)
    url = f"http://flip.example:{trap.port}/hooks"

    async with make_client(guard, timeout=5, dialer=dialer) as client:
        outcome = await post(client, url, body=b"{}", headers={}, deadline=5)

    assert outcome.status == 200, outcome
    (request,) = receiver.requests
    assert request.headers["host"] == f"flip.example:{trap.port}"  # the name, not the address
    assert dialer.dialled == [(PUBLIC, trap.port)]  # the checked address, as a literal
    assert resolver.answers == 1  # nothing resolved the name a second time
    assert trap.connections == 0

    # A new connection checks again; the private answer is refused before any dial.
    async with make_client(guard, timeout=5, dialer=dialer) as client:
        refused = await post(client, url, body=b"{}", headers={}, deadline=5)

    assert refused.status is None
    assert refused.error is not None
    assert refused.error.startswith("refused: flip.example resolves to 127.0.0.1"), refused.error
    assert dialer.dialled == [(PUBLIC, trap.port)]
    assert trap.connections == 0
    assert len(receiver.requests) == 1


class TlsReceiver(LoopbackServer):
    """An HTTPS receiver with a certificate for ``localhost`` and ``127.0.0.1``; it records the
    SNI name and the ``Host`` header of each request and answers 200."""

    def __init__(self, files: TlsFiles) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(files.cert, files.key)
        context.sni_callback = self._sni
        super().__init__(context)
        self.sni: list[str | None] = []
        self.hosts: list[str] = []

    def _sni(self, _sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        self.sni.append(name)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "host":
                    self.hosts.append(value.strip())
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
        finally:
            writer.close()


@pytest.fixture
async def tls_receiver(tls_files: TlsFiles) -> AsyncIterator[TlsReceiver]:
    async with TlsReceiver(tls_files).running() as running:
        yield running


class TableResolver:
    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address(self.table[host])]


async def test_tls_checks_the_certificate_against_the_host_name_not_the_address(
    tls_receiver: TlsReceiver, tls_files: TlsFiles
) -> None:
    """The socket goes to 127.0.0.1, which the certificate also names; a URL whose host name the
    certificate does not name must still fail, so the check is against the name."""
    resolver = TableResolver({"localhost": "127.0.0.1", "wrong.example": "127.0.0.1"})
    guard = TargetGuard(allow_private=True, resolver=resolver)  # loopback stands for a server
    trust = ssl.create_default_context(cafile=str(tls_files.ca))

    async with make_client(guard, timeout=5, ssl_context=trust) as client:
        good = await post(
            client, f"https://localhost:{tls_receiver.port}/h", body=b"{}", headers={}, deadline=5
        )
        bad = await post(
            client,
            f"https://wrong.example:{tls_receiver.port}/h",
            body=b"{}",
            headers={},
            deadline=5,
        )

    assert good.status == 200, good
    assert tls_receiver.hosts == [f"localhost:{tls_receiver.port}"]
    assert tls_receiver.sni[0] == "localhost"
    assert bad.status is None
    assert bad.error is not None and "certificate" in bad.error.lower(), bad.error
    assert tls_receiver.hosts == [f"localhost:{tls_receiver.port}"]  # nothing sent to it
