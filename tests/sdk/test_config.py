"""Configuration: arguments, then ASTROCAL_API_KEY / ASTROCAL_BASE_URL / ASTROCAL_API_URL."""

from __future__ import annotations

import httpx
import pytest
import respx
from astrocal_sdk import DEFAULT_BASE_URL, Astrocal, AsyncAstrocal, MissingAPIKeyError

ACCOUNT = {
    "id": "acct_1",
    "name": "Co",
    "time_zone": "UTC",
    "plan": "free",
    "created_at": "2026-04-13T08:00:00Z",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ASTROCAL_API_KEY", "ASTROCAL_BASE_URL", "ASTROCAL_API_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("client_cls", [Astrocal, AsyncAstrocal])
def test_a_missing_key_fails_at_construction_saying_how_to_fix_it(client_cls: type) -> None:
    with pytest.raises(MissingAPIKeyError, match="ASTROCAL_API_KEY"):
        client_cls()


def test_key_and_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASTROCAL_API_KEY", "sk_test_env")
    monkeypatch.setenv("ASTROCAL_BASE_URL", "http://env.test/")
    client = Astrocal()
    assert client.api_key == "sk_test_env"
    assert client.base_url == "http://env.test"


def test_api_url_is_accepted_and_base_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASTROCAL_API_KEY", "sk_test_env")
    monkeypatch.setenv("ASTROCAL_API_URL", "http://api-url.test")
    assert Astrocal().base_url == "http://api-url.test"
    monkeypatch.setenv("ASTROCAL_BASE_URL", "http://base-url.test")
    assert Astrocal().base_url == "http://base-url.test"


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASTROCAL_API_KEY", "sk_test_env")
    monkeypatch.setenv("ASTROCAL_BASE_URL", "http://env.test")
    client = Astrocal(api_key="sk_test_arg", base_url="http://arg.test")
    assert (client.api_key, client.base_url) == ("sk_test_arg", "http://arg.test")


def test_default_base_url_is_where_astrocal_serve_listens() -> None:
    assert DEFAULT_BASE_URL == "http://127.0.0.1:8000"
    assert Astrocal(api_key="sk_test_x").base_url == DEFAULT_BASE_URL


@respx.mock
def test_with_options_overrides_per_client_and_shares_the_pool() -> None:
    route = respx.get("http://other.test/v1/account").respond(json=ACCOUNT)
    client = Astrocal(api_key="sk_test_a", base_url="http://a.test", max_retries=5)
    other = client.with_options(
        api_key="sk_test_b", base_url="http://other.test", max_retries=0, timeout=3.0,
        default_headers={"X-Team": "ops"},
    )  # fmt: skip
    assert other._http is client._http
    assert (other.max_retries, other.timeout, client.max_retries) == (0, 3.0, 5)
    other.account.retrieve()
    sent = route.calls.last.request
    assert sent.headers["authorization"] == "Bearer sk_test_b"
    assert sent.headers["x-team"] == "ops"
    assert sent.extensions["timeout"] == httpx.Timeout(3.0).as_dict()


@respx.mock
def test_per_request_timeout_and_extra_headers_and_query() -> None:
    route = respx.get("http://a.test/v1/account").respond(json=ACCOUNT)
    client = Astrocal(api_key="sk_test_a", base_url="http://a.test")
    client.account.retrieve(
        timeout=1.5, extra_headers={"X-Trace": "t1"}, extra_query={"expand": "x"}
    )
    sent = route.calls.last.request
    assert sent.extensions["timeout"] == httpx.Timeout(1.5).as_dict()
    assert sent.headers["x-trace"] == "t1"
    assert sent.url.params["expand"] == "x"
    assert sent.headers["user-agent"].startswith("astrocal-python/")


@respx.mock
def test_every_request_carries_the_bearer_key() -> None:
    route = respx.get("http://a.test/v1/account").respond(json=ACCOUNT)
    Astrocal(api_key="sk_test_a", base_url="http://a.test").account.retrieve()
    assert route.calls.last.request.headers["authorization"] == "Bearer sk_test_a"


async def test_async_client_closes_its_own_pool_but_not_a_given_one() -> None:
    given = httpx.AsyncClient()
    client = AsyncAstrocal(api_key="sk_test_a", http_client=given)
    async with client:
        pass
    assert not given.is_closed
    await given.aclose()
    owned = AsyncAstrocal(api_key="sk_test_a")
    await owned.close()
    assert owned._http.is_closed
