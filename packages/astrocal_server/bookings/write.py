"""The booking create as one short write transaction of Core statements, without the ORM session.

:func:`create_booking` (``bookings/service.py``) takes this path for the common create: one host
(no team), no hold, no daily booking limit and no monthly quota (those keep the ORM path, whose
behaviour this one reproduces otherwise). The transaction does what ``service.create_booking``
does, in the same order: on PostgreSQL the host's advisory lock; the Idempotency-Key replay (or
release of an expired key); the re-check of the start by the availability engine against the
occupants that can close it (those whose blocked time meets the start's; a refused start reads
the days around it for its reasons and alternatives); then the host row, the booking and its
outbox rows — the rows ``outbox/writer.py``'s ``enqueue`` makes, collected rather than flushed,
numbered ``booking_seq`` 1, 2, … as the flush numbers a new booking's rows, reminders unnumbered.
The response is built from the values written, never read back.

The transaction is written once, as a generator of statements (:func:`create_steps`), and run
by one of two drivers:

- SQLite: the whole transaction, ``BEGIN IMMEDIATE`` to ``COMMIT``, in one call of the
  database's writer (``storage.db.SQLiteWriter``: on the event loop's thread when no other
  process holds the write lock, else on the writer's thread, which waits for it; aiosqlite takes
  one to four hand-offs between threads per statement), under the in-process write lock
  (``Database.write_connection``).
- PostgreSQL: ``BEGIN`` with the host's advisory lock (one round trip), the read, then the host
  row, the booking and every outbox row in one statement (the exclusion constraint, still the
  backstop, may refuse the host row: the statement fails as a whole, and that error or a
  deadlock is the 409 a lost race gets), ``COMMIT``: four round trips on an asyncpg connection
  (``Database.pooled_driver``), each statement a prepared statement of asyncpg's cache
  (SQLAlchemy's execution of a statement costs more CPU than its round trip). A host's expired holds are deleted (as ``service.lock_hosts`` deletes
  them) only when one of them meets the new booking, the only case in which the constraint would
  oppose it.

Either way the statements are compiled once by SQLAlchemy's dialect, with its bind and result
processors (``storage.rows.plan_of``, as the fast reads do), and reported afterwards to the
engine's ``before/after_cursor_execute`` and ``commit`` / ``rollback`` listeners on the block's
connection, as if SQLAlchemy had run them (the relay's wake-up on commits that wrote its tables,
and the tests' statement counters, see them); a driver error is raised as the SQLAlchemy error it
would have been (so a busy or unreachable database is still a 503, a lost race a 409).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Table, bindparam, delete, insert, inspect, select, update
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.pool import PoolProxiedConnection

from astrocal_server.accounts import plans
from astrocal_server.availability.engine import CHECK_HORIZON_DAYS, check_start
from astrocal_server.availability.occupants import OCCUPANTS_OF_HOST
from astrocal_server.availability.rules import (
    booked_from_row,
    check_busy_range,
    occupancy_range,
    rules_for,
    working_hours_of,
)
from astrocal_server.idempotency import RETENTION
from astrocal_server.invitee.links import stored_links
from astrocal_server.outbox.writer import CollectedRows, enqueue_booking_change
from astrocal_server.reminders.plan import enqueue_planned, planned_for
from astrocal_server.serialize.bookings import booking_to_api
from astrocal_server.storage.db import (
    Database,
    StatementContext,
    report_statements,
)
from astrocal_server.storage.models import Booking, BookingHost, Host, OutboxMessage
from astrocal_server.storage.rows import Plan, plan_of

if TYPE_CHECKING:
    from astrocal_server.availability.engine import StartCheck
    from astrocal_server.bookings.service import PreparedSlot
    from astrocal_server.caller import Caller
    from astrocal_server.state import AppState
    from astrocal_server.storage.models import EventType

__all__ = [
    "Created",
    "Executor",
    "Replayed",
    "create_steps",
    "created_outbox_rows",
    "fits",
    "new_booking",
    "occupancy_of",
    "run_create",
]


@dataclass(frozen=True)
class Read:
    """A select; the driver sends back its rows as dicts keyed like ``Result.mappings()``."""

    stmt: Any
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Write:
    """An insert, update or delete with one parameter set per row (several: ``executemany``)."""

    stmt: Any
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Inserts:
    """New rows of several tables, in order (PostgreSQL: one statement, SQLite: one each)."""

    tables: list[tuple[Table, list[dict[str, Any]]]]


@dataclass(frozen=True)
class Created:
    """The new booking, and its API object as its outbox rows store it (links pending)."""

    booking: Booking
    stored: dict[str, Any]


@dataclass(frozen=True)
class Replayed:
    """An earlier create with the same Idempotency-Key, still replayed: its booking's id."""

    booking_id: str


