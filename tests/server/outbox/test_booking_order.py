"""Per-booking order in the outbox claim, on SQLite and PostgreSQL: a row is not claimable while an
earlier row of its booking is unfinished (leased, or waiting for a retry), whoever holds it; other
bookings are not held up; rows written in one transaction with one clock reading keep their order.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.clock import FixedClock
from astrocal_server.ids import new_id
from astrocal_server.outbox.handlers import OutboxItem, PermanentFailure, RetryLater
from astrocal_server.outbox.relay import OutboxRelay, RelayLoop
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import OutboxMessage
from sqlalchemy import delete, select

from tests.support.outbox_rows import enqueue_rows

KIND = "ordertest"
Behaviour = Callable[[OutboxItem], Awaitable[None]]


@pytest.fixture(autouse=True)
async def _empty_outbox(state: AppState) -> None:
    """Claims see every row: start each test with an empty outbox (the module shares a database)."""
    async with state.db.write() as session:
        await session.execute(delete(OutboxMessage))


class Recorder:
    """A handler loader: records each call's payload tag, then does what ``behaviour`` says."""

    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.calls: list[str] = []
        self.behaviour = behaviour

    def load(self, kind: str) -> Any:
        assert kind == KIND

        async def handler(item: OutboxItem, state: AppState) -> None:
            self.calls.append(item.payload["tag"])
            if self.behaviour is not None:
                await self.behaviour(item)

        return handler


async def write(state: AppState, account: NewAccount, *rows: tuple[str | None, str]) -> list[str]:
    """One transaction writing ``(booking_id, tag)`` rows in this order, all at one clock reading."""
    rows_ = ((booking_id, {"tag": tag}) for booking_id, tag in rows)
    return await enqueue_rows(state, account, rows_, kind=KIND, topic="booking.updated")


async def rows_by_id(state: AppState) -> dict[str, OutboxMessage]:
    async with state.db.read() as session:
        return {r.id: r for r in (await session.scalars(select(OutboxMessage))).all()}


def tags(items: list[OutboxItem]) -> list[str]:
    return sorted(i.payload["tag"] for i in items)


async def test_rows_written_in_one_transaction_keep_their_write_order(
    state: AppState, account: NewAccount
) -> None:
    a, b = new_id("bk"), new_id("bk")
    # Random ids and one clock reading: nothing but the write order can order these.
    first = await write(state, account, (a, "a1"), (b, "b1"), (a, "a2"), (a, "a3"), (None, "x"))
    second = await write(state, account, (a, "a4"), (b, "b2"))
    rows = await rows_by_id(state)
    assert [rows[i].booking_seq for i in first + second] == [1, 1, 2, 3, None, 4, 2]

    relay = OutboxRelay(state, owner="w1", loader=Recorder().load)
    assert tags(await relay.claim(50)) == ["a1", "b1", "x"]  # one row per booking at a time
    recorder = Recorder()
    relay = OutboxRelay(state, owner="w2", loader=recorder.load)
    state.clock.advance(seconds=121)  # type: ignore[attr-defined]  # w1's leases run out
    await relay.run_once()
    by_booking = {p: [t for t in recorder.calls if t.startswith(p)] for p in ("a", "b")}
    assert by_booking == {"a": ["a1", "a2", "a3", "a4"], "b": ["b1", "b2"]}


async def test_an_in_flight_row_holds_its_bookings_later_rows_and_nothing_else(
    state: AppState, account: NewAccount
) -> None:
    a, b = new_id("bk"), new_id("bk")
    await write(state, account, (a, "a1"), (a, "a2"))
    w1 = OutboxRelay(state, owner="w1", loader=Recorder().load)
    w2 = OutboxRelay(state, owner="w2", loader=Recorder().load)
    (a1,) = await w1.claim(1)
    assert a1.payload["tag"] == "a1" and a1.booking_seq == 1
    await write(state, account, (b, "b1"), (a, "a3"))
    assert tags(await w2.claim(50)) == ["b1"]  # a2 and a3 wait for a1, whoever holds it
    assert await w2.claim(50) == []

    following = await w1.process(a1)  # completing a1 hands its worker the booking's next row
    assert following is not None and following.payload["tag"] == "a2"
    assert await w2.claim(50) == []  # a2 is leased now; a3 still waits
    # a3 was written after a1 was claimed: not handed over, but claimable by anyone now.
    assert await w1.process(following) is None
    assert tags(await w2.claim(50)) == ["a3"]
    assert await w2.claim(50) == []


async def test_an_earlier_row_completed_elsewhere_makes_the_next_one_claimable(
    state: AppState, account: NewAccount
) -> None:
    a = new_id("bk")
    first, second = await write(state, account, (a, "a1"), (a, "a2"))
    w2 = OutboxRelay(state, owner="w2", loader=Recorder().load)
    async with state.db.write() as session:  # a1 finished by some other worker
        row = await session.get_one(OutboxMessage, first)
        row.completed_at = state.clock.now()
    (item,) = await w2.claim(50)
    assert item.id == second


async def test_a_row_waiting_for_a_retry_holds_its_booking_until_it_is_done(
    state: AppState, account: NewAccount, clock: FixedClock
) -> None:
    failures = {"a1": 2}

    async def flaky(item: OutboxItem) -> None:
        tag = item.payload["tag"]
        if failures.get(tag, 0):
            failures[tag] -= 1
            raise RetryLater("calendar busy", delay=timedelta(minutes=5))

    a, b = new_id("bk"), new_id("bk")
    await write(state, account, (a, "a1"), (b, "b1"), (a, "a2"), (b, "b2"))
    recorder = Recorder(flaky)
    relay = OutboxRelay(state, owner="w1", loader=recorder.load)
    await relay.run_once()
    assert sorted(recorder.calls) == ["a1", "b1", "b2"]  # b runs on; a2 waits for a1
    clock.advance(minutes=4)
    assert await relay.run_once() == 0  # a1 not due, so a2 not either
    clock.advance(minutes=1)
    assert await relay.run_once() == 1  # a1 fails again
    clock.advance(minutes=5)
    assert await relay.run_once() == 2  # a1 succeeds, then a2 in the same pass
    assert [t for t in recorder.calls if t.startswith("a")] == ["a1", "a1", "a1", "a2"]


