"""The outbox relay: claims due rows with a lease, runs their handler, records the result.

Claiming is one statement: ``UPDATE … SET lease … WHERE id IN (SELECT … LIMIT n)``, with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL so concurrent workers take disjoint rows without waiting on
each other, and inside the serialised ``BEGIN IMMEDIATE`` write on SQLite. A claimed row is
invisible to other workers until its lease expires; a worker killed mid-row therefore loses nothing —
the row comes back when the lease runs out, and runs again (at least once, never lost).

Results are written only while the lease is still ours (``WHERE lease_owner = :me``). The results
of rows that run together are recorded together: a result waits (at most ``SETTLE_WAIT``) for the
other rows this relay has running, so a claimed batch's rows cost one settle transaction per wave
(its bookings' first rows, then the next rows those settles claimed…), not one per row.

The claim and settle statements run on the driver itself (compiled once by the dialect; no
SQLAlchemy execution, which costs several times a round trip's CPU): on PostgreSQL on a pooled
connection's asyncpg connection, on SQLite on the writer's connection on the loop's own thread
while no other process holds the write lock (else through ``Database.write``, which waits for it).
They are then reported to the engine's listeners as if SQLAlchemy had run them: only the relay's own wake-up listening (``storage.db.watch_commits``), it is told that the
outbox was written; any other listener (tracing, tests) is told every statement and commit.

Order. The rows of one booking — its webhook events, emails, calendar writes — are handled strictly
in the order they were written (``booking_seq``, see ``outbox/writer.py``): the claim itself refuses
a row while an earlier row of the same booking is unfinished (``completed_at IS NULL``: leased to a
worker, or waiting for a retry), so the order holds across batches, relay tasks, processes and
restarts, on SQLite and PostgreSQL alike. A claim thus takes at most one row per booking; when a row
completes, the transaction that records it also claims the booking's next row if it is due (and was
already written when the row was claimed; later ones wait for the next claim), and the same worker
runs it at once. Rows without a booking are not ordered, nor are a booking's rows written outside
its order (no ``booking_seq``: its reminders, ``reminders/plan.py``), which neither wait for nor
hold up its other rows; different bookings run in parallel, so a failing row holds up only the
later rows of its own booking:

- a transient failure (:class:`RetryLater`, any unexpected error) leaves the row unfinished: it is
  retried with backoff, and the booking's later rows wait — for as long as it takes;
- a permanent failure (:class:`PermanentFailure`: an address refused, a calendar gone) completes the
  row as failed (``last_error``), and the booking's later rows proceed.

A ``webhook`` row completes as soon as its deliveries exist, so a failing endpoint never holds up a
booking's emails or calendar writes; the deliveries keep their own order per endpoint and booking
(``webhooks/dispatcher.py``).

:class:`RelayLoop` runs the relay and the other lease-based sources (the webhook retry dispatcher,
:data:`RELAY_SOURCES`) inside ``astrocal serve`` (:func:`relay_lifespan`) and ``astrocal worker``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import random
import socket
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Integer,
    Select,
    Table,
    Update,
    bindparam,
    event,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from astrocal_server.config import RELAY_CONCURRENCY
from astrocal_server.ids import new_id
from astrocal_server.outbox.handlers import (
    Handler,
    OutboxItem,
    PermanentFailure,
    RetryLater,
    load_handler,
)
from astrocal_server.state import AppState
from astrocal_server.storage.db import (
    Database,
    RanStatement,
    StatementContext,
    report_statements,
    watch_commits,
)
from astrocal_server.storage.models import OutboxMessage
from astrocal_server.storage.rows import one_of, plan_of

__all__ = [
    "RELAY_SOURCES",
    "OutboxRelay",
    "RelayLoop",
    "RelaySource",
    "backoff",
    "claim_rows",
    "new_owner",
    "relay_lifespan",
]

logger = logging.getLogger("astrocal.relay")

M = TypeVar("M")
T = TypeVar("T")

# Other lease-based work the relay loop drives, by dotted path to a class taking (state, owner).
RELAY_SOURCES: list[str] = [
    "astrocal_server.webhooks.dispatcher:DeliveryDispatcher",
]

# How long a result may wait for the results of the other rows running before it is recorded
# without them (_GroupCommit): far below a lease, and the most a booking's next row waits for it.
SETTLE_WAIT = 0.05

_BACKOFF_BASE = timedelta(seconds=2)
_BACKOFF_CAP = timedelta(minutes=30)


def new_owner() -> str:
    """A lease owner id naming this process (for the logs) plus a random part."""
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{new_id('ob', 8)[3:]}"


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter after ``attempts`` failed runs: half fixed, half random."""
    exponent = min(max(attempts, 1) - 1, 20)
    ceiling = min(_BACKOFF_BASE * (2**exponent), _BACKOFF_CAP)
    wait: timedelta = ceiling / 2 + ceiling / 2 * (rng or random).random()
    return wait