Steps = Generator[Read | Write | Inserts, list[dict[str, Any]], Created | Replayed]

_DELETE_EXPIRED_HOLDS = delete(BookingHost).where(
    BookingHost.host_id == bindparam("host_id"),
    BookingHost.status == "held",
    BookingHost.expires_at <= bindparam("now"),
)
_BY_KEY = select(Booking.id, Booking.created_at).where(
    Booking.account_id == bindparam("account_id"),
    Booking.livemode == bindparam("livemode"),
    Booking.idempotency_key == bindparam("key"),
)
_RELEASE_KEY = (
    update(Booking).where(Booking.id == bindparam("booking_id")).values(idempotency_key=None)
)
# PostgreSQL: the host's occupants that meet the new booking's blocked time, expired holds
# included (OCCUPANTS_OF_HOST without its expiry filter): they are the only rows the exclusion
# constraint could oppose to the new one, so only when one is an expired hold does the write
# delete the host's expired holds (``_DELETE_EXPIRED_HOLDS``, as ``service.lock_hosts`` always
# does) — one round trip fewer in the common case.
_MEETING = select(*OCCUPANTS_OF_HOST.selected_columns).where(
    BookingHost.host_id == bindparam("host_id"),
    BookingHost.status != "cancelled",
    BookingHost.block_end > bindparam("lo"),
    BookingHost.block_start < bindparam("hi"),
)
_BOOKINGS: Table = Booking.__table__  # type: ignore[assignment]
_BOOKING_HOSTS: Table = BookingHost.__table__  # type: ignore[assignment]
_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
# The bookings table's columns and the Booking attributes that hold them.
_BOOKING_COLUMNS = tuple((attr.columns[0].key, attr.key) for attr in inspect(Booking).column_attrs)


def fits(state: AppState, caller: Caller, slot: PreparedSlot) -> bool:
    """Whether this path makes ``slot``'s booking: one host, no daily limit, no monthly quota,
    and on SQLite a database file the writer thread can open."""
    return (
        (state.db.dialect == "postgresql" or state.db.sqlite_writer is not None)
        and slot.team is None
        and slot.schedule is not None
        and slot.known_hosts is not None
        and rules_for(slot.event_type, slot.duration).max_bookings_per_day is None
        and plans.plan_of(state.settings, caller.account).plan.bookings_per_month is None
    )