async def test_a_permanently_failed_row_lets_its_bookings_later_rows_go(
    state: AppState, account: NewAccount
) -> None:
    async def refuse_a1(item: OutboxItem) -> None:
        if item.payload["tag"] == "a1":
            raise PermanentFailure("the address was refused")

    a = new_id("bk")
    first, _ = await write(state, account, (a, "a1"), (a, "a2"))
    recorder = Recorder(refuse_a1)
    assert await OutboxRelay(state, owner="w1", loader=recorder.load).run_once() == 2
    assert recorder.calls == ["a1", "a2"]
    rows = await rows_by_id(state)
    assert rows[first].last_error == "permanent failure: the address was refused"
    assert all(r.completed_at is not None for r in rows.values())


async def test_a_dead_workers_lease_holds_the_booking_until_it_expires(
    state: AppState, account: NewAccount, clock: FixedClock
) -> None:
    a, b = new_id("bk"), new_id("bk")
    await write(state, account, (a, "a1"), (a, "a2"))
    dead = OutboxRelay(state, owner="dead", loader=Recorder().load, lease=timedelta(seconds=60))
    assert tags(await dead.claim(5)) == ["a1"]  # …and the process is killed
    await write(state, account, (b, "b1"))
    recorder = Recorder()
    survivor = OutboxRelay(state, owner="alive", loader=recorder.load)
    assert await survivor.run_once() == 1 and recorder.calls == ["b1"]
    clock.advance(seconds=59)
    assert await survivor.run_once() == 0  # a2 waits: a1 is still someone's
    clock.advance(seconds=1)
    assert await survivor.run_once() == 2
    assert recorder.calls == ["b1", "a1", "a2"]


async def test_several_workers_never_overlap_or_reorder_a_bookings_rows(
    state: AppState, account: NewAccount, db_url: str
) -> None:
    """Four relay loops on their own engines (as separate processes have) race for 12 bookings'
    rows, written in three transactions each, interleaved across bookings."""
    bookings = [new_id("bk") for _ in range(12)]
    for step in range(3):
        await write(state, account, *((b, f"{b}:{step * 2 + k}") for b in bookings for k in (1, 2)))
    total = len(bookings) * 6
    seen: dict[str, list[int]] = defaultdict(list)
    running: set[str] = set()
    overlaps: list[str] = []
    done = asyncio.Event()

    async def work(item: OutboxItem) -> None:
        booking, n = item.payload["tag"].split(":")
        if booking in running:
            overlaps.append(item.payload["tag"])
        running.add(booking)
        for _ in range(3):
            await asyncio.sleep(0)  # let the other workers claim meanwhile
        running.discard(booking)
        seen[booking].append(int(n))
        if sum(map(len, seen.values())) >= total:
            done.set()

    databases = [Database(db_url, pool_size=3) for _ in range(4)]
    stop = asyncio.Event()
    loops = []
    for n, database in enumerate(databases):
        own = AppState(
            settings=state.settings, db=database, clock=state.clock, busy_source=state.busy_source
        )
        relay = OutboxRelay(own, owner=f"w{n}", loader=Recorder(work).load, batch_size=4)
        loop = RelayLoop(own, owner=f"w{n}", concurrency=4, poll_interval=0.01, sources=[relay])
        loops.append(asyncio.create_task(loop.run(stop)))
    try:
        await asyncio.wait_for(done.wait(), 60)
    finally:
        stop.set()
        await asyncio.gather(*loops)
        for database in databases:
            await database.dispose()
    assert overlaps == []
    assert {b: seen[b] for b in bookings} == {b: [1, 2, 3, 4, 5, 6] for b in bookings}


async def test_results_that_arrive_together_are_settled_in_one_transaction(
    state: AppState, account: NewAccount
) -> None:
    """Group commit: ten bookings' rows finishing together are recorded by one completion
    statement, and their next rows leased by one more, in one write transaction (not ten
    transactions of two statements); the per-booking order is unchanged."""
    from sqlalchemy import event

    bookings = [new_id("bk") for _ in range(10)]
    await write(state, account, *((b, f"{b}:1") for b in bookings))
    await write(state, account, *((b, f"{b}:2") for b in bookings))
    started = 0
    go = asyncio.Event()

    async def wait_for_all(item: OutboxItem) -> None:
        nonlocal started
        started += 1
        if started == len(bookings):
            go.set()  # every first row is running: let them all finish at once
        await go.wait()

    recorder = Recorder(wait_for_all)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith("UPDATE OUTBOX"):
            statements.append(sql)

    engine = state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        ran = await OutboxRelay(state, owner="w1", loader=recorder.load).run_once()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert ran == 20
    for b in bookings:  # each booking's rows in order
        assert recorder.calls.index(f"{b}:1") < recorder.calls.index(f"{b}:2")
    # One claim; the first rows settled by one statement that also led to one claim of every
    # booking's second row; the second rows settled by one statement (nothing follows them).
    assert len(statements) == 4, statements
    rows = await rows_by_id(state)
    assert all(r.completed_at is not None and r.lease_owner is None for r in rows.values())