def _lease_free(model: Any, now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    return or_(model.lease_expires_at.is_(None), model.lease_expires_at <= now)


async def claim_rows(
    session: AsyncSession,
    model: type[M],
    *,
    due: ColumnElement[bool],
    order_by: Sequence[Any],
    limit: int,
    values: dict[str, Any],
) -> list[M]:
    """Lease up to ``limit`` rows matching ``due`` (which must include the lease-free test)."""
    pick = select(model.id).where(due).order_by(*order_by).limit(limit)  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    stmt = (
        update(model)
        .where(model.id.in_(pick.scalar_subquery()))  # type: ignore[attr-defined]
        .values(**values)
        .returning(model)
        .execution_options(synchronize_session=False)
    )
    return list((await session.scalars(stmt)).all())


class RelaySource(Protocol):
    """Lease-based work: claim some, process one, or do one whole pass (tests).

    ``process`` may return the next item to process at once (already claimed by it), or ``None``.
    """

    async def claim(self, limit: int) -> Sequence[Any]: ...

    async def process(self, item: Any) -> Any | None: ...


# The relay's statements, built and compiled once (per dialect: PostgreSQL's claim skips locked
# rows): each run binds its values (``now``, ``owner``, ``until``: the lease's end, ``limit``,
# ``ids``, ``row_id``, ``booking_ids``, ``done_at``, ``error``, ``retry_at``), so a claim or a settle costs no
# statement construction and no cache-key generation, and no ORM session work.
_OUTBOX = cast(Table, OutboxMessage.__table__)


def _now() -> BindParameter[datetime]:
    return bindparam("now", type_=_OUTBOX.c.available_at.type)


def _due_rows() -> ColumnElement[bool]:
    """Unfinished, due, lease free, and no earlier row of the same booking unfinished (or the row
    has no booking)."""
    table, earlier = _OUTBOX, _OUTBOX.alias("earlier")
    unfinished_earlier = (
        select(earlier.c.id)
        .where(
            earlier.c.booking_id == table.c.booking_id,
            earlier.c.booking_seq < table.c.booking_seq,
            earlier.c.completed_at.is_(None),
        )
        .exists()
    )
    return (
        table.c.completed_at.is_(None)
        & (table.c.available_at <= _now())
        & _lease_free(table.c, _now())
        & (table.c.booking_id.is_(None) | ~unfinished_earlier)
    )


def _leased() -> dict[str, Any]:
    return {
        "lease_owner": bindparam("owner"),
        "lease_expires_at": bindparam("until"),
        "attempts": _OUTBOX.c.attempts + 1,
    }


# Whether any row is due (SQLite: read before the claim takes the write lock).
ANY_DUE: Select[Any] = select(_OUTBOX.c.id).where(_due_rows()).limit(1)


@cache
def _claim(dialect: str) -> Update:
    """Lease up to ``limit`` due rows, returning each with its booking's last unfinished
    ``booking_seq``."""
    table = _OUTBOX
    pick = (
        select(table.c.id)
        .where(_due_rows())
        .order_by(table.c.available_at, table.c.created_at, table.c.booking_seq, table.c.id)
        .limit(bindparam("limit", type_=Integer))
    )
    if dialect == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    # SQLite's RETURNING names the updated table's columns bare, which inside the subquery would
    # mean the alias's own: name the outer row's booking in full there.
    outer: Any = literal_column(f"{table.name}.booking_id") if dialect == "sqlite" else None
    last_seq = _unfinished_seq(table, func.max, outer)
    return (
        update(table)
        .where(table.c.id.in_(pick.scalar_subquery()))
        .values(**_leased())
        .returning(*table.c, last_seq.label("last_unfinished_seq"))
    )


@cache
def _complete(dialect: str) -> Update:
    """Complete the rows ``ids`` still leased to ``owner``."""
    return (
        update(_OUTBOX)
        .where(one_of(_OUTBOX.c.id, "ids", dialect), _OUTBOX.c.lease_owner == bindparam("owner"))
        .values(
            lease_owner=None,
            lease_expires_at=None,
            completed_at=bindparam("done_at", type_=_OUTBOX.c.completed_at.type),
            last_error=None,
        )
        .returning(_OUTBOX.c.id)
    )


# Record one failure (``done_at`` set) or retry (``retry_at`` set) of row ``row_id``, if still ours.
_SETTLE_ONE: Update = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.lease_owner == bindparam("owner"))
    .values(
        lease_owner=None,
        lease_expires_at=None,
        completed_at=bindparam("done_at", type_=_OUTBOX.c.completed_at.type),
        last_error=bindparam("error", type_=_OUTBOX.c.last_error.type),
        available_at=func.coalesce(
            bindparam("retry_at", type_=_OUTBOX.c.available_at.type), _OUTBOX.c.available_at
        ),
    )
)