def create_steps(
    *,
    postgres: bool,
    clock: Callable[[], datetime],
    slot: PreparedSlot,
    key: str | None,
    account_id: str,
    livemode: bool,
    new_booking: Callable[[datetime, list[str]], Booking],
    outbox_rows: Callable[[Booking], tuple[list[dict[str, Any]], dict[str, Any]]],
    refuse: Callable[[StartCheck], Exception],
) -> Steps:
    """The statements of one create, in order; sent each one's rows; returns the outcome."""
    host_id: str = slot.default_host_id
    if key is not None:
        found = yield Read(_BY_KEY, {"account_id": account_id, "livemode": livemode, "key": key})
        if found:
            if found[0]["created_at"] + RETENTION > clock():
                return Replayed(str(found[0]["id"]))
            yield Write(_RELEASE_KEY, [{"booking_id": found[0]["id"]}])
    now = clock()
    event_type, start = slot.event_type, slot.request.start
    rules = rules_for(event_type, slot.duration)
    assert slot.schedule is not None  # fits(): one host, so the event type has a schedule
    hours = slot.hours if slot.hours is not None else working_hours_of(slot.schedule)

    def occupants_of(window: tuple[datetime, datetime], stmt: Any = OCCUPANTS_OF_HOST) -> Read:
        lo, hi = window
        params = {"host_id": host_id, "lo": lo.astimezone(UTC), "hi": hi.astimezone(UTC)}
        return Read(
            stmt, {**params, "now": now.astimezone(UTC)} if stmt is not _MEETING else params
        )

    # Only an occupant whose blocked time meets the start's own (buffers included) can close it
    # or share its seats; a refused start pays for the days around it (reasons, alternatives).
    window = (
        start - timedelta(minutes=rules.buffer_before_minutes),
        start + timedelta(minutes=rules.duration_minutes + rules.buffer_after_minutes),
    )
    if postgres:
        rows = yield occupants_of(window, _MEETING)
        live = [row for row in rows if row["expires_at"] is None or row["expires_at"] > now]
        if len(live) < len(rows):  # an expired hold the new row would meet in the constraint
            yield Write(_DELETE_EXPIRED_HOLDS, [{"host_id": host_id, "now": now}])
        rows = live
    else:  # no such constraint; readers skip expired holds
        rows = yield occupants_of(window)
    nearby = [booked_from_row(row, event_type.id) for row in rows]
    check = check_start(
        hours, rules, now=now, start=start, bookings=nearby, busy=slot.busy, horizon_days=1
    )
    if not check.available:
        rows = yield occupants_of(occupancy_range(*check_busy_range(start, CHECK_HORIZON_DAYS)))
        check = check_start(
            hours,
            rules,
            now=now,
            start=start,
            bookings=[booked_from_row(row, event_type.id) for row in rows],
            busy=slot.busy,
            horizon_days=CHECK_HORIZON_DAYS,
        )
        if not check.available:
            raise refuse(check)
    booking = new_booking(now, [host_id])
    occupancy = {
        "booking_id": booking.id,
        "host_id": host_id,
        "position": 0,
        "event_type_id": booking.event_type_id,
        **occupancy_of(booking),
        "expires_at": None,
    }
    rows, stored = outbox_rows(booking)
    values = booking.__dict__  # every column's value (``new_booking``), without the descriptors
    # The host row (the one the exclusion constraint may refuse: the whole statement fails with
    # it, as one transaction would), the booking, its outbox rows.
    yield Inserts(
        [
            (_BOOKING_HOSTS, [occupancy]),
            (_BOOKINGS, [{col: values[attr] for col, attr in _BOOKING_COLUMNS}]),
            (_OUTBOX, rows),
        ]
    )
    return Created(booking, stored)


