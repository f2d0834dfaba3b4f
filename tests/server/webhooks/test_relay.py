"""The outbox relay: leases, results, backoff, crash safety and several workers sharing the work."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from astrocal_server.accounts import NewAccount
from astrocal_server.clock import FixedClock
from astrocal_server.ids import new_id
from astrocal_server.outbox.handlers import OutboxItem, PermanentFailure, RetryLater
from astrocal_server.outbox.relay import OutboxRelay, RelayLoop, backoff
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from astrocal_server.storage.models import OutboxMessage, WebhookDelivery
from astrocal_server.webhooks.dispatcher import DeliveryDispatcher, delivery_lease
from sqlalchemy import event, select

from tests.support.outbox_rows import enqueue_rows
from tests.support.webhooks import Receiver

KIND = "testkind"


@pytest.fixture(autouse=True)
async def _empty_queues(state: AppState) -> None:
    """Relay passes see every row: start each test with empty queues (the module shares a database)."""
    from astrocal_server.storage.models import WebhookAttempt
    from sqlalchemy import delete

    async with state.db.write() as session:
        for model in (WebhookAttempt, WebhookDelivery, OutboxMessage):
            await session.execute(delete(model))


class Recorder:
    """A handler loader whose handler records every call and does what the test scripts."""

    def __init__(self, behaviour: Any = None) -> None:
        self.calls: list[OutboxItem] = []
        self.behaviour = behaviour

    def load(self, kind: str) -> Any:
        if kind != KIND:
            raise LookupError(f"no outbox handler for kind {kind!r}")

        async def handler(item: OutboxItem, state: AppState) -> None:
            self.calls.append(item)
            if self.behaviour is not None:
                await self.behaviour(item)

        return handler


async def _rows(state: AppState, account: NewAccount, n: int, *, kind: str = KIND) -> list[str]:
    # unrelated rows: one booking each (no order between them)
    rows = ((new_id("bk"), {"n": i}) for i in range(n))
    return await enqueue_rows(state, account, rows, kind=kind, topic="booking.created")


async def _row(state: AppState, row_id: str) -> OutboxMessage:
    async with state.db.read() as session:
        row = await session.get(OutboxMessage, row_id)
    assert row is not None
    return row


async def test_a_handled_row_is_completed_once(state: AppState, account: NewAccount) -> None:
    recorder = Recorder()
    (row_id,) = await _rows(state, account, 1)
    relay = OutboxRelay(state, owner="w1", loader=recorder.load)
    assert await relay.run_once() == 1
    assert await relay.run_once() == 0
    row = await _row(state, row_id)
    assert row.completed_at == state.clock.now() and row.last_error is None
    assert row.lease_owner is None and row.attempts == 1
    assert [c.id for c in recorder.calls] == [row_id]
    assert recorder.calls[0].attempts == 0 and recorder.calls[0].payload == {"n": 0}


async def test_retry_later_puts_the_row_back_with_its_delay(
    state: AppState, account: NewAccount, clock: FixedClock
) -> None:
    async def later(item: OutboxItem) -> None:
        raise RetryLater("calendar busy", delay=timedelta(minutes=7))

    recorder = Recorder(later)
    (row_id,) = await _rows(state, account, 1)
    relay = OutboxRelay(state, owner="w1", loader=recorder.load)
    await relay.run_once()
    row = await _row(state, row_id)
    assert row.completed_at is None and row.last_error == "calendar busy"
    assert row.available_at == clock.now() + timedelta(minutes=7)
    clock.advance(minutes=6)
    assert await relay.run_once() == 0
    clock.advance(minutes=1)
    assert await relay.run_once() == 1
    assert [c.attempts for c in recorder.calls] == [0, 1]


async def test_permanent_failure_completes_the_row_with_the_reason(
    state: AppState, account: NewAccount
) -> None:
    async def fail(item: OutboxItem) -> None:
        raise PermanentFailure("the calendar was deleted")

    (row_id,) = await _rows(state, account, 1)
    await OutboxRelay(state, owner="w1", loader=Recorder(fail).load).run_once()
    row = await _row(state, row_id)
    assert row.completed_at is not None
    assert row.last_error == "permanent failure: the calendar was deleted"


async def test_a_crashing_handler_or_an_unknown_kind_never_loses_the_row(
    state: AppState, account: NewAccount, clock: FixedClock
) -> None:
    async def crash(item: OutboxItem) -> None:
        raise ZeroDivisionError("bug")

    (buggy,) = await _rows(state, account, 1)
    (unknown,) = await _rows(state, account, 1, kind="nosuchkind")
    relay = OutboxRelay(state, owner="w1", loader=Recorder(crash).load, rng=random.Random(1))
    assert await relay.run_once() == 2
    for row_id, error in ((buggy, "ZeroDivisionError: bug"), (unknown, "LookupError")):
        row = await _row(state, row_id)
        assert row.completed_at is None and row.lease_owner is None
        assert row.last_error is not None and row.last_error.startswith(error)
        wait = row.available_at - clock.now()
        assert timedelta(seconds=1) <= wait <= timedelta(seconds=2)  # first backoff step
    clock.advance(seconds=2)
    assert await relay.run_once() == 2  # tried again, with a longer wait next time
    assert (await _row(state, buggy)).attempts == 2


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    for attempts in range(1, 30):
        ceiling = min(timedelta(seconds=2) * 2 ** (attempts - 1), timedelta(minutes=30))
        for _ in range(20):
            assert ceiling / 2 <= backoff(attempts, rng) <= ceiling
    draws = {backoff(5, rng) for _ in range(20)}
    assert len(draws) > 10  # jittered, not a fixed step


async def test_a_killed_worker_loses_nothing_its_rows_come_back_when_the_lease_expires(
    state: AppState, account: NewAccount, clock: FixedClock
) -> None:
    recorder = Recorder()
    ids = await _rows(state, account, 3)
    dead = OutboxRelay(state, owner="dead", loader=recorder.load, lease=timedelta(seconds=120))
    claimed = await dead.claim(10)  # …and then the process is SIGKILLed: no result is recorded
    assert {i.id for i in claimed} == set(ids)
    survivor = OutboxRelay(state, owner="alive", loader=recorder.load)
    assert await survivor.run_once() == 0  # leased: invisible while the lease runs
    clock.advance(seconds=119)
    assert await survivor.run_once() == 0
    clock.advance(seconds=1)
    assert await survivor.run_once() == 3
    assert sorted(c.id for c in recorder.calls) == sorted(ids)
    assert all(c.attempts == 1 for c in recorder.calls)  # the lost run counts as an attempt
    for row_id in ids:
        assert (await _row(state, row_id)).completed_at is not None


async def test_a_result_is_not_recorded_by_a_worker_that_lost_its_lease(
    state: AppState, account: NewAccount, clock: FixedClock
) -> None:
    gate = asyncio.Event()

    async def slow(item: OutboxItem) -> None:
        await gate.wait()

    (row_id,) = await _rows(state, account, 1)
    stale = OutboxRelay(state, owner="stale", loader=Recorder(slow).load)
    (item,) = await stale.claim(1)
    running = asyncio.create_task(stale.process(item))
    clock.advance(seconds=121)
    fresh = OutboxRelay(state, owner="fresh", loader=Recorder().load)
    (again,) = await fresh.claim(1)
    gate.set()
    await running  # the stale worker finishes but may not settle the row it no longer holds
    row = await _row(state, row_id)
    assert row.lease_owner == "fresh" and row.completed_at is None
    await fresh.process(again)
    assert (await _row(state, row_id)).completed_at is not None


async def test_rows_of_one_booking_run_in_order(state: AppState, account: NewAccount) -> None:
    order: list[int] = []

    async def note(item: OutboxItem) -> None:
        await asyncio.sleep(0)
        order.append(item.payload["n"])

    rows = (("bk_same", {"n": n}) for n in range(5))
    step = timedelta(microseconds=1)
    await enqueue_rows(state, account, rows, kind=KIND, topic="booking.updated", step=step)
    relay = OutboxRelay(state, owner="w1", loader=Recorder(note).load)
    relay.state.clock.advance(seconds=1)  # type: ignore[attr-defined]
    await relay.run_once()
    assert order == [0, 1, 2, 3, 4]


async def test_a_delivery_whose_worker_died_is_attempted_after_its_lease_expires(
    state: AppState, clock: FixedClock, make_endpoint, emit, receiver: Receiver
) -> None:
    endpoint = await make_endpoint()
    await emit("booking.created")
    # The fan-out ran (the delivery exists, leased) but the worker died before the attempt.
    async with state.db.write() as session:
        from astrocal_server.ids import new_id

        session.add(
            WebhookDelivery(
                id=new_id("whd"),
                endpoint_id=endpoint["id"],
                account_id=(await _any_account(state)),
                event_id="whe_orphan0000000000001",
                event_type="booking.created",
                payload={
                    "type": "booking.created",
                    "timestamp": "2026-04-10T12:00:00Z",
                    "livemode": False,
                    "data": {},
                },
                status="pending",
                attempt_count=0,
                next_attempt_at=clock.now(),
                lease_owner="dead-worker",
                lease_expires_at=clock.now() + delivery_lease(state.settings),
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    dispatcher = DeliveryDispatcher(state, owner="alive")
    await dispatcher.run_once()
    assert "whe_orphan0000000000001" not in {r.headers["webhook-id"] for r in receiver.requests}
    clock.advance(delivery_lease(state.settings))
    assert await dispatcher.run_once() >= 1
    assert "whe_orphan0000000000001" in {r.headers["webhook-id"] for r in receiver.requests}


async def test_an_idle_delivery_poll_takes_no_pooled_connection(state: AppState) -> None:
    """The dispatcher's poll that finds nothing due is one read on the cheapest read path (its
    statement built once): no connection checked out of the pool, no write transaction."""
    dispatcher = DeliveryDispatcher(state, owner="idle")
    assert await dispatcher.claim(50) == []  # the first read may set its connection up
    checkouts: list[object] = []

    def on_checkout(*_args: Any) -> None:
        checkouts.append(_args)

    engine = state.db.engine.sync_engine
    event.listen(engine, "checkout", on_checkout)
    try:
        for _ in range(3):
            assert await dispatcher.claim(50) == []
    finally:
        event.remove(engine, "checkout", on_checkout)
    assert checkouts == []


async def _any_account(state: AppState) -> str:
    from astrocal_server.storage.models import Account

    async with state.db.read() as session:
        return str(await session.scalar(select(Account.id).limit(1)))


@pytest.mark.parametrize("workers", [4])
async def test_several_workers_share_the_work_without_double_claims(
    state: AppState, account: NewAccount, db_url: str, workers: int
) -> None:
    """Separate engines (as separate processes would have) race for the same rows."""
    calls: Counter[str] = Counter()
    by_worker: Counter[str] = Counter()

    async def work(item: OutboxItem) -> None:
        calls[item.id] += 1
        await asyncio.sleep(0)  # let the other workers claim meanwhile

    ids = await _rows(state, account, 120)
    databases = [Database(db_url) for _ in range(workers)]
    try:

        async def worker(n: int) -> None:
            own = AppState(
                settings=state.settings,
                db=databases[n],
                clock=state.clock,
                busy_source=state.busy_source,
            )
            relay = OutboxRelay(own, owner=f"w{n}", loader=Recorder(work).load, batch_size=5)
            while True:
                got = await relay.run_once()
                by_worker[f"w{n}"] += got
                if not got:
                    return

        await asyncio.gather(*(worker(n) for n in range(workers)))
    finally:
        for database in databases:
            await database.dispose()
    assert set(calls) == set(ids)
    assert max(calls.values()) == 1, [k for k, v in calls.items() if v > 1][:5]
    if state.db.dialect == "postgresql":
        assert sum(1 for n in by_worker.values() if n) >= 2  # really shared


async def test_the_server_runs_the_relay_unless_told_not_to(settings, clock: FixedClock) -> None:
    from astrocal_server.app import create_app

    async def relay_running(run_relay: bool) -> bool:
        app = create_app(settings.with_overrides(run_relay=run_relay), clock=clock)
        async with app.router.lifespan_context(app):
            return isinstance(app.state.astrocal.relay, RelayLoop)

    assert await relay_running(True) is True
    assert await relay_running(False) is False


async def test_the_relay_loop_delivers_a_committed_event_without_a_manual_pass(
    state: AppState, make_endpoint, emit, receiver: Receiver
) -> None:
    endpoint = await make_endpoint()
    outbox_id = await emit("booking.created")
    loop = RelayLoop(state, owner="loop", poll_interval=0.02)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        requests = await receiver.wait_for(1)
    finally:
        stop.set()
        await task
    assert requests[-1].headers["webhook-id"] == "whe_" + outbox_id[3:]
    assert endpoint["id"]
    async with state.db.read() as session:
        row = await session.get(OutboxMessage, outbox_id)
    assert row is not None and row.completed_at is not None


async def test_a_commit_in_this_process_wakes_the_relay_at_once(
    state: AppState, make_endpoint, emit, receiver: Receiver
) -> None:
    """The poll is an hour here: only the commit nudge can make the delivery arrive."""
    await make_endpoint()
    loop = RelayLoop(state, owner="loop", poll_interval=3600)
    unhook = loop.wake_on_commits(state.db)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        await asyncio.wait_for(loop.waiting[0].wait(), 10)  # the outbox source is asleep
        outbox_id = await emit("booking.created")
        (request,) = await receiver.wait_for(1)
    finally:
        unhook()
        stop.set()
        await task
    assert request.headers["webhook-id"] == "whe_" + outbox_id[3:]