@cache
def _claim_next(dialect: str) -> Update:
    """Lease the first unfinished row of each of ``booking_ids`` if it is due and free."""
    table = _OUTBOX
    return (
        update(table)
        .where(
            one_of(table.c.booking_id, "booking_ids", dialect),
            table.c.booking_seq == _unfinished_seq(table, func.min),
            table.c.completed_at.is_(None),
            table.c.available_at <= _now(),
            _lease_free(table.c, _now()),
        )
        .values(**_leased())
        .returning(*table.c)
    )


def _group_in_order(items: Sequence[T], key: Callable[[T], str | None]) -> list[list[T]]:
    groups: OrderedDict[Any, list[T]] = OrderedDict()
    for position, item in enumerate(items):
        groups.setdefault(key(item) or ("", position), []).append(item)
    return list(groups.values())


class OutboxRelay:
    """Runs outbox rows through their handlers. ``run_once()`` is one full pass (for tests)."""

    # What a commit must have written for this source to look for work at once (RelayLoop):
    # outbox rows (new ones, or results that may let a booking's later row go).
    wakes_on = frozenset({"outbox"})

    def __init__(
        self,
        state: AppState,
        *,
        owner: str | None = None,
        lease: timedelta | None = None,
        handler_timeout: float | None = None,
        batch_size: int = 50,
        loader: Callable[[str], Handler] = load_handler,
        rng: random.Random | None = None,
        settle_wait: float = SETTLE_WAIT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.state = state
        self.owner = owner or new_owner()
        self.lease = lease or timedelta(seconds=state.settings.relay_lease_seconds)
        # A handler must finish well inside its lease, or a second worker could run it meanwhile.
        self.handler_timeout = handler_timeout or self.lease.total_seconds() * 0.8
        self.batch_size = batch_size
        self._loader = loader
        self._rng = rng or random.Random()
        # Claimed row id → the highest booking_seq of its booking unfinished at claim time, for
        # rows that had later ones (see claim).
        self._last_seq: dict[str, int] = {}
        # Results wait for the other rows running (at most ``settle_wait`` seconds, ``sleep``
        # injected in tests) and are recorded together (_GroupCommit).
        self._settler = _GroupCommit(self._settle_many, wait=settle_wait, sleep=sleep)

    def _lease(self, now: datetime) -> dict[str, Any]:
        return {"owner": self.owner, "until": now + self.lease, "now": now}

    async def claim(self, limit: int) -> list[OutboxItem]:
        """Lease up to ``limit`` due rows in one statement, which also returns, per row, its
        booking's last unfinished row (see :meth:`_settle_many`). On PostgreSQL the statement runs
        in autocommit on the driver itself, skipping locked rows: an empty claim costs what the
        due-rows read would.
        On SQLite the read comes first (on the cheapest read path), so an idle poll never takes
        the write lock."""
        now = self.state.clock.now()
        db = self.state.db
        if db.dialect == "sqlite" and not await db.fetch_all(ANY_DUE, {"now": now}):
            return []
        params = {**self._lease(now), "limit": limit}
        if db.dialect == "postgresql":
            async with _on_driver(db, transaction=False) as run:
                rows = await run.rows(_claim(db.dialect), params)
        else:
            async with _on_sqlite(db) as sqlite_run:
                rows = await sqlite_run.rows(_claim(db.dialect), params)
        for row in rows:
            # Completing the row claims its booking's next one only when there is one (most
            # bookings have a single row waiting).
            last = row.last_unfinished_seq
            if last is not None and row.booking_seq is not None and last > row.booking_seq:
                self._last_seq[row.id] = last
        rows.sort(key=lambda r: (r.created_at, r.booking_seq or 0, r.id))
        return [_item(r) for r in rows]

    async def process(self, item: OutboxItem) -> OutboxItem | None:
        """Run ``item``'s handler and record the result; returns its booking's next row when
        recording the completion claimed it (run it now: nothing else may run it meanwhile)."""
        self._settler.started()
        try:
            result = await self._run(item)
        except BaseException:
            self._settler.abandoned()  # shutdown: the lease runs out and another worker runs it
            raise
        return await self._settler.submit(result)

    async def _run(self, item: OutboxItem) -> _Result:
        """Run ``item``'s handler: what it came to (completed, failed for good, or a retry)."""
        try:
            handler = self._loader(item.kind)
            async with asyncio.timeout(self.handler_timeout):
                await handler(item, self.state)
        except RetryLater as exc:
            return self._retry(item, exc.delay, exc.reason)
        except PermanentFailure as exc:
            return self._finish(item, f"permanent failure: {exc.reason}")
        except asyncio.CancelledError:
            raise  # shutdown: the lease runs out and another worker takes the row
        except Exception as exc:
            # A bug or an outage must never lose a row: log it and try again later.
            logger.exception("outbox %s (%s %s) failed", item.id, item.kind, item.topic)
            return self._retry(item, None, f"{type(exc).__name__}: {exc}"[:2000])
        return self._finish(item, None)

    async def run_once(self) -> int:
        """Claim one batch and process it, each row followed by its booking's next ones; how
        many rows ran."""
        items = await self.claim(self.batch_size)
        return await self.process_batch(items)

    async def process_batch(self, items: Sequence[OutboxItem]) -> int:
        async def run_group(group: list[OutboxItem]) -> int:
            ran = 0
            for item in group:
                current: OutboxItem | None = item
                while current is not None:
                    current = await self.process(current)
                    ran += 1
            return ran

        ran = await asyncio.gather(
            *(run_group(g) for g in _group_in_order(items, lambda i: i.booking_id))
        )
        return sum(ran)

    def _finish(self, item: OutboxItem, error: str | None) -> _Result:
        return _Result(
            item, completed_at=self.state.clock.now(), last_error=error, available_at=None
        )

    def _retry(self, item: OutboxItem, delay: timedelta | None, reason: str) -> _Result:
        wait = delay if delay is not None else backoff(item.attempts + 1, self._rng)
        return _Result(
            item,
            completed_at=None,
            last_error=reason,
            available_at=self.state.clock.now() + wait,
        )

    async def _settle_many(self, results: Sequence[_Result]) -> list[OutboxItem | None]:
        """Record ``results``, only for rows whose lease is still ours: every plain completion
        in one statement, failures and retries (rare, each with its own values) one each; then,
        in the same transaction, lease the next row of every booking whose row completed and had
        later ones, in one more statement, so no other worker can see a row finished and the
        next one unclaimed, and a booking's run costs no extra claim. (A transaction even for one
        statement: observers of the relay's progress watch its commits.)"""
        plain = [r for r in results if r.completed_at is not None and r.last_error is None]
        db = self.state.db
        if db.dialect == "postgresql":
            async with _on_driver(db, transaction=True) as run:
                settled, following = await self._record(run, results, plain)
        else:
            async with _on_sqlite(db) as sqlite_run:
                settled, following = await self._record(sqlite_run, results, plain)
        out: list[OutboxItem | None] = []
        for result in results:
            last = self._last_seq.pop(result.item.id, None)
            if result.item.id not in settled:
                logger.warning(
                    "outbox %s: lease lost before the result was recorded; it will run again",
                    result.item.id,
                )
            row = following.pop(str(result.item.booking_id), None) if last is not None else None
            if row is None or last is None:
                out.append(None)
                continue
            if (row.booking_seq or 0) < last:
                self._last_seq[row.id] = last
            out.append(_item(row))
        return out

    async def _complete(self, run: _Statements, plain: Sequence[_Result]) -> set[str]:
        """Complete ``plain`` rows still leased to us in one statement; the ids it completed."""
        if not plain:
            return set()
        done = await run.rows(
            _complete(self.state.db.dialect),
            {
                "ids": [r.item.id for r in plain],
                "owner": self.owner,
                "done_at": plain[0].completed_at,
            },
        )
        return {row.id for row in done}

    async def _record(
        self, run: _Statements, results: Sequence[_Result], plain: Sequence[_Result]
    ) -> tuple[set[str], dict[str, Any]]:
        """The transaction of :meth:`_settle_many`: the ids recorded, and the next rows leased
        by booking id."""
        settled = await self._complete(run, plain)
        for result in results:
            if result.completed_at is not None and result.last_error is None:
                continue  # recorded by the one statement above
            changed = await run.count(
                _SETTLE_ONE,
                {
                    "row_id": result.item.id,
                    "owner": self.owner,
                    "done_at": result.completed_at,
                    "error": result.last_error,
                    "retry_at": result.available_at,
                },
            )
            if changed:
                settled.add(result.item.id)
        continuing = [
            str(r.item.booking_id)
            for r in results
            if r.completed_at is not None
            and r.item.id in settled
            and self._last_seq.get(r.item.id) is not None
        ]
        following: dict[str, Any] = {}
        if continuing:
            for row in await self._claim_next(run, continuing):
                following[str(row.booking_id)] = row
        return settled, following

    async def _claim_next(self, run: _Statements, booking_ids: Sequence[str]) -> list[Any]:
        """Lease each booking's first unfinished row if it is due and free: one statement for
        all of them (a booking's rows run one after another, so this runs once per settle)."""
        now = self.state.clock.now()
        return await run.rows(
            _claim_next(self.state.db.dialect),
            {**self._lease(now), "booking_ids": list(dict.fromkeys(booking_ids))},
        )


class _Statements(Protocol):
    """Where the relay's claim and settle statements run (module-level constants, each with its
    parameters): rows returned (attributes named as the columns), or rows changed."""

    async def rows(self, stmt: Update, params: Mapping[str, Any]) -> list[Any]: ...

    async def count(self, stmt: Update, params: Mapping[str, Any]) -> int: ...


class _OnConnection:
    """SQLAlchemy's execution on a connection (SQLite)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def rows(self, stmt: Update, params: Mapping[str, Any]) -> list[Any]:
        return list((await self._conn.execute(stmt, params)).all())

    async def count(self, stmt: Update, params: Mapping[str, Any]) -> int:
        result: Any = await self._conn.execute(stmt, params)
        return int(result.rowcount)


class _Row:
    """A returned row, its columns as attributes (as SQLAlchemy's rows have them)."""

    def __init__(self, columns: Iterable[tuple[str, Any]]) -> None:
        self.__dict__.update(columns)


@cache
def _returned(stmt: Update, dialect: Dialect) -> tuple[tuple[str, Any], ...]:
    """``stmt``'s ``RETURNING`` columns: each key, and its result processor for ``dialect``."""
    return tuple(
        (str(key), column.type.dialect_impl(dialect).result_processor(dialect, None))
        for key, column in stmt.exported_columns.items()
    )


class _Logged:
    """Statements run on a driver itself, each a plan compiled once by the dialect
    (``storage.rows.plan_of``), without SQLAlchemy's execution (which costs several times the
    statement's own CPU); each is logged for the engine's listeners. A subclass runs the SQL:
    ``_fetch`` (the rows it returns) and ``_execute`` (the rows it changed)."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self.log: list[RanStatement] = []
        self.changed = 0  # rows written, all statements together

    async def _fetch(self, sql: str, args: list[Any]) -> Sequence[Sequence[Any]]:
        raise NotImplementedError

    async def _execute(self, sql: str, args: list[Any]) -> int:
        raise NotImplementedError

    async def rows(self, stmt: Update, params: Mapping[str, Any]) -> list[Any]:
        plan = plan_of(stmt, self._dialect)
        args = plan.args(params)
        records = await self._fetch(plan.sql, args)
        self._ran(plan, args, len(records))
        returned = _returned(stmt, self._dialect)
        return [
            _Row(
                (key, proc(value) if proc is not None else value)
                for (key, proc), value in zip(returned, record, strict=True)
            )
            for record in records
        ]

    async def count(self, stmt: Update, params: Mapping[str, Any]) -> int:
        plan = plan_of(stmt, self._dialect)
        args = plan.args(params)
        changed = await self._execute(plan.sql, args)
        self._ran(plan, args, changed)
        return changed

    def _ran(self, plan: Any, args: list[Any], changed: int) -> None:
        self.log.append((plan.sql, args, StatementContext.of(plan.compiled), changed))
        self.changed += changed


class _OnDriver(_Logged):
    """PostgreSQL: the statements on a pooled connection's asyncpg connection itself, each a
    prepared statement of its cache (``_on_driver``)."""

    def __init__(self, driver: Any, dialect: Dialect) -> None:
        super().__init__(dialect)
        self._driver = driver

    async def _fetch(self, sql: str, args: list[Any]) -> Sequence[Sequence[Any]]:
        records: Sequence[Sequence[Any]] = await self._driver.fetch(sql, *args)
        return records

    async def _execute(self, sql: str, args: list[Any]) -> int:
        status: str = await self._driver.execute(sql, *args)  # "UPDATE <rows>"
        return int(status.rpartition(" ")[2] or 0)


class _OnSQLite(_Logged):
    """SQLite: the statements on the writer's connection on the loop's own thread
    (``SQLiteWriter.begin_inline``), synchronously: no thread hand-off, and nothing else runs on
    the loop between the transaction's ``BEGIN`` and its end (``_on_sqlite``)."""

    def __init__(self, conn: sqlite3.Connection, dialect: Dialect) -> None:
        super().__init__(dialect)
        self._conn = conn

    async def _fetch(self, sql: str, args: list[Any]) -> Sequence[Sequence[Any]]:
        return self._conn.execute(sql, args).fetchall()

    async def _execute(self, sql: str, args: list[Any]) -> int:
        return self._conn.execute(sql, args).rowcount


@asynccontextmanager
async def _on_sqlite(db: Database) -> AsyncIterator[_Statements]:
    """SQLite: the block's statements in one write transaction. While no other process holds
    the write lock, on the loop thread's connection (:class:`_OnSQLite`: the block must not
    await anything that suspends), committed when the block ends (rolled back if it raises), and
    then told to the engine's listeners as if SQLAlchemy had run them; otherwise (another process
    writes) through SQLAlchemy's ``Database.write``, which waits for the lock."""
    inline = False
    async with db.write_connection() as reporter:
        conn = db.sqlite_writer.begin_inline() if db.sqlite_writer is not None else None
        if conn is not None:
            inline = True
            run = _OnSQLite(conn, db.engine.dialect)
            committed = False
            try:
                yield run
                conn.execute("COMMIT")
                committed = True
            finally:
                if conn.in_transaction:
                    conn.rollback()
                sync_conn = reporter.sync_connection
                assert sync_conn is not None  # the connection is open: no I/O to reach it
                report_statements(
                    sync_conn.engine,
                    lambda: sync_conn,
                    run.log,
                    committed=committed,
                    end="commit" if committed else "rollback",
                )
    if not inline:
        async with db.write() as session:
            yield _OnConnection(await session.connection())  # Core statements: no ORM work


@asynccontextmanager
async def _on_driver(db: Database, *, transaction: bool) -> AsyncIterator[_OnDriver]:
    """PostgreSQL: the block's statements on a pooled asyncpg connection (:class:`_OnDriver`),
    in one transaction (``BEGIN`` … ``COMMIT``; ``ROLLBACK`` if the block raises) or each in
    autocommit. A connection that cannot be ended cleanly (closed, or interrupted mid-statement)
    is invalidated, so the pool never hands it out again. Afterwards the engine's listeners are
    told, as if SQLAlchemy had run them: the commit watchers (the relay's wake-up) that the
    block wrote the outbox, and any other listener (tracing, tests' counters) every statement,
    with its cursor's row count, and the transaction's end."""
    dialect = db.engine.dialect
    async with db.pooled_driver() as fairy:
        driver = fairy.driver_connection
        assert driver is not None  # a checked-out connection
        run = _OnDriver(driver, dialect)
        # A failure is rolled back (or the connection invalidated) by pooled_driver itself.
        if transaction:
            await driver.execute("BEGIN")
        yield run
        if transaction:
            await driver.execute("COMMIT")
        engine = db.engine.sync_engine
        report_statements(
            engine,
            partial(Connection, engine, connection=fairy),
            run.log,
            committed=True,
            # SQLAlchemy ends a block of autocommit statements with a rollback.
            end="commit" if transaction else "rollback" if run.log else None,
        )


def _unfinished_seq(table: Table, pick: Callable[..., Any], outer: Any = None) -> Any:
    """``pick`` (``func.min``/``func.max``) of the ``booking_seq`` of the outer row's booking's
    unfinished rows, as a scalar subquery correlated to ``table`` (``outer``: how to name the
    outer row's ``booking_id``, if not as the column)."""
    unfinished = table.alias("unfinished")
    return (
        select(pick(unfinished.c.booking_seq))
        .where(
            unfinished.c.booking_id == (table.c.booking_id if outer is None else outer),
            unfinished.c.completed_at.is_(None),
        )
        .correlate(table)
        .scalar_subquery()
    )


@dataclass(frozen=True, eq=False)
class _Result:
    """What running one claimed row came to: completed (``completed_at``, with ``last_error`` for
    a permanent failure) or to be retried at ``available_at``."""

    item: OutboxItem
    completed_at: datetime | None
    last_error: str | None
    available_at: datetime | None


class _GroupCommit:
    """Settles results in as few write transactions as the load allows: the results of the rows
    that run together are recorded together, once every row this relay has started has reported
    (or ``wait`` seconds after the first of them waited, whichever comes first: a slow handler
    never holds the others' results for long). A row handed over by a settle starts before the
    next settle is decided, so a claimed batch of bookings costs one settle per wave of its
    bookings' rows, not one per row that happened to finish first. A result submitted while
    nothing else runs is recorded at once (no added latency when idle). The flushing task is the
    relay's own, so a submitter cancelled while waiting (shutdown) never leaves the others'
    results unrecorded."""

    def __init__(
        self,
        settle: Callable[[Sequence[_Result]], Awaitable[list[OutboxItem | None]]],
        *,
        wait: float,
        sleep: Callable[[float], Awaitable[None]],
    ):
        self._settle = settle
        self._wait = wait
        self._sleep = sleep
        self._pending: list[tuple[_Result, asyncio.Future[OutboxItem | None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._running = 0  # rows started (``started``) that have not reported yet
        self._all_in: asyncio.Event | None = None  # set when the last running row reports

    def started(self) -> None:
        """A row's handler is about to run; its result is submitted (or ``abandoned``)."""
        self._running += 1

    def abandoned(self) -> None:
        """A started row will submit no result (cancelled: shutdown)."""
        self._reported()

    def _reported(self) -> None:
        self._running -= 1
        if self._running <= 0 and self._all_in is not None:
            self._all_in.set()

    async def submit(self, result: _Result) -> OutboxItem | None:
        future: asyncio.Future[OutboxItem | None] = asyncio.get_running_loop().create_future()
        self._pending.append((result, future))
        self._reported()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush())
        return await future

    async def _gathered(self) -> None:
        """Until every running row has reported, or ``wait`` seconds."""
        all_in = self._all_in = asyncio.Event()
        waiting = asyncio.ensure_future(all_in.wait())
        timer = asyncio.ensure_future(self._sleep(self._wait))
        try:
            await asyncio.wait({waiting, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._all_in = None
            waiting.cancel()
            timer.cancel()

    async def _flush(self) -> None:
        while True:
            # One pass of the event loop first: the rows a settle just handed over (and any
            # other woken alongside) start, and those that need no I/O report, before the
            # batch is taken.
            await asyncio.sleep(0)
            if not self._pending:
                return
            if self._running > 0:
                await self._gathered()
            batch, self._pending = self._pending, []
            try:
                outcomes = await self._settle([result for result, _ in batch])
            except Exception as exc:
                # Not recorded: the leases run out and the rows run again (at least once).
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)


def _item(row: Any) -> OutboxItem:
    """An outbox row (ORM object or result row) as the handler sees it."""
    return OutboxItem(
        id=row.id,
        account_id=row.account_id,
        livemode=row.livemode,
        kind=row.kind,
        topic=row.topic,
        booking_id=row.booking_id,
        payload=row.payload,
        created_at=row.created_at,
        attempts=row.attempts - 1,
        booking_seq=row.booking_seq,
    )


# The tables the current transaction of a connection wrote (``"*"``: a statement the relay
# cannot read a table from), kept on the connection until its commit or rollback, under a key of
# each hook's own (several loops may watch one engine).
_WRITTEN = "astrocal_relay_tables_written"
_READ_ONLY = ("SELECT", "BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "ROLLBACK", "SHOW", "SET")


def _table_written(sql: str, context: Any) -> str | None:
    """The table a statement writes (``"*"`` when unknown), or None for one that only reads."""
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        table = getattr(getattr(context.compiled, "statement", None), "table", None)
        return getattr(table, "name", None) or "*"
    return None if sql.lstrip()[:9].upper().startswith(_READ_ONLY) else "*"


def _set_all(events: Sequence[asyncio.Event]) -> None:
    for wake in events:
        wake.set()


def _load_source(path: str) -> Callable[..., Any]:
    module_name, _, attr = path.partition(":")
    factory: Callable[..., Any] = getattr(importlib.import_module(module_name), attr)
    return factory


class RelayLoop:
    """Keeps every source busy: claims while there is capacity, sleeps ``poll_interval`` when idle.

    :meth:`nudge` cuts the sleep short; :meth:`wake_on_commits` nudges after every transaction this
    process commits that wrote a source's rows, so rows written by the API in the same process go
    out at once rather than on the next poll (the poll still finds rows written by other
    processes).

    Coalescing: a source claims at most once per ``coalesce`` seconds. Woken sooner after its
    last claim, it waits out the rest (``sleep``, injected in tests), so the rows committed
    meanwhile — under load, several bookings' — are taken by one claim and run and settled
    together, rather than one claim and one settle chain per commit. A source woken after a
    quiet spell claims at once: the wait costs latency only under load, and at most
    ``coalesce`` seconds. A claim that took all the free capacity (``concurrency``) found a
    backlog: the next claim, as soon as capacity frees, does not wait (the window never caps
    throughput at ``concurrency`` rows per ``coalesce`` seconds). ``concurrency`` (bookings'
    rows in flight at once) is sized so that one window's rows fit one claim at several hundred
    bookings a second: a claim and its settles cost the same for one row as for a hundred.
    """

    def __init__(
        self,
        state: AppState,
        *,
        owner: str | None = None,
        concurrency: int = RELAY_CONCURRENCY,
        poll_interval: float | None = None,
        coalesce: float | None = None,
        sources: Sequence[Any] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.state = state
        self.owner = owner or new_owner()
        self.concurrency = concurrency
        self.poll_interval = (
            poll_interval if poll_interval is not None else state.settings.relay_poll_seconds
        )
        self.coalesce = coalesce if coalesce is not None else state.settings.relay_coalesce_seconds
        self._sleep = sleep
        self.sources: list[Any] = (
            list(sources)
            if sources is not None
            else [OutboxRelay(state, owner=self.owner)]
            + [_load_source(p)(state, owner=self.owner) for p in RELAY_SOURCES]
        )

        self._wakes = [asyncio.Event() for _ in self.sources]
        # Set while source i has nothing to claim and waits (observability; tests wait on it).
        self.waiting = [asyncio.Event() for _ in self.sources]

    def nudge(self) -> None:
        for wake in self._wakes:
            wake.set()

    def wake_on_commits(self, database: Database) -> Callable[[], None]:
        """Nudge after each commit on ``database``'s engine; returns the function that stops it.

        A source that names the tables its work lives in (``wakes_on``: ``table`` for any write,
        ``table:insert`` for new rows only) is nudged only by commits that wrote one of them: a
        booking's commit wakes the outbox relay, not the webhook retries, and a commit that wrote
        nothing wakes no one. A source without ``wakes_on`` is nudged by every commit that wrote
        anything."""
        loop = asyncio.get_running_loop()
        loop_thread = threading.get_ident()
        target = database.engine.sync_engine
        watched = [getattr(source, "wakes_on", None) for source in self.sources]
        key = (_WRITTEN, object())

        def on_execute(conn: Any, cursor: Any, sql: str, _p: Any, context: Any, _m: Any) -> None:
            table = _table_written(sql, context)
            # A write that changed no row (a claim that found nothing) makes nothing due.
            if table is not None and getattr(cursor, "rowcount", -1) != 0:
                written = conn.info.setdefault(key, set())
                written.add(table)
                if context is not None and context.isinsert:
                    written.add(f"{table}:insert")
                if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                    on_commit(conn)  # a statement in autocommit is committed once it ran

        def on_written(written: frozenset[str] | set[str]) -> None:
            if not written:
                return
            due = [
                wake
                for wake, tables in zip(self._wakes, watched, strict=True)
                if tables is None or "*" in written or not written.isdisjoint(tables)
            ]
            if not due:
                return
            if threading.get_ident() == loop_thread:
                _set_all(due)  # on the loop's own thread (SQLAlchemy's greenlets run there)
            else:
                # Another thread (a sync engine's): hand it to the loop, which a write to its
                # self-pipe wakes (a system call: not for every commit on the loop's thread).
                loop.call_soon_threadsafe(_set_all, due)

        def on_commit(conn: Any) -> None:
            written: set[str] | None = conn.info.pop(key, None)
            if written:
                on_written(written)

        def on_rollback(conn: Any) -> None:
            conn.info.pop(key, None)

        hooks: list[tuple[str, Callable[..., None]]] = [
            ("after_cursor_execute", on_execute),
            ("commit", on_commit),
            ("rollback", on_rollback),
        ]
        for name, hook in hooks:
            event.listen(target, name, hook)
        # Writers that run their statements on the driver itself tell on_written the tables
        # their commits wrote, without replaying their statements to these listeners.
        unwatch = watch_commits(target, on_written, [hook for _, hook in hooks])

        def unhook() -> None:
            unwatch()
            for name, hook in hooks:
                event.remove(target, name, hook)

        return unhook

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._run_source(i, stop) for i in range(len(self.sources))))

    async def _run_source(self, index: int, stop: asyncio.Event) -> None:
        source, wake, waiting = self.sources[index], self._wakes[index], self.waiting[index]
        in_flight: set[asyncio.Task[None]] = set()
        stopping = asyncio.ensure_future(stop.wait())
        clock = asyncio.get_running_loop().time
        claimed_at = -float("inf")
        backlog = False  # the last claim took all it could: more rows were due at once
        try:
            while not stop.is_set():
                if not backlog:
                    await self._coalesce(claimed_at + self.coalesce - clock(), stopping)
                if stop.is_set():
                    break
                wake.clear()  # a commit from now on means "look again"
                claimed: Sequence[Any] = []
                free = self.concurrency - len(in_flight)
                if free > 0:
                    claimed_at = clock()
                    try:
                        claimed = await source.claim(free)
                    except Exception:
                        logger.exception("relay: claiming from %s failed", type(source).__name__)
                    backlog = len(claimed) >= free
                    for group in _group_in_order(
                        list(claimed), lambda i: getattr(i, "booking_id", None)
                    ):
                        task = asyncio.ensure_future(self._run_group(source, group))
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                if claimed and len(in_flight) < self.concurrency:
                    continue  # more may be due right away (the next claim is coalesced)
                waker = asyncio.ensure_future(wake.wait())
                waiting.set()
                try:
                    await asyncio.wait(
                        {stopping, waker, *in_flight},
                        timeout=self.poll_interval,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    waiting.clear()
                    waker.cancel()
        finally:
            stopping.cancel()
            if in_flight:
                _, pending = await asyncio.wait(in_flight, timeout=10)
                for task in pending:
                    task.cancel()

    async def _coalesce(self, remaining: float, stopping: asyncio.Future[Any]) -> None:
        """Wait ``remaining`` seconds (if any) before the next claim, or until the loop stops."""
        if remaining <= 0:
            return
        pause = asyncio.ensure_future(self._sleep(remaining))
        try:
            await asyncio.wait({stopping, pause}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            pause.cancel()

    @staticmethod
    async def _run_group(source: Any, group: list[Any]) -> None:
        for item in group:
            current = item
            while current is not None:  # an item may hand over the next one it claimed
                try:
                    current = await source.process(current)
                except Exception:
                    logger.exception("relay: processing %r failed", current)
                    current = None


@asynccontextmanager
async def relay_lifespan(state: AppState) -> AsyncIterator[None]:
    """The relay inside ``astrocal serve`` (``ASTROCAL_RUN_RELAY=false`` turns it off)."""
    if not state.settings.run_relay:
        yield
        return
    stop = asyncio.Event()
    loop = RelayLoop(state)
    state.relay = loop
    unhook = loop.wake_on_commits(state.db)
    task = asyncio.get_running_loop().create_task(loop.run(stop))
    try:
        yield
    finally:
        unhook()
        stop.set()
        with suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, timeout=15)
