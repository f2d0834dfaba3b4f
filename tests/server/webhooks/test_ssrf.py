"""The SSRF guard: the address table, registration (400 with a clear message), every attempt
(DNS rebinding), and connecting to the address that was checked."""

from __future__ import annotations

import ipaddress
from typing import Any

import httpx
import pytest
from astrocal_server.state import AppState
from astrocal_server.webhooks.ssrf import (
    IPAddress,
    TargetGuard,
    TargetRefused,
    UnresolvableHost,
    parse_target_url,
    refusal_reason,
)

from tests.support.webhooks import Receiver

REFUSED = {
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "192.168.1.10": "private",
    "169.254.169.254": "link-local",  # cloud metadata
    "0.0.0.0": "unspecified",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "100.64.0.1": "non-public",  # carrier-grade NAT
    "198.18.0.1": "private",  # benchmarking
    "255.255.255.255": "private",
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fc00::1": "unique local",
    "fd12:3456::1": "unique local",
    "ff02::1": "multicast",
    "::ffff:127.0.0.1": "IPv4-mapped form of a loopback",
    "::ffff:10.0.0.1": "IPv4-mapped form of a private",
    "::ffff:169.254.169.254": "IPv4-mapped form of a link-local",
    "64:ff9b::7f00:1": "IPv4-embedding form of a loopback",  # NAT64 of 127.0.0.1
    "2002:a00:1::1": "IPv4-embedding form of a private",  # 6to4 of 10.0.0.1
}
ALLOWED = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize(("address", "reason"), sorted(REFUSED.items()))
def test_refused_addresses(address: str, reason: str) -> None:
    found = refusal_reason(ipaddress.ip_address(address))
    assert found is not None and found.startswith(reason), found


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.com/x", "https://"),
        ("https:///path", "host"),
        ("https://user:pw@example.com/", "user name"),
        ("https://example.com:99999/", "valid URL"),
        ("http://example.com/", "https://"),
    ],
)
def test_url_shape(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_target_url(url, allow_http=False)


def test_url_parts() -> None:
    assert parse_target_url("https://Example.com/h", allow_http=False) == (
        "https",
        "example.com",
        443,
    )
    assert parse_target_url("http://[::1]:8080/h", allow_http=True) == ("http", "::1", 8080)


class TableResolver:
    """DNS from a table the test controls (and can flip, to rebind)."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append(host)
        if host not in self.table:
            raise UnresolvableHost(f"{host} does not resolve")
        return [ipaddress.ip_address(a) for a in self.table[host]]


async def test_a_name_is_refused_if_any_of_its_addresses_is() -> None:
    guard = TargetGuard(resolver=TableResolver({"mixed.example": ["93.184.216.34", "10.0.0.5"]}))
    with pytest.raises(
        TargetRefused, match=r"mixed.example resolves to 10.0.0.5, which is a private"
    ):
        await guard.vet("mixed.example", 443)


@pytest.fixture
def strict(state: AppState) -> TableResolver:
    """The app refuses private targets and resolves names from a table."""
    resolver = TableResolver(
        {
            "hooks.example.com": ["93.184.216.34"],
            "internal.example.com": ["10.0.0.7"],
            "metadata.example.com": ["169.254.169.254"],
            "v6.example.com": ["::ffff:127.0.0.1"],
        }
    )
    guard = state.webhooks.guard
    guard.allow_private = False
    guard.resolver = resolver
    return resolver


REGISTRATION_CASES = [
    ("http://127.0.0.1:9/hook", "127.0.0.1 is a loopback address"),
    ("http://[::1]:9/hook", "::1 is a loopback address"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://10.0.0.1/hook", "private"),
    ("http://[fd00::1]/hook", "unique local"),
    ("http://[::ffff:7f00:1]/hook", "IPv4-mapped"),
    ("https://internal.example.com/hook", "internal.example.com resolves to 10.0.0.7"),
    ("https://metadata.example.com/hook", "169.254.169.254"),
    ("https://v6.example.com/hook", "IPv4-mapped form of a loopback"),
    ("https://nowhere.example.com/hook", "cannot be resolved"),
]


async def test_registration_refuses_internal_targets_with_a_clear_400(
    client: httpx.AsyncClient, auth_headers: dict[str, str], strict: TableResolver
) -> None:
    for url, says in REGISTRATION_CASES:
        r = await client.post(
            "/v1/webhooks", json={"url": url, "events": ["booking.created"]}, headers=auth_headers
        )
        assert r.status_code == 400, (url, r.text)
        error = r.json()["error"]
        assert error["param"] == "url"
        assert says in error["message"], (url, error["message"])
        if "resolve" not in says:
            assert error["code"] == "url_not_allowed"
            assert "ASTROCAL_ALLOW_PRIVATE_WEBHOOK_TARGETS" in error["message"]


async def test_registration_accepts_a_public_name(
    client: httpx.AsyncClient, auth_headers: dict[str, str], strict: TableResolver
) -> None:
    r = await client.post(
        "/v1/webhooks",
        json={"url": "https://hooks.example.com/astrocal", "events": ["booking.created"]},
        headers=auth_headers,
    )
    assert r.status_code == 201, r.text
    assert "hooks.example.com" in strict.asked


async def test_every_attempt_is_checked_again_dns_rebinding(
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    strict: TableResolver,
    emit: Any,
    relay_pass: Any,
    receiver: Receiver,
) -> None:
    url = f"http://rebind.example.com:{receiver.port}/hooks"
    strict.table["rebind.example.com"] = ["93.184.216.34"]  # public when registered…
    r = await client.post(
        "/v1/webhooks", json={"url": url, "events": ["booking.created"]}, headers=auth_headers
    )
    assert r.status_code == 201
    endpoint = r.json()
    strict.table["rebind.example.com"] = ["127.0.0.1"]  # …loopback when delivered
    await emit("booking.created")
    await relay_pass()
    assert receiver.requests == []  # nothing reached the loopback receiver
    deliveries = (
        await client.get(f"/v1/webhooks/{endpoint['id']}/deliveries", headers=auth_headers)
    ).json()["data"]
    (attempt,) = deliveries[0]["attempts"]
    assert attempt["response_status"] is None
    assert attempt["error"].startswith("refused: rebind.example.com resolves to 127.0.0.1")
    assert deliveries[0]["status"] == "pending"  # retried later: DNS may be fixed


async def test_the_connection_goes_to_the_checked_address(
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    state: AppState,
    emit: Any,
    relay_pass: Any,
    receiver: Receiver,
) -> None:
    """With private targets allowed (dev), a name the system cannot resolve still reaches the
    address the guard resolved: the socket is opened to that address, not re-resolved."""
    resolver = TableResolver({"pinned.invalid": ["127.0.0.1"]})
    state.webhooks.guard.resolver = resolver
    url = f"http://pinned.invalid:{receiver.port}/hooks"
    r = await client.post(
        "/v1/webhooks", json={"url": url, "events": ["booking.created"]}, headers=auth_headers
    )
    assert r.status_code == 201, r.text
    await emit("booking.created")
    await relay_pass()
    (request,) = await receiver.wait_for(1)
    assert request.headers["host"] == f"pinned.invalid:{receiver.port}"
    assert resolver.asked.count("pinned.invalid") >= 2  # at registration and at the attempt
