"""A known API key is recognised without a database query, and a change made by another server
process (a revocation, an account update) takes effect on this process's very next request.

``accounts/keycache.py`` states how: on SQLite the size of a file beside the database, checked
with one ``stat`` per request; on PostgreSQL ``LISTEN``/``NOTIFY`` at commit. Both are driven here
with two real server processes sharing one database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.accounts.keycache import (
    ACK_CHANNEL,
    FileGeneration,
    KeyCache,
    LocalGeneration,
    NotifyGeneration,
    generation_for,
)

from tests.support.app import bearer
from tests.support.races import clients_of


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The key lookups that reach the database (SQLite's fast path bypasses engine events, so
    the service's one lookup function is counted instead)."""
    from astrocal_server.accounts import service

    seen: list[str] = []
    find = service._find_by_digest

    async def counted(conn: Any, digest: str) -> Any:
        seen.append(digest)
        return await find(conn, digest)

    monkeypatch.setattr(service, "_find_by_digest", counted)
    return seen


async def test_a_known_key_costs_no_query(
    client: httpx.AsyncClient, account: NewAccount, lookups: list[str]
) -> None:
    headers = bearer(account.live_key.secret)
    for _ in range(3):
        r = await client.get("/v1/account", headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["id"] == account.account.id
    assert len(lookups) == 1


async def test_an_unknown_key_is_checked_every_time(
    client: httpx.AsyncClient, account: NewAccount, lookups: list[str]
) -> None:
    unknown = bearer("sk_live_" + "x" * 43)
    for _ in range(2):
        r = await client.get("/v1/account", headers=unknown)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_api_key"
    assert len(lookups) == 2


async def test_a_revocation_in_this_process_applies_at_once(
    client: httpx.AsyncClient, account: NewAccount
) -> None:
    owner = bearer(account.live_key.secret)
    doomed = bearer(account.test_key.secret)
    assert (await client.get("/v1/account", headers=doomed)).status_code == 200
    r = await client.delete(f"/v1/api_keys/{account.test_key.key.id}", headers=owner)
    assert r.status_code == 200, r.text
    r = await client.get("/v1/account", headers=doomed)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "api_key_revoked"


async def test_a_key_revoked_by_another_process_is_refused_on_the_next_request(
    account: NewAccount, two_processes: list[str]
) -> None:
    owner = bearer(account.live_key.secret)
    async with clients_of(two_processes, 1) as (first, second):
        created = await second.post(
            "/v1/api_keys", headers=owner, json={"name": "doomed", "mode": "live"}
        )
        assert created.status_code == 201, created.text
        doomed = bearer(created.json()["secret"])
        for _ in range(3):  # the first process now knows the key
            assert (await first.get("/v1/account", headers=doomed)).status_code == 200
        revoked = await second.delete(f"/v1/api_keys/{created.json()['id']}", headers=owner)
        assert revoked.status_code == 200, revoked.text
        r = await first.get("/v1/account", headers=doomed)
        assert r.status_code == 401, r.text
        assert r.json()["error"]["code"] == "api_key_revoked"
        # The owner's key, cached in the first process too, still works.
        assert (await first.get("/v1/account", headers=owner)).status_code == 200


async def test_an_account_change_by_another_process_shows_on_the_next_request(
    account: NewAccount, two_processes: list[str]
) -> None:
    owner = bearer(account.live_key.secret)
    template = "https://book.example.com/manage/{token}"
    async with (
        httpx.AsyncClient(base_url=two_processes[0], timeout=120) as first,
        httpx.AsyncClient(base_url=two_processes[1], timeout=120) as second,
    ):
        before = await first.get("/v1/account", headers=owner)
        assert before.status_code == 200, before.text
        assert before.json().get("invitee_url_template") != template
        changed = await second.patch(
            "/v1/account", headers=owner, json={"invitee_url_template": template}
        )
        assert changed.status_code == 200, changed.text
        after = await first.get("/v1/account", headers=owner)
        assert after.json()["invitee_url_template"] == template


def test_each_database_gets_its_generation(tmp_path: Path) -> None:
    assert isinstance(generation_for("sqlite+aiosqlite://"), LocalGeneration)
    on_file = generation_for(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    assert isinstance(on_file, FileGeneration)
    assert on_file.path == tmp_path / "a.db-auth"
    on_pg = generation_for("postgresql+asyncpg://postgres@127.0.0.1:5432/x")
    assert isinstance(on_pg, NotifyGeneration)
    assert on_pg.dsn == "postgresql://postgres@127.0.0.1:5432/x"


async def test_a_file_generation_only_grows(tmp_path: Path) -> None:
    generation = FileGeneration(tmp_path / "db-auth")
    assert generation.current() == 0
    await generation.committed(None)
    await generation.committed(None)
    assert generation.current() == 2


def test_nothing_is_trusted_while_postgresql_is_not_listening() -> None:
    generation = NotifyGeneration("postgresql://127.0.0.1:1/none")
    assert generation.current() is None
    cache = KeyCache(generation)
    marker: Any = object()
    cache.put("digest", marker, marker, cache.begin())
    assert cache.get("digest", cache.begin()) is None


def test_an_entry_read_before_a_change_is_not_kept() -> None:
    generation = LocalGeneration()
    cache = KeyCache(generation)
    marker: Any = object()
    started = cache.begin()  # a lookup starts under one generation …
    generation._value += 1  # … a change commits while it reads the database …
    cache.begin()  # … and another request has already seen the new generation
    cache.put("digest", marker, marker, started)
    assert cache.get("digest", cache.begin()) is None


async def test_a_change_answers_only_once_every_listening_process_has_moved_on(
    db_url: str,
) -> None:
    """PostgreSQL delivers a notification to each listener when that listener's backend and
    process get to it: another process may hear it after the changer's own listener did. The
    change waits for every listener's acknowledgement, each sent once its generation moved on."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's listeners")
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    changer, other = generation_for(db_url), generation_for(db_url)
    assert isinstance(changer, NotifyGeneration) and isinstance(other, NotifyGeneration)
    held, release = asyncio.Event(), asyncio.Event()
    hear = other._on_notify
    late: list[asyncio.Task[None]] = []

    def busy(conn: Any, pid: int, channel: str, payload: str) -> None:
        """The other process's loop is busy: the news waits until the test releases it."""
        if channel == ACK_CHANNEL:
            hear(conn, pid, channel, payload)
            return

        async def later() -> None:
            held.set()
            await release.wait()
            hear(conn, pid, channel, payload)

        late.append(asyncio.create_task(later()))

    other._on_notify = busy  # type: ignore[method-assign]
    listeners = [asyncio.create_task(g.listen()) for g in (changer, other)]
    engine = create_async_engine(db_url)
    try:
        await asyncio.wait_for(changer.listening.wait(), 10)
        await asyncio.wait_for(other.listening.wait(), 10)
        before = other.current()
        assert before is not None
        async with AsyncSession(engine) as session, session.begin():
            token = await changer.announce(session)
        assert token is not None and changer._acks[token].expected == 2
        committing = asyncio.create_task(changer.committed(token))
        await asyncio.wait_for(held.wait(), 10)  # the other listener has it, not acted on yet
        done, _ = await asyncio.wait({committing}, timeout=0.3)
        assert not done  # so the change does not answer yet
        release.set()
        await asyncio.wait_for(committing, 10)
        assert (other.current() or 0) > before
        assert token not in changer._acks
    finally:
        for task in listeners + late:
            task.cancel()
        await asyncio.gather(*listeners, *late, return_exceptions=True)
        await engine.dispose()
