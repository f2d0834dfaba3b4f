"""The relay's work per batch, counted (not timed), on SQLite and PostgreSQL:

- a claim is one statement (on PostgreSQL in autocommit, with no read before it; on SQLite after
  the read that keeps an idle poll off the write lock), which also notes each booking's later rows
  so completing a row still hands its worker the next one;
- the webhook fan-outs of rows that start together read the endpoints in one query, on
  ``Database.fetch_all``'s cheap path;
- commits that arrive while the relay loop waits out its ``coalesce`` window are taken by one
  claim and settled by one statement (the wait is injected: no real sleep), but a claim that took
  all the loop's free capacity (a backlog) is followed by the next without that wait;
- the claim and settle statements are built once, and a settle runs them as Core statements on
  its transaction's connection (no ORM statement, no statement construction per batch).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.ids import new_id
from astrocal_server.outbox import relay as relay_module
from astrocal_server.outbox.handlers import OutboxItem
from astrocal_server.outbox.relay import OutboxRelay, RelayLoop
from astrocal_server.state import AppState
from astrocal_server.storage.models import OutboxMessage
from astrocal_server.webhooks import fanout
from sqlalchemy import delete, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.app import MakeAccount
from tests.support.outbox_rows import enqueue_rows
from tests.support.round_trips import checkouts
from tests.support.webhooks import MakeEndpoint

KIND = "batchtest"


@pytest.fixture(autouse=True)
async def _empty_outbox(state: AppState) -> None:
    """Claims see every row: start each test with an empty outbox (the module shares a database)."""
    async with state.db.write() as session:
        await session.execute(delete(OutboxMessage))


@contextmanager
def statements(state: AppState) -> Iterator[list[tuple[str, int]]]:
    """Every statement run on the state's engine meanwhile, with the rows it changed or returned
    (``BEGIN``, ``COMMIT`` and the pool's pings included as the driver sees them: not at all)."""
    seen: list[tuple[str, int]] = []

    def record(_conn: Any, cursor: Any, sql: str, *_args: Any) -> None:
        seen.append((" ".join(sql.split()).upper(), getattr(cursor, "rowcount", -1)))

    engine = state.db.engine.sync_engine
    event.listen(engine, "after_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", record)


def handled(calls: list[str]) -> Any:
    def load(kind: str) -> Any:
        assert kind == KIND

        async def handler(item: OutboxItem, _state: AppState) -> None:
            calls.append(item.payload["tag"])

        return handler

    return load


async def test_a_claim_is_one_statement_and_still_hands_over_the_next_row(
    state: AppState, account: NewAccount
) -> None:
    bookings = [new_id("bk") for _ in range(5)]
    rows = ((b, {"tag": f"{b}:{n}"}) for n in (1, 2) for b in bookings)
    await enqueue_rows(state, account, rows, kind=KIND, topic="booking.created")
    calls: list[str] = []
    relay = OutboxRelay(state, owner="w1", loader=handled(calls))
    reads: list[Any] = []
    fetch_all = state.db.fetch_all

    async def counted_read(stmt: Any, params: Any) -> Any:
        reads.append(stmt)
        return await fetch_all(stmt, params)

    state.db.fetch_all = counted_read  # type: ignore[method-assign]
    with statements(state) as seen:
        items = await relay.claim(50)
    del state.db.fetch_all
    assert sorted(i.payload["tag"] for i in items) == [f"{b}:1" for b in sorted(bookings)]
    claims = [sql for sql, _ in seen if sql.startswith("UPDATE OUTBOX")]
    others = [sql for sql, _ in seen if not sql.startswith("UPDATE OUTBOX")]
    assert len(claims) == 1, seen
    if state.db.dialect == "postgresql":
        assert others == [] and reads == []  # no read first, no BEGIN/COMMIT, no second query
    else:
        # The read first (on the cheapest read path, which no statement listener sees), then
        # the claim in its write transaction.
        assert len(reads) == 1 and [sql.split()[0] for sql in others] in (["BEGIN"], []), others
    following = await relay.process(items[0])  # the claim noted the booking's second row
    assert following is not None and following.payload["tag"] == items[0].payload["tag"][:-1] + "2"


async def test_a_booking_with_one_row_left_is_not_asked_for_a_next_one(
    state: AppState, account: NewAccount
) -> None:
    """The claim notes a later row per booking from that booking's rows alone: a one-row booking
    beside a three-row one completes with no next-row claim."""
    one, three = new_id("bk"), new_id("bk")
    rows = [(one, {"tag": "one:1"})] + [(three, {"tag": f"three:{n}"}) for n in (1, 2, 3)]
    await enqueue_rows(state, account, rows, kind=KIND, topic="booking.created")
    calls: list[str] = []
    relay = OutboxRelay(state, owner="w1", loader=handled(calls))
    items = {i.payload["tag"]: i for i in await relay.claim(50)}
    assert sorted(items) == ["one:1", "three:1"]
    with statements(state) as seen:
        assert await relay.process(items["one:1"]) is None
    assert not [sql for sql, _ in seen if "MIN(UNFINISHED.BOOKING_SEQ)" in sql], seen
    following = await relay.process(items["three:1"])
    assert following is not None and following.payload["tag"] == "three:2"


async def test_claims_and_settles_build_no_statement_and_use_no_orm(
    state: AppState, account: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    relay = OutboxRelay(state, owner="w1", loader=handled(calls))
    rows = [(b, {"tag": f"{b}:{n}"}) for b in (new_id("bk"), new_id("bk")) for n in (1, 2)]
    await enqueue_rows(state, account, rows, kind=KIND, topic="booking.created")
    assert await relay.run_once() == 4  # the statements are built on first use
    await enqueue_rows(state, account, rows, kind=KIND, topic="booking.created")
    built: list[str] = []
    orm: list[Any] = []

    def counted(name: str, real: Any) -> Any:
        def build(*args: Any, **kwargs: Any) -> Any:
            built.append(name)
            return real(*args, **kwargs)

        return build

    for name in ("select", "update", "bindparam"):
        monkeypatch.setattr(relay_module, name, counted(name, getattr(relay_module, name)))
    session_execute = AsyncSession.execute

    async def counted_execute(self: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        orm.append(args[0])
        return await session_execute(self, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "execute", counted_execute)
    with statements(state) as seen:
        assert await relay.run_once() == 4  # a claim, two settles, each handing over a next row
    assert built == [] and orm == [], [str(o) for o in orm]
    updates = [sql for sql, _ in seen if sql.startswith("UPDATE OUTBOX")]
    assert len(updates) == 4, updates  # the claim; complete + claim the next; complete


async def test_on_sqlite_claims_and_settles_run_on_the_loops_own_connection(
    state: AppState, account: NewAccount
) -> None:
    """No pooled connection (aiosqlite's thread hand-offs) while no other process writes; the
    statements are still told to the engine's listeners."""
    if state.db.dialect != "sqlite":
        pytest.skip("PostgreSQL's run on the pooled asyncpg connection (test above)")
    relay = OutboxRelay(state, owner="w1", loader=handled([]))
    rows = [(b, {"tag": f"{b}:{n}"}) for b in (new_id("bk"), new_id("bk")) for n in (1, 2)]
    await enqueue_rows(state, account, rows, kind=KIND, topic="booking.created")
    assert await relay.run_once() == 4  # the connections kept for it are opened on first use
    await enqueue_rows(state, account, rows, kind=KIND, topic="booking.created")
    with checkouts(state.db) as taken, statements(state) as seen:
        assert await relay.run_once() == 4
    assert taken == []
    assert len([sql for sql, _ in seen if sql.startswith("UPDATE OUTBOX")]) == 4, seen


async def test_on_sqlite_another_process_holding_the_write_lock_is_waited_for(
    state: AppState, account: NewAccount
) -> None:
    if state.db.dialect != "sqlite":
        pytest.skip("SQLite's write lock")
    writer = state.db.sqlite_writer
    assert writer is not None
    path = make_url(state.db.url).database
    assert path is not None
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # as another process's writer would
        assert writer.begin_inline() is None  # busy: the relay takes the way that waits
        other.execute("ROLLBACK")
        inline = writer.begin_inline()
        assert inline is not None and inline.in_transaction
        inline.execute("ROLLBACK")
    finally:
        other.close()
    relay = OutboxRelay(state, owner="w1", loader=handled([]))
    await enqueue_rows(state, account, [(new_id("bk"), {"tag": "t:1"})], kind=KIND, topic="x.y")
    writer.begin_inline = lambda: None  # type: ignore[method-assign]  # the lock stays taken
    try:
        with checkouts(state.db) as taken:
            assert await relay.run_once() == 1
        assert taken  # through the pool, whose connections wait out another writer's lock
    finally:
        del writer.begin_inline


async def test_fan_outs_that_start_together_read_the_endpoints_once(
    state: AppState, account: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [(new_id("bk"), {"n": n}) for n in range(10)]
    await enqueue_rows(state, account, rows, kind="webhook", topic="booking.created")
    relay = OutboxRelay(state, owner="w1")
    owners: list[str] = []
    real_owner = fanout.new_owner

    def counted_owner() -> str:
        owners.append(real_owner())
        return owners[-1]

    monkeypatch.setattr(fanout, "new_owner", counted_owner)
    # The read runs on Database.fetch_all's cheap path, which on SQLite no listener sees.
    fetched: list[Any] = []
    real_fetch = state.db.fetch_all

    async def counted_fetch(stmt: Any, params: Any) -> list[dict[str, Any]]:
        fetched.append(stmt)
        return await real_fetch(stmt, params)

    monkeypatch.setattr(state.db, "fetch_all", counted_fetch)
    with statements(state) as seen:
        assert await relay.run_once() == 10  # no endpoint: each row completes without a write
    reads = [stmt for stmt in fetched if "FROM webhook_endpoints" in str(stmt)]
    assert len(reads) == 1, reads
    assert len([sql for sql, _ in seen if "FROM WEBHOOK_ENDPOINTS" in sql]) <= 1  # that one
    assert owners == []  # nothing to deliver: no delivery lease made up either


async def test_one_endpoint_read_answers_each_account_and_mode_its_own_subscriptions(
    state: AppState, make_account: MakeAccount, make_endpoint: MakeEndpoint
) -> None:
    first, second, none = [await make_account() for _ in range(3)]

    def key(made: NewAccount, live: bool = False) -> dict[str, str]:
        return {"Authorization": f"Bearer {(made.live_key if live else made.test_key).secret}"}

    await make_endpoint(events=["booking.created"], headers=key(first))
    await make_endpoint(events=["booking.cancelled"], headers=key(first, live=True))
    await make_endpoint(events=["booking.cancelled"], headers=key(second))
    await make_endpoint(events=["booking.created", "booking.rescheduled"], headers=key(second))
    reads = fanout._EndpointReads()
    asks = [(first, False), (first, True), (second, False), (second, True), (none, False)]
    got = await asyncio.gather(
        *(reads.subscriptions(state.db, made.account.id, live) for made, live in asks)
    )
    assert [sorted(events) for events in got] == [
        [["booking.created"]],
        [["booking.cancelled"]],
        [["booking.cancelled"], ["booking.created", "booking.rescheduled"]],
        [],
        [],
    ]


async def test_commits_during_the_coalescing_wait_are_claimed_and_settled_together(
    state: AppState, account: NewAccount
) -> None:
    """Six bookings committed one by one while the loop waits out its window (it claimed, and
    found nothing, a moment ago): one claim takes all six rows and one statement settles them."""
    calls: list[str] = []
    done = asyncio.Event()
    waits: list[float] = []
    sleeping, gate = asyncio.Event(), asyncio.Event()

    async def sleep(seconds: float) -> None:  # the loop's coalescing wait, held by the test
        waits.append(seconds)
        sleeping.set()
        await gate.wait()

    def load(kind: str) -> Any:
        async def handler(item: OutboxItem, _state: AppState) -> None:
            calls.append(item.payload["tag"])
            if len(calls) == 6:
                done.set()

        return handler

    relay = OutboxRelay(state, owner="loop", loader=load)
    claims: list[int] = []
    claim = relay.claim

    async def counted_claim(limit: int) -> list[OutboxItem]:
        got = await claim(limit)
        claims.append(len(got))
        return got

    relay.claim = counted_claim  # type: ignore[method-assign]
    loop = RelayLoop(
        state, owner="loop", poll_interval=3600, coalesce=3600, sources=[relay], sleep=sleep
    )
    unhook = loop.wake_on_commits(state.db)
    settled = asyncio.Event()
    running = asyncio.get_running_loop()

    def on_commit(_conn: Any) -> None:
        if done.is_set():  # no claim commits after the six ran: this is their settle
            running.call_soon_threadsafe(settled.set)

    event.listen(state.db.engine.sync_engine, "commit", on_commit)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        await asyncio.wait_for(loop.waiting[0].wait(), 10)  # claimed nothing, asleep
        assert claims == [0]
        tags = [f"b{n}" for n in range(6)]
        await enqueue_rows(state, account, [(new_id("bk"), {"tag": tags[0]})], kind=KIND,
                           topic="booking.created")  # fmt: skip
        await asyncio.wait_for(sleeping.wait(), 10)  # woken, but within the window of its claim
        for tag in tags[1:]:
            await enqueue_rows(state, account, [(new_id("bk"), {"tag": tag})], kind=KIND,
                               topic="booking.created")  # fmt: skip
        assert calls == [] and claims == [0]
        with statements(state) as seen:
            gate.set()
            await asyncio.wait_for(done.wait(), 10)
            await asyncio.wait_for(settled.wait(), 10)  # the commit after the six ran
            await asyncio.wait_for(loop.waiting[0].wait(), 10)
    finally:
        event.remove(state.db.engine.sync_engine, "commit", on_commit)
        unhook()
        stop.set()
        await task
    assert sorted(calls) == tags
    assert [n for n in claims if n] == [6]  # one claim for six commits
    assert 0 < waits[0] <= 3600
    changed = [sql for sql, count in seen if sql.startswith("UPDATE OUTBOX") and count]
    assert len(changed) == 2, seen  # the claim, and one settle of all six


async def test_a_claim_that_finds_a_backlog_is_followed_without_the_coalescing_wait(
    state: AppState,
) -> None:
    """The window batches commits; it never caps throughput at ``concurrency`` rows per window:
    after a claim that came back full, the next claim runs as soon as capacity frees."""
    pending = list(range(7))
    processed: list[int] = []
    slept: list[float] = []
    claims: list[tuple[int, int]] = []  # (rows claimed, coalescing waits before the claim)
    drained = asyncio.Event()

    class Source:
        async def claim(self, limit: int) -> list[int]:
            taken = pending[:limit]
            del pending[:limit]
            claims.append((len(taken), len(slept)))
            if not taken:
                drained.set()
            return taken

        async def process(self, item: int) -> None:
            processed.append(item)

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    loop = RelayLoop(
        state, owner="backlog", concurrency=3, poll_interval=3600, coalesce=3600,
        sources=[Source()], sleep=sleep,
    )  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        await asyncio.wait_for(drained.wait(), 10)
    finally:
        stop.set()
        await task
    assert sorted(processed) == list(range(7))
    # Two full claims and the rest with no wait between them; the window only before the next.
    assert claims == [(3, 0), (3, 0), (1, 0), (0, 1)]


def gated(calls: list[str], gates: dict[str, asyncio.Event]) -> Any:
    """Handlers that wait for their row's gate (by tag), if it has one, then note the row."""

    def load(kind: str) -> Any:
        async def handler(item: OutboxItem, _state: AppState) -> None:
            gate = gates.get(item.payload["tag"])
            if gate is not None:
                await gate.wait()
            calls.append(item.payload["tag"])

        return handler

    return load


async def _passes(n: int = 20) -> None:
    """Let the event loop run ``n`` passes (no time passes: the tasks woken run)."""
    for _ in range(n):
        await asyncio.sleep(0)


async def test_rows_that_finish_apart_are_settled_together_once_all_have_reported(
    state: AppState, account: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three bookings of two rows each, their first rows finishing one after another: one settle
    records the three (and claims their second rows), one more the second rows, however far
    apart the first rows finished (the bounded wait never runs out here)."""
    bookings = [new_id("bk") for _ in range(3)]
    rows = [(b, {"tag": f"{n}:{b}"}) for b in bookings for n in (1, 2)]
    await enqueue_rows(state, account, rows, kind=KIND, topic="booking.created")
    gates = {f"1:{b}": asyncio.Event() for b in bookings}
    calls: list[str] = []
    never = asyncio.Event()

    async def sleep(_seconds: float) -> None:  # the bounded wait: never over in this test
        await never.wait()

    settles: list[int] = []
    settle_many = OutboxRelay._settle_many

    async def counted(self: OutboxRelay, results: Any) -> Any:
        settles.append(len(results))
        return await settle_many(self, results)

    monkeypatch.setattr(OutboxRelay, "_settle_many", counted)
    relay = OutboxRelay(state, owner="w1", loader=gated(calls, gates), sleep=sleep)
    items = await relay.claim(50)
    run = asyncio.create_task(relay.process_batch(items))
    for gate in gates.values():
        await _passes()
        gate.set()
    assert await asyncio.wait_for(run, 10) == 6
    assert sorted(calls) == sorted(tag for _, tag in ((b, p["tag"]) for b, p in rows))
    assert settles == [3, 3], settles


async def test_a_slow_row_holds_the_others_results_only_for_the_bounded_wait(
    state: AppState, account: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow, fast = new_id("bk"), [new_id("bk") for _ in range(2)]
    rows = [(b, {"tag": b}) for b in (slow, *fast)]
    await enqueue_rows(state, account, rows, kind=KIND, topic="booking.created")
    gates = {slow: asyncio.Event()}
    calls: list[str] = []
    waits: list[float] = []
    over = asyncio.Event()

    async def sleep(seconds: float) -> None:  # the bounded wait, ended by the test
        waits.append(seconds)
        await over.wait()

    settles: list[list[str]] = []
    settle_many = OutboxRelay._settle_many

    async def counted(self: OutboxRelay, results: Any) -> Any:
        settles.append(sorted(r.item.booking_id for r in results))
        return await settle_many(self, results)

    monkeypatch.setattr(OutboxRelay, "_settle_many", counted)
    relay = OutboxRelay(state, owner="w1", loader=gated(calls, gates), sleep=sleep)
    run = asyncio.create_task(relay.process_batch(await relay.claim(50)))
    await _passes()
    assert sorted(calls) == sorted(fast) and settles == []  # waiting for the slow one
    over.set()  # the bounded wait runs out: the fast ones are recorded without the slow one
    await _passes()
    assert settles == [sorted(fast)] and waits == [relay_module.SETTLE_WAIT]
    gates[slow].set()
    assert await asyncio.wait_for(run, 10) == 3
    assert settles == [sorted(fast), [slow]]


async def test_on_postgresql_claims_and_settles_run_on_the_driver_and_are_still_reported(
    state: AppState, account: NewAccount
) -> None:
    """No claim or settle goes through SQLAlchemy's execution (``before_execute`` fires for
    each one that does); listeners are still told every statement, with the rows it changed,
    and each settle's commit."""
    if state.db.dialect != "postgresql":
        pytest.skip("PostgreSQL's driver path")
    calls: list[str] = []
    relay = OutboxRelay(state, owner="w1", loader=handled(calls))
    rows = [(b, {"tag": f"{b}:{n}"}) for b in (new_id("bk"), new_id("bk")) for n in (1, 2)]
    await enqueue_rows(state, account, rows, kind=KIND, topic="booking.created")
    executed: list[Any] = []
    commits: list[Any] = []
    engine = state.db.engine.sync_engine

    def on_execute(_conn: Any, clauseelement: Any, *_args: Any) -> None:
        executed.append(clauseelement)

    def on_commit(conn: Any) -> None:
        commits.append(conn)

    event.listen(engine, "before_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        with statements(state) as seen:
            assert await relay.run_once() == 4
            assert await relay.claim(50) == []  # an empty claim: reported, changing nothing
    finally:
        event.remove(engine, "before_execute", on_execute)
        event.remove(engine, "commit", on_commit)
    assert executed == []
    assert [count for sql, count in seen if sql.startswith("UPDATE OUTBOX")] == [2, 2, 2, 2, 0]
    assert len(commits) == 2  # the two settles (a claim runs in autocommit)
    async with state.db.connect_read() as conn:
        done = await conn.execute(
            select(OutboxMessage.id).where(OutboxMessage.completed_at.is_not(None))
        )
        assert len(done.all()) == 4
