"""The SSRF guard: webhook targets must be public addresses, checked where the connection is made.

A URL is vetted at registration (a clear 400) and again on every attempt, inside the HTTP client's
network layer (:class:`GuardedNetworkBackend`, an ``httpcore.AsyncNetworkBackend``): the host is
resolved once, every address it resolves to is checked, and the socket is opened to one of those
checked addresses, given to the dialer as an IP literal — never to a second, independent
resolution. So a DNS record that flips to an internal address after registration (rebinding), or
between the check and the connect, is caught: there is no window between the two. The URL's host
name is kept for everything above the socket (the ``Host`` header, TLS SNI and the certificate
check), which is httpcore's job.

Refused: loopback, private (RFC 1918, IPv6 ULA fc00::/7), link-local (169.254.0.0/16 with the cloud
metadata address 169.254.169.254, fe80::/10), multicast, unspecified, reserved and other
non-global ranges, and the IPv6 forms that embed an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``,
NAT64, 6to4, Teredo) when the embedded address is refused. ``allow_private`` (a server setting for
development and tests) skips the address check but still connects to the resolved address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import typing
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

import httpcore

__all__ = [
    "BlockedTarget",
    "GuardedNetworkBackend",
    "IPAddress",
    "Resolver",
    "SystemResolver",
    "TargetGuard",
    "TargetRefused",
    "UnresolvableHost",
    "parse_target_url",
    "refusal_reason",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")


class TargetRefused(Exception):
    """The target resolves to an address webhooks may not reach."""


class UnresolvableHost(Exception):
    """The target's host name does not resolve."""


class BlockedTarget(httpcore.ConnectError):
    """Raised inside the HTTP client when an attempt's target is refused (httpx wraps it)."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def refusal_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a webhook target (``"loopback"``, ``"private"``…), or ``None`` if it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "link-local (scoped IPv6)"
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = refusal_reason(inner)
            kind = "IPv4-mapped" if ip.ipv4_mapped is not None else "IPv4-embedding"
            return f"{kind} form of a {reason} address" if reason else None
        if ip in _NAT64_LOCAL:
            return "local-use NAT64"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata lives here)"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.IPv6Network("fc00::/7"):
        return "unique local (IPv6 ULA)"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-public"
    return None


def parse_target_url(url: str, *, allow_http: bool) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an acceptable webhook URL; ``ValueError`` says what is wrong."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError("is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise ValueError("must be an absolute https:// URL")
    if scheme == "http" and not allow_http:
        raise ValueError("must use https:// (plain http:// is accepted only in development)")
    host = parts.hostname
    if not host:
        raise ValueError("must include a host name, such as https://example.com/webhooks")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain a user name or password")
    if any(c.isspace() for c in url):
        raise ValueError("must not contain spaces")
    return scheme, host, port or (443 if scheme == "https" else 80)


class Resolver(Protocol):
    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address ``host`` resolves to, in the order to try them."""
        ...


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class SystemResolver:
    """The operating system's resolver (``getaddrinfo``), off the event loop."""

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        literal = _literal(host)
        if literal is not None:
            return [literal]
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except (socket.gaierror, UnicodeError) as exc:
            raise UnresolvableHost(f"{host} does not resolve ({exc})") from None
        found: list[IPAddress] = []
        for _family, _type, _proto, _canon, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            if ip not in found:
                found.append(ip)
        if not found:
            raise UnresolvableHost(f"{host} does not resolve")
        return found


@dataclass
class TargetGuard:
    """Resolves and vets webhook hosts. ``resolver`` may be swapped (tests use a fixed table)."""

    allow_private: bool = False
    resolver: Resolver = field(default_factory=SystemResolver)

    async def vet(self, host: str, port: int) -> list[IPAddress]:
        """The addresses to connect to; ``TargetRefused`` if any of them is not allowed."""
        literal = _literal(host)
        addresses = [literal] if literal is not None else await self.resolver.resolve(host, port)
        if self.allow_private:
            return addresses
        for ip in addresses:
            reason = refusal_reason(ip)
            if reason is not None:
                where = host if literal is not None else f"{host} resolves to {ip}, which"
                raise TargetRefused(
                    f"{where} is a {reason} address; webhook URLs must reach a public address "
                    "(private targets are allowed only when the server sets "
                    "ASTROCAL_ALLOW_PRIVATE_WEBHOOK_TARGETS=true, for development)"
                )
        return addresses


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer with the guard in front of every TCP connect.

    ``dialer`` opens the sockets (httpcore's public ``AnyIOBackend`` unless a test records the
    dials); it is only ever handed an address the guard has just checked.
    """

    def __init__(
        self, guard: TargetGuard, dialer: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._guard = guard
        self._inner = dialer if dialer is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self._guard.vet(host, port)
        except TargetRefused as exc:
            raise BlockedTarget(f"refused: {exc}") from None
        except UnresolvableHost as exc:
            raise httpcore.ConnectError(str(exc)) from None
        last: Exception | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedTarget("refused: webhooks are never delivered over unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