def created_outbox_rows(
    state: AppState,
    caller: Caller,
    booking: Booking,
    event_type: EventType,
    hosts: list[Host],
    enqueue_change: Callable[..., list[str]] = enqueue_booking_change,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The outbox rows a created booking owes, as ``service._emit`` writes them for ``created``:
    its change's rows (``enqueue_change``), numbered 1, 2, …, then its reminders, unnumbered;
    and the booking's API object they carry (its links pending)."""
    collected = CollectedRows()
    now = booking.updated_at
    stored = booking_to_api(
        booking,
        stored_links(
            booking.invitee_token_sealed,
            public_base_url=state.settings.public_base_url,
            template=caller.account.invitee_url_template,
        ),
    )
    enqueue_change(
        collected,
        change="created",
        booking=stored,
        sequence=booking.ics_sequence,
        event_type=event_type,
        account=caller.account,
        hosts=hosts,
        now=now,
    )
    planned = planned_for(event_type, booking, now)
    enqueue_planned(collected, booking, planned, now)  # as reminders.plan.plan_reminders does
    return collected.values(), stored


def occupancy_of(booking: Booking) -> dict[str, Any]:
    """What a booking's host rows copy of it and follow when it changes: its status, times, block
    and seat key."""
    return {
        "status": booking.status,
        "start_at": booking.start_at,
        "end_at": booking.end_at,
        "block_start": booking.block_start,
        "block_end": booking.block_end,
        "seat_key": booking.seat_key,
    }


def new_booking(values: dict[str, Any], hosts: list[Host]) -> Booking:
    """The booking ``values`` (attribute → value) make, as loaded with its ``hosts`` (not in any
    session; the column defaults the ORM would fill at the flush filled here): the instance dict
    filled directly, as the ORM's own loader does, an order of magnitude cheaper than the
    instrumented constructor."""
    booking: Booking = _BOOKING_MANAGER.new_instance()
    booking.__dict__.update(_UNSET, ics_sequence=0, external_events={})
    booking.__dict__.update(values)
    set_committed_value(booking, "hosts", list(hosts))
    return booking


_BOOKING_MANAGER = inspect(Booking).class_manager
# Every column attribute, None (the ones a new booking sets are then overwritten).
_UNSET: dict[str, Any] = {attr: None for _column, attr in _BOOKING_COLUMNS}


class Executor:
    """The transaction's own connection (PostgreSQL), on which ``run_create``'s ``lock`` runs its
    statement too. ``BEGIN`` is sent with the first statement: in one round trip with it when that
    statement takes only integers and returns nothing (the host's advisory lock: the integers are
    written into the SQL, simple query protocol), else just before it."""

    def __init__(self, driver: Any, dialect: Dialect, log: _Log) -> None:
        self._driver = driver
        self._dialect = dialect
        self._log = log
        self.began = False

    async def _begin(self) -> None:
        if not self.began:
            await self._driver.execute("BEGIN")
            self.began = True

    async def execute(self, stmt: Any, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run ``stmt`` (a module-level constant: compiled once) with ``params``; the rows of its
        result columns (none for a ``text()`` statement)."""
        plan = plan_of(stmt, self._dialect)
        args = plan.args(params)
        self._log.append((plan.sql, args, _context(plan, False)))
        if not plan.columns:  # a statement without result columns of its own (the lock)
            if not self.began and all(type(arg) is int for arg in args):
                sql = plan.sql
                for n in range(len(args), 0, -1):  # $10 before $1
                    sql = sql.replace(f"${n}", str(args[n - 1]))
                await self._driver.execute(f"BEGIN; {sql}")
                self.began = True
                return []
            await self._begin()
            await self._driver.execute(plan.sql, *args)
            return []
        await self._begin()
        return plan.rows(await self._driver.fetch(plan.sql, *args))

    async def insert(self, plan: Plan, args: list[Any]) -> None:
        """Run an insert of :func:`_one_insert` (its plan, the driver's arguments)."""
        self._log.append((plan.sql, args, _context(plan, False)))
        await self._begin()
        await self._driver.execute(plan.sql, *args)

    async def write(self, write: Write) -> None:
        plan = plan_of(write.stmt, self._dialect, tuple(write.rows[0]))
        many = [plan.args(row) for row in write.rows]
        self._log.append(
            (plan.sql, many if len(many) > 1 else many[0], _context(plan, len(many) > 1))
        )
        await self._begin()
        if len(many) > 1:
            await self._driver.executemany(plan.sql, many)
        else:
            await self._driver.execute(plan.sql, *many[0])


async def run_create(
    db: Database, steps: Steps, lock: Callable[[Executor], Awaitable[None]]
) -> Created | Replayed:
    """Run the create's statements in one write transaction of ``db`` (:func:`fits` said yes,
    so on SQLite it has a writer thread), then report them to the engine's listeners."""
    log: _Log = []
    committed = False
    if db.dialect == "postgresql":
        async with db.pooled_driver() as fairy:
            try:
                outcome = await _run_on_asyncpg(fairy, db.engine.dialect, steps, lock, log)
                committed = True
                return outcome
            finally:
                engine = db.engine.sync_engine
                # Told on a Connection of the same pooled connection.
                _report(engine, partial(Connection, engine, connection=fairy), log, committed)
    async with db.write_connection() as conn:
        assert db.sqlite_writer is not None
        log.append((_BEGIN_IMMEDIATE, (), None))  # logged before it runs, as the rest
        try:
            outcome = await db.sqlite_writer.run(
                partial(_transaction, dialect=conn.dialect, steps=steps, log=log)
            )
            committed = True
            return outcome
        except sqlite3.Error as error:  # the BEGIN's (the transaction raises its own)
            raise DBAPIError.instance(_BEGIN_IMMEDIATE, None, error, sqlite3.Error) from error
        finally:
            sync_conn = conn.sync_connection
            assert sync_conn is not None  # the connection is open: no I/O to reach it
            _report(sync_conn.engine, lambda: sync_conn, log, committed)


# --- PostgreSQL: the transaction on the asyncpg connection ----------------------------------------


async def _run_on_asyncpg(
    fairy: PoolProxiedConnection,
    dialect: Dialect,
    steps: Steps,
    lock: Callable[[Executor], Awaitable[None]],
    log: _Log,
) -> Created | Replayed:
    """``BEGIN``, the host's advisory lock first (as ``service.lock_hosts`` takes it; ``lock`` is
    looked up at call time: the race tests take it away to leave the exclusion constraint alone),
    every statement, ``COMMIT``, on the pooled connection's asyncpg connection itself: each
    statement one prepared statement of asyncpg's cache, without SQLAlchemy's execution (which
    costs more CPU than the round trip). A driver error is raised as the SQLAlchemy error it would
    have been (an exclusion violation or a deadlock is still the 409 of a lost race, a dropped
    connection still the edge's 503); ``Database.pooled_driver`` then rolls the connection back,
    or invalidates it."""
    driver = fairy.driver_connection
    assert driver is not None  # a checked-out connection
    run = Executor(driver, dialect, log)
    sql = "BEGIN"
    try:
        await lock(run)
        rows: list[dict[str, Any]] | None = None
        while True:
            try:
                step = next(steps) if rows is None else steps.send(rows)
            except StopIteration as done:
                outcome: Created | Replayed = done.value
                break
            if isinstance(step, Read):
                rows = await run.execute(step.stmt, step.params)
                continue
            if isinstance(step, Inserts):
                await run.insert(*_one_insert(step, dialect))
            else:
                await run.write(step)
            rows = []
        sql = "COMMIT"
        if run.began:
            await driver.execute(sql)
        return outcome
    except Exception as error:
        if isinstance(error, DBAPIError):
            raise
        failed = log[-1][0] if log and sql != "COMMIT" else sql
        raised = _as_sqlalchemy_error(dialect, failed, error, driver.is_closed())
        if raised is not None:
            raise raised from error
        raise


def _as_sqlalchemy_error(
    dialect: Dialect, sql: str, error: Exception, disconnected: bool
) -> DBAPIError | None:
    """``error`` (asyncpg's) as SQLAlchemy raises it: as the dialect's DBAPI error of its kind
    (PEP 249's names: an integrity violation an ``IntegrityError``, a syntax or access error a
    ``ProgrammingError``, a client-side failure an ``InterfaceError``, else ``DatabaseError``),
    keeping its SQLSTATE, wrapped in :class:`~sqlalchemy.exc.DBAPIError`; None for an error that
    is not the driver's."""
    import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

    dbapi: Any = dialect.loaded_dbapi
    if isinstance(error, asyncpg.exceptions.IntegrityConstraintViolationError):
        kind = dbapi.IntegrityError
    elif isinstance(error, asyncpg.exceptions.SyntaxOrAccessError):
        kind = dbapi.ProgrammingError
    elif isinstance(error, asyncpg.PostgresError):
        kind = dbapi.DatabaseError
    elif isinstance(error, asyncpg.InterfaceError):
        kind = dbapi.InterfaceError
    else:
        return None
    translated = kind(str(error), error)
    translated.__cause__ = error
    found = DBAPIError.instance(
        sql, None, translated, dbapi.Error, connection_invalidated=disconnected, dialect=dialect
    )
    return found if isinstance(found, DBAPIError) else None


def _one_insert(step: Inserts, dialect: Dialect) -> tuple[Plan, list[Any]]:
    """PostgreSQL: ``step``'s rows as one statement: each row a single-row ``INSERT``, all but the
    last as data-modifying CTEs (none refers to another, and no foreign key links them); its plan
    and the driver's arguments. Single rows, so the statement for a given shape is built and
    compiled once, with the place of each of its parameters among the rows' values."""
    shape = tuple((table.name, tuple(rows[0]), len(rows)) for table, rows in step.tables)
    found = _INSERTS.get((shape, id(dialect)))
    if found is None:
        found = _INSERTS[(shape, id(dialect))] = _insert_plan(step, shape, dialect)
    plan, order = found
    flat = [
        row[key]
        for (_table, rows), (_name, keys, _count) in zip(step.tables, shape, strict=True)
        for row in rows
        for key in keys
    ]
    return plan, [flat[at] if proc is None else proc(flat[at]) for at, proc in order]


def _insert_plan(
    step: Inserts, shape: tuple[tuple[str, tuple[str, ...], int], ...], dialect: Dialect
) -> tuple[Plan, tuple[tuple[int, Callable[[Any], Any] | None], ...]]:
    """The statement of ``shape`` compiled (parameter ``<table>_<row>_<column>``), and for each
    of its positional parameters the index of its value among the rows' values in order, with
    its bind processor."""
    parts = []
    at: dict[str, int] = {}
    for (table, _rows), (_name, keys, count) in zip(step.tables, shape, strict=True):
        for n in range(count):
            names = {key: f"{table.name}_{n}_{key}" for key in keys}
            at.update((name, len(at)) for name in names.values())
            parts.append(
                insert(table).values(
                    {key: bindparam(name, type_=table.c[key].type) for key, name in names.items()}
                )
            )
    ctes = [part.cte(f"new_{n}") for n, part in enumerate(parts[:-1])]
    plan = plan_of(parts[-1].add_cte(*ctes), dialect)
    return plan, tuple((at[name], proc) for name, _literal, proc in _binds(plan, dialect))


def _binds(
    plan: Plan, dialect: Dialect
) -> tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]:
    """``plan.binds``, JSON parameters written by :func:`_compact_json` (kept per plan)."""
    found = _BINDS.get(id(plan))
    if found is None:
        compiled: Any = plan.compiled
        found = _BINDS[id(plan)] = tuple(
            (
                name,
                literal,
                _compact_json(proc)
                if proc is not None
                and isinstance(compiled.binds[name].type.dialect_impl(dialect), JSON)
                else proc,
            )
            for name, literal, proc in plan.binds
        )
    return found


# Plans are kept for the life of the process (``storage.rows.plan_of``), so their ids are too.
_BINDS: dict[int, tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]] = {}


def _compact_json(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A JSON parameter's text written compactly (orjson when installed, the ``speed`` extra, as
    the API's encoder does), for an object or an array: the same document as SQLAlchemy's
    serialiser writes (PostgreSQL's ``jsonb`` keeps the value, not the text; SQLite's text differs
    only in spacing and escapes, which every JSON reader ignores), in a tenth of the time with
    orjson. Anything else (None, which SQLAlchemy writes as JSON ``null``), or anything the
    encoder refuses (an integer past 64 bits, a lone surrogate), by SQLAlchemy's processor."""

    def process(value: Any) -> Any:
        if type(value) is dict or type(value) is list:
            try:
                return _json_text(value)
            except (TypeError, ValueError):
                pass
        return proc(value)

    return process


try:
    import orjson

    def _json_text(value: Any) -> str:
        return orjson.dumps(value).decode()

except ImportError:  # pragma: no cover - the pure-Python fallback

    def _json_text(value: Any) -> str:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        text.encode()  # a lone surrogate: refused, as orjson refuses it
        return text


# Per shape and dialect (the statement is kept alive by its plan's compiled form).
_INSERTS: dict[tuple[Any, int], tuple[Plan, tuple[tuple[int, Any], ...]]] = {}


# --- both: what the engine's listeners are told --------------------------------------------------


# The statements a transaction ran: (SQL, parameters, context; None for BEGIN).
_Log = list[tuple[str, Any, StatementContext | None]]


def _context(plan: Plan, executemany: bool) -> StatementContext:
    return StatementContext.of(plan.compiled, executemany=executemany)


def _report(
    engine: Engine, connection: Callable[[], Connection], log: _Log, committed: bool
) -> None:
    """Tell ``engine``'s listeners the transaction's statements and its end
    (``storage.db.report_statements``): the relay's wake-up and statement counters see them."""
    report_statements(
        engine,
        connection,
        [(sql, params, context, None) for sql, params, context in log],
        committed=committed,
        end="commit" if committed else "rollback" if log else None,
    )


# --- SQLite: the transaction on the driver's thread ----------------------------------------------


@cache
def _insert_into(table: Table) -> Any:
    """One ``INSERT`` statement object per table (its compiled plan is cached by identity)."""
    return insert(table)


_BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"


def _run_write(cursor: sqlite3.Cursor, dialect: Dialect, write: Write, log: _Log) -> None:
    plan = plan_of(write.stmt, dialect, tuple(write.rows[0]))
    binds = _binds(plan, dialect)
    many = [
        [
            row.get(name, literal) if proc is None else proc(row.get(name, literal))
            for name, literal, proc in binds
        ]
        for row in write.rows
    ]
    log.append((plan.sql, many if len(many) > 1 else many[0], _context(plan, len(many) > 1)))
    if len(many) > 1:
        cursor.executemany(plan.sql, many)
    else:
        cursor.execute(plan.sql, many[0])


def _transaction(
    dbapi: sqlite3.Connection, *, dialect: Dialect, steps: Steps, log: _Log
) -> Created | Replayed:
    """On the writer's connection, ``BEGIN IMMEDIATE`` done (``SQLiteWriter.run``): every
    statement, ``COMMIT`` — or ``ROLLBACK`` and the error. Each statement run is appended to
    ``log``."""
    cursor = dbapi.cursor()
    sql = _BEGIN_IMMEDIATE
    try:
        rows: list[dict[str, Any]] | None = None
        while True:
            try:
                step = next(steps) if rows is None else steps.send(rows)
            except StopIteration as done:
                outcome: Created | Replayed = done.value
                break
            if isinstance(step, Read):
                plan = plan_of(step.stmt, dialect)
                sql, args = plan.sql, plan.args(step.params)
                log.append((sql, args, _context(plan, False)))
                rows = plan.rows(cursor.execute(sql, args).fetchall())
            else:
                writes = (
                    [Write(_insert_into(table), new) for table, new in step.tables]
                    if isinstance(step, Inserts)
                    else [step]
                )
                for write in writes:
                    _run_write(cursor, dialect, write, log)
                rows = []
        sql = "COMMIT"
        cursor.execute(sql)
        return outcome
    except BaseException as error:
        if dbapi.in_transaction:
            dbapi.rollback()
        if isinstance(error, sqlite3.Error):
            failed = log[-1][0] if log else sql  # logged before it ran
            raise DBAPIError.instance(failed, None, error, sqlite3.Error) from error
        raise
    finally:
        cursor.close()
