"""The async engine and the two ways to use it: ``db.read()`` and ``db.write()``.

SQLite: WAL, foreign keys on, a busy timeout; pysqlite's own transaction handling is switched off so
the server says ``BEGIN`` itself — ``BEGIN IMMEDIATE`` for writes, because a deferred transaction that
later writes ignores the busy timeout and fails with "database is locked". Writes are also serialised
in-process by an asyncio lock, which keeps tail latency low under many writers.
PostgreSQL (asyncpg): plain transactions; callers that need mutual exclusion take advisory locks inside.
Reads (``connect_read``) run without a transaction (PostgreSQL: autocommit): at READ COMMITTED
every statement reads its own snapshot anyway, and a read then costs no ``BEGIN`` and no
``ROLLBACK`` round trip.
Every connection taken from the PostgreSQL pool is checked first, as ``pool_pre_ping`` would (a dead
one, e.g. after a database restart, is replaced along with the rest of the pool before anyone uses
it), but without a round trip: a server that goes away closes its sockets (a restart or
``pg_terminate_backend`` sends a FATAL message first), asyncpg's protocol sees the end of the
stream as soon as the event loop next runs, and the connection says it is closed. A connection
that dies between that check and its statement fails its statement, as one could after a ping.

``fetch_all`` runs one read statement on the cheapest path there is (the hot reads of
availability): on a SQLite file, synchronously on the event loop's thread through this process's
own read-only ``sqlite3`` connection (no pool checkout, no hand-off to aiosqlite's thread; WAL
readers never wait for a writer, and the connection's busy timeout is zero, so the loop is never
held waiting for a lock); on PostgreSQL, on one of a few asyncpg connections the handle keeps for
itself (made by the pool's dialect, then detached from the pool; no checkout, no greenlet, one
round trip through asyncpg's cached prepared statement, autocommit). A kept connection the
server has closed is dropped before use, as a checkout would; more concurrent reads than it keeps
check connections out of the pool. Whenever that path cannot answer (SQLite busy, a dropped
PostgreSQL connection, any driver error) the statement runs again the ordinary way through
``connect_read``, whose errors are SQLAlchemy's (so a dropped connection is retried once on a
fresh one, and an outage is still the edge's 503). Statement listeners on the engine (tracing,
tests' fault injection) see every statement: while any is registered, ``fetch_all`` takes the
ordinary path.

``pooled_driver`` lends the PostgreSQL write transactions run on asyncpg itself (the one-host
booking, ``bookings/write.py``) a pooled connection: up to a few are kept checked out between
writes, so a write costs no checkout, checkin or greenlet (they count against the pool's size).
A kept connection the server has closed is invalidated and replaced before use; after a failed
write the connection is rolled back before anyone uses it again, and invalidated if it cannot be.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import weakref
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar, cast

from sqlalchemy import Select, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool, PoolProxiedConnection
from sqlalchemy.util import await_only, greenlet_spawn

from astrocal_server.config import normalise_database_url
from astrocal_server.storage.rows import fetch_all as fetch_rows
from astrocal_server.storage.rows import plan_of

__all__ = [
    "Database",
    "RanStatement",
    "ReadConnection",
    "SQLiteWriter",
    "StatementContext",
    "commit_watchers",
    "only_watchers_listen",
    "report_statements",
    "watch_commits",
]

# What ``Database.connect_read()`` yields, named here so the HTTP edge can hand one request's read
# connection to services without importing SQLAlchemy itself.
ReadConnection: TypeAlias = AsyncConnection

# PostgreSQL connections ``fetch_all`` keeps for itself per handle (more concurrent reads than this
# check connections out of the pool as usual).
_PG_READERS = 4
# Pooled PostgreSQL connections ``pooled_driver`` keeps checked out between its writes, per handle
# (more concurrent writes than this check connections out of the pool and back in); never more
# than half the pool's base size, so kept writers cannot starve the pool's other users.
_PG_WRITERS = 8
_BEGIN_OPTION = "astrocal_sqlite_begin"
_NO_TRANSACTION = "NONE"
_BEGAN = "astrocal_began"


class Database:
    # SQLite on a file: the thread that runs whole write transactions (``bookings/write.py``).
    sqlite_writer: SQLiteWriter | None = None
    # SQLite: the connection ``write_connection`` reports the writer thread's transactions on.
    _reporter: AsyncConnection | None = None

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 20) -> None:
        self.url = normalise_database_url(url)
        self._write_lock = asyncio.Lock()
        self._reader: sqlite3.Connection | None = None
        self._no_reader = False
        self._pg_idle: list[Any] = []  # asyncpg connections of fetch_all's own, idle
        self._pg_readers = 0
        self._pg_writers_idle: list[PoolProxiedConnection] = []  # pooled_driver's own, idle
        self._pg_writers = 0
        self._pg_writers_max = min(_PG_WRITERS, pool_size // 2)
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            self._memory = database in {"", ":memory:"} or "mode=memory" in str(parsed)
            # A plain file (no URI options): the writer thread can open it as the pool does.
            if not self._memory and not parsed.query and not database.startswith("file:"):
                self.sqlite_writer = SQLiteWriter(database)
            # Connections are cheap here; a generous pool keeps concurrent requests from queueing
            # for one (writers queue on the write lock instead).
            kwargs: dict[str, Any] = {
                "connect_args": {"timeout": 30},
                "pool_size": 20,
                "max_overflow": 40,
            }
            if self._memory:
                from sqlalchemy.pool import StaticPool

                kwargs = {"connect_args": {"timeout": 30}, "poolclass": StaticPool}
            # Returned connections are rolled back only when they began a transaction (below).
            kwargs["pool_reset_on_return"] = None
            self.engine: AsyncEngine = create_async_engine(self.url, echo=echo, **kwargs)
            self._install_sqlite_hooks()
            self._roll_back_only_begun()
        else:
            self._memory = False
            self.engine = create_async_engine(
                self.url, echo=echo, pool_size=pool_size, max_overflow=pool_size
            )
            _install_checkout_ping(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @classmethod
    def unpooled(cls, url: str) -> Database:
        """A database handle that opens a fresh connection per use (migrations, one-off commands)."""
        db = cls.__new__(cls)
        db.url = normalise_database_url(url)
        db._write_lock = asyncio.Lock()
        db._reader = None
        db._pg_idle, db._pg_readers = [], 0
        db._pg_writers_idle, db._pg_writers, db._pg_writers_max = [], 0, 0
        db._memory = False
        db._no_reader = True  # nothing here is kept open, a read connection neither
        db.engine = create_async_engine(db.url, poolclass=NullPool)
        if db.dialect == "sqlite":
            db._install_sqlite_hooks()
        db._sessions = async_sessionmaker(db.engine, expire_on_commit=False, autoflush=False)
        return db

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def _install_sqlite_hooks(self) -> None:
        memory = self._memory

        @event.listens_for(self.engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            for pragma in sqlite_pragmas(30000, wal=not memory):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(self.engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
            if mode != _NO_TRANSACTION:
                conn.connection.info[_BEGAN] = True
                conn.exec_driver_sql(f"BEGIN {mode}")

    def _roll_back_only_begun(self) -> None:
        """The pool's reset for SQLite: pysqlite is in autocommit here (we say ``BEGIN``
        ourselves), so only a connection that began a transaction since it was checked out can
        still be in one; a read's connection goes back without a trip to the driver's thread."""

        @event.listens_for(self.engine.sync_engine.pool, "reset")
        def _on_reset(dbapi_connection: Any, record: Any, state: Any) -> None:
            began = record is not None and record.info.pop(_BEGAN, False)
            if began and state.asyncio_safe and not state.transaction_was_reset:
                dbapi_connection.rollback()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading, ended when the block ends.

        It runs without a transaction (each statement reads a consistent snapshot on its own, as
        every statement of a READ COMMITTED transaction does on PostgreSQL anyway), which saves
        two round trips per read: SQLite's driver-thread hops, PostgreSQL's BEGIN and ROLLBACK.
        Closing (rather than rolling back) keeps the loaded objects usable after the block.
        """
        async with (
            self.connect_read() as conn,
            AsyncSession(bind=conn, expire_on_commit=False, autoflush=False) as session,
        ):
            yield session

    @asynccontextmanager
    async def connect_read(self) -> AsyncIterator[AsyncConnection]:
        """A plain connection for Core reads (no ORM session; no transaction: on SQLite no
        ``BEGIN``, on PostgreSQL autocommit)."""
        async with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                await conn.execution_options(**{_BEGIN_OPTION: _NO_TRANSACTION})
            else:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    async def fetch_all(self, stmt: Select[Any], params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """``stmt``'s rows as dicts keyed by column label, as :func:`~astrocal_server.storage.rows.
        fetch_all` returns them, on the cheapest path (module docstring). For one read
        statement of a module-level constant, outside any transaction."""
        # A listener before statements (fault injection, tracing) sends it the ordinary way; the
        # relay's commit watcher, after them in every relaying process, learns nothing from a read.
        if not self.engine.sync_engine.dispatch.before_cursor_execute:
            if self.dialect != "sqlite":
                try:
                    return await self._fetch_postgres(stmt, params)
                except Exception:  # noqa: S110 - the ordinary path answers, or raises its error
                    pass
            elif (reader := self._sqlite_reader()) is not None:
                try:
                    return _fetch_sqlite(reader, stmt, self.engine.dialect, params)
                except sqlite3.Error:
                    # Busy, or the file replaced or gone: a new connection next time, and the
                    # ordinary path (with its busy timeout) answers this time.
                    self._reader = None
                    reader.close()
        async with self.connect_read() as conn:
            return await fetch_rows(conn, stmt, params)

    async def _fetch_postgres(
        self, stmt: Select[Any], params: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """On an idle read connection of this handle's own (up to ``_PG_READERS``, taken from
        the pool once and detached from it: made by the dialect, codecs and all), else through a
        pool checkout. A reader the server closed is dropped (a restart: a new one is made);
        one whose statement failed or was cancelled is closed and dropped."""
        plan = plan_of(stmt, self.engine.dialect)
        idle = self._pg_idle
        while idle:
            driver = idle.pop()
            if not driver.is_closed():
                break
            self._pg_readers -= 1  # the server closed it (a restart)
        else:
            if self._pg_readers >= _PG_READERS or self._no_reader:
                return cast(
                    list[dict[str, Any]],
                    await greenlet_spawn(_fetch_pooled, self.engine, stmt, params),
                )
            self._pg_readers += 1  # before the wait: concurrent reads count it already
            try:
                driver = await greenlet_spawn(_detached_driver, self.engine)
            except BaseException:
                self._pg_readers -= 1
                raise
        try:
            records = await driver.fetch(plan.sql, *plan.args(params))
        except BaseException:
            self._pg_readers -= 1
            driver.terminate()
            raise
        if self._no_reader:  # disposed meanwhile
            self._pg_readers -= 1
            driver.terminate()
        else:
            idle.append(driver)
        return plan.rows(records)

    def _sqlite_reader(self) -> sqlite3.Connection | None:
        """This process's read-only connection to the SQLite file (None: an in-memory database,
        or a URL with options this does not interpret; the ordinary path reads those)."""
        reader = self._reader
        if reader is not None or self._no_reader or self._memory:
            return reader
        parsed = make_url(self.url)
        path = parsed.database or ""
        if parsed.query or path.startswith("file:") or not path:
            self._no_reader = True
            return None
        if not os.path.exists(path):
            return None  # not created yet: the ordinary path answers (and may create it)
        reader = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        reader.execute("PRAGMA query_only=ON")
        self._reader = reader
        return reader

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction: commits when the block ends, rolls back if it raises."""
        if self.dialect == "sqlite":
            async with self._write_lock, self.engine.connect() as conn:
                await conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
                async with (
                    AsyncSession(bind=conn, expire_on_commit=False, autoflush=False) as session,
                    _committed(session),
                ):
                    yield session
        else:
            async with self._sessions() as session, _committed(session):
                yield session

    @asynccontextmanager
    async def write_connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a write transaction the caller runs on the driver itself, from its
        ``BEGIN`` to its ``COMMIT`` or ``ROLLBACK``, ended before the block ends (SQLAlchemy begins
        nothing on it, so the pool has nothing to roll back); the caller reports its statements
        to the engine's listeners on it (``bookings/write.py``).

        SQLite: the in-process write lock held (as ``write()`` holds it), and the one connection
        kept for reporting the writer's transactions (``SQLiteWriter``), never used to run
        anything itself: no checkout per write. (PostgreSQL's writes of that kind run on
        :meth:`pooled_driver`; here it is a plain connection of the pool.)
        """
        if self.dialect == "sqlite":
            async with self._write_lock:
                reporter = self._reporter
                if reporter is None or reporter.closed:
                    reporter = await self.engine.connect()
                    await reporter.execution_options(**{_BEGIN_OPTION: _NO_TRANSACTION})
                    self._reporter = reporter
                yield reporter
        else:
            async with self.engine.connect() as conn:
                yield conn

    @asynccontextmanager
    async def pooled_driver(self) -> AsyncIterator[PoolProxiedConnection]:
        """PostgreSQL: a connection of the pool for a transaction the caller runs on its asyncpg
        connection (``.driver_connection``), from its ``BEGIN`` to its ``COMMIT`` or
        ``ROLLBACK``, ended before the block ends; without SQLAlchemy's ``Connection``.

        Up to ``_PG_WRITERS`` of them (at most half the pool's base size) are kept checked out
        between blocks (no checkout, no greenlet, no pool events per write); more concurrent
        blocks check one out and back in.
        A kept connection the server has closed is invalidated and replaced before use, as the
        checkout check would. If the block raises, the connection is rolled back (always: a
        statement interrupted before the server said it began a transaction may still leave one
        behind); one that cannot be (closed, or still mid-statement) is invalidated, and never
        used again. A checkout that fails raises the SQLAlchemy error ``connect()`` would have
        raised."""
        idle = self._pg_writers_idle
        fairy: PoolProxiedConnection | None = None
        while idle:
            fairy = idle.pop()
            if fairy.is_valid and not _driver_of(fairy).is_closed():
                break
            self._pg_writers -= 1  # the server closed it (a restart)
            await greenlet_spawn(_discard, fairy)
            fairy = None
        kept = fairy is not None
        if fairy is None:
            kept = self._pg_writers < self._pg_writers_max and not self._no_reader
            self._pg_writers += kept  # before the wait: concurrent writes count it already
            try:
                fairy = await self._checkout()
            except BaseException:
                self._pg_writers -= kept
                raise
        try:
            yield fairy
        except BaseException:
            await _end_failed(fairy)
            raise
        finally:
            if kept and fairy.is_valid and not self._no_reader:
                idle.append(fairy)
            else:
                self._pg_writers -= kept
                await greenlet_spawn(fairy.close)

    async def _checkout(self) -> PoolProxiedConnection:
        """A connection checked out of the pool (the checkout check runs); a failure raised as
        the SQLAlchemy error ``connect()`` would have raised."""
        dialect = self.engine.dialect
        dbapi: Any = dialect.loaded_dbapi
        try:
            return await greenlet_spawn(self.engine.sync_engine.pool.connect)
        except dbapi.Error as error:
            raise DBAPIError.instance(
                None,
                None,
                error,
                dbapi.Error,
                connection_invalidated=dialect.is_disconnect(error, None, None),
                dialect=dialect,
            ) from error

    async def ping(self) -> None:
        """Raises if the database cannot be reached."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await conn.rollback()

    async def dispose(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
        self._no_reader = True
        idle, self._pg_idle = self._pg_idle, []
        for driver in idle:
            self._pg_readers -= 1
            try:
                await driver.close(timeout=2)
            except Exception:
                driver.terminate()
        writers, self._pg_writers_idle = self._pg_writers_idle, []
        for fairy in writers:
            self._pg_writers -= 1
            await greenlet_spawn(fairy.close)
        reporter, self._reporter = self._reporter, None
        if reporter is not None:
            await reporter.close()
        await self.engine.dispose()
        if self.sqlite_writer is not None:
            await self.sqlite_writer.close()


T = TypeVar("T")


@dataclass(frozen=True)
class StatementContext:
    """What SQLAlchemy's execution context tells cursor listeners about a statement a writer ran
    on the driver itself and reports afterwards (``bookings/write.py``, the relay): its kind and
    compiled form."""

    compiled: Any
    isinsert: bool
    isupdate: bool
    isdelete: bool
    executemany: bool = False

    @classmethod
    def of(cls, compiled: Any, *, executemany: bool = False) -> StatementContext:
        return cls(
            compiled=compiled,
            isinsert=bool(compiled.isinsert),
            isupdate=bool(compiled.isupdate),
            isdelete=bool(compiled.isdelete),
            executemany=executemany,
        )


# What a commit wrote: table names, ``<table>:insert`` for new rows, ``*`` for a write to an
# unknown table.
CommitHook = Callable[[frozenset[str]], None]
# Commit watchers by engine (``watch_commits``): each hook, and the engine listeners it stands for.
_WATCHERS: weakref.WeakKeyDictionary[Engine, list[tuple[CommitHook, frozenset[Any]]]] = (
    weakref.WeakKeyDictionary()
)


def watch_commits(
    engine: Engine, hook: CommitHook, listeners: Sequence[Callable[..., Any]]
) -> Callable[[], None]:
    """Register ``hook`` to be told the tables each transaction committed on ``engine`` wrote,
    by the writers that run their statements on the driver itself (``bookings/write.py``, the
    relay's own statements) and report them: while ``listeners`` (engine listeners the caller
    installed for the same purpose, which see SQLAlchemy's own statements) are the only ones on
    the engine, such a writer calls the hooks instead of replaying its statements to them.
    Returns the function that unregisters it (the caller removes its listeners itself)."""
    entry = (hook, frozenset(listeners))
    _WATCHERS.setdefault(engine, []).append(entry)

    def unwatch() -> None:
        with suppress(ValueError, KeyError):
            _WATCHERS[engine].remove(entry)

    return unwatch


def commit_watchers(engine: Engine) -> list[CommitHook]:
    """The hooks ``watch_commits`` registered on ``engine``."""
    return [hook for hook, _ in _WATCHERS.get(engine, ())]


def only_watchers_listen(engine: Engine) -> bool:
    """Whether every listener for statements and transaction ends on ``engine`` is a commit
    watcher's (so a writer on the driver need only call ``commit_watchers``); false when there is
    none at all too (then nothing needs telling)."""
    watched: set[Any] = set()
    for _, listeners in _WATCHERS.get(engine, ()):
        watched |= listeners
    if not watched:
        return False
    dispatch = engine.dispatch
    return all(
        listener in watched
        for listeners in (
            dispatch.before_cursor_execute,
            dispatch.after_cursor_execute,
            dispatch.commit,
            dispatch.rollback,
        )
        for listener in listeners
    )


@dataclass(frozen=True)
class _Cursor:
    """What listeners are told of a reported statement's cursor: the rows it changed or returned."""

    rowcount: int


# A statement a writer ran on the driver itself: its SQL, parameters, context (None for BEGIN)
# and the rows it changed or returned (None: not counted).
RanStatement: TypeAlias = tuple[str, Any, StatementContext | None, int | None]


def report_statements(
    engine: Engine,
    connection: Callable[[], Connection],
    ran: Sequence[RanStatement],
    *,
    committed: bool,
    end: str | None,
) -> None:
    """Tell ``engine``'s listeners what a writer ran on the driver itself, as SQLAlchemy would
    have told them. While the only listeners are commit watchers' (``watch_commits``), a block
    that ``committed`` tells them the tables it wrote, with no replay and no ``Connection`` made.
    Otherwise every listener is told each statement on ``connection()`` and then the block's
    ``end`` (``"commit"``, ``"rollback"``, or None); a block committed without a reported commit
    (statements in autocommit, which SQLAlchemy ends with a rollback) tells the watchers directly
    too."""
    if only_watchers_listen(engine):
        if committed:
            _tell_watchers(engine, ran)
        return
    dispatch = engine.dispatch
    if not (
        dispatch.before_cursor_execute
        or dispatch.after_cursor_execute
        or dispatch.commit
        or dispatch.rollback
    ):
        return
    if committed and end != "commit":
        _tell_watchers(engine, ran)
    conn = connection()
    for sql, params, context, rows in ran:
        cursor = None if rows is None else _Cursor(rows)
        many = context is not None and context.executemany
        conn.dispatch.before_cursor_execute(conn, cursor, sql, params, context, many)
        conn.dispatch.after_cursor_execute(conn, cursor, sql, params, context, many)
    if end == "commit":
        conn.dispatch.commit(conn)
    elif end == "rollback":
        conn.dispatch.rollback(conn)


def _tell_watchers(engine: Engine, ran: Sequence[RanStatement]) -> None:
    """Call ``engine``'s commit watchers with the tables ``ran`` wrote (``<table>:insert``
    besides, for new rows), if it wrote any."""
    written: set[str] = set()
    for _sql, _params, context, rows in ran:
        if context is None or rows == 0:
            continue
        if context.isinsert or context.isupdate or context.isdelete:
            table = getattr(getattr(context.compiled, "statement", None), "table", None)
            name = getattr(table, "name", None) or "*"
            written.add(name)
            if context.isinsert:
                written.add(f"{name}:insert")
    if written:
        tables = frozenset(written)
        for hook in commit_watchers(engine):
            hook(tables)


def sqlite_pragmas(busy_timeout_ms: int, *, wal: bool = True) -> list[str]:
    """How every SQLite connection of a database is set up (the pool's and the writer's): WAL
    with ``synchronous=NORMAL`` (a file; an in-memory database has no journal to choose), foreign
    keys, and how long a statement waits for another process's lock."""
    journal = ["journal_mode=WAL", "synchronous=NORMAL"] if wal else []
    return [*journal, "foreign_keys=ON", f"busy_timeout={busy_timeout_ms}"]


class SQLiteWriter:
    """Where a caller runs a whole write transaction in one call: first on the event loop's own
    thread, on a connection that never waits for a lock (busy timeout 0), so a free database costs
    no hand-off between threads at all; when another process holds the write lock (``BEGIN
    IMMEDIATE`` is refused as busy, before anything ran), on a thread with a connection of its own
    that waits for it (the busy timeout), one hand-off where aiosqlite takes one to four per
    statement. Either connection is set up as the pool's are (WAL, ``synchronous=NORMAL``, foreign
    keys, no implicit transactions). In WAL mode a transaction that holds the write lock waits for
    nothing else (its reads need no lock, its ``COMMIT`` does not fsync), so the loop is held only
    as long as the statements run. The caller holds ``Database``'s write lock
    (``write_connection``); :meth:`run` says ``BEGIN IMMEDIATE``, the caller ends the transaction.
    Opened on first use; closed by ``Database.dispose`` (and opened again if used after)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._inline: sqlite3.Connection | None = None

    def _open(self, busy_timeout_ms: int) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, timeout=busy_timeout_ms / 1000, isolation_level=None)
        try:
            for pragma in sqlite_pragmas(busy_timeout_ms):
                conn.execute(f"PRAGMA {pragma}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:  # on the writer's thread, which alone uses it
            self._conn = self._open(30000)
        return self._conn

    def _begun(self, transaction: Callable[[sqlite3.Connection], T]) -> T:
        """On the writer's thread: ``BEGIN IMMEDIATE`` (waiting for the lock), the transaction."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        return transaction(conn)

    def begin_inline(self) -> sqlite3.Connection | None:
        """The loop thread's connection in a write transaction (``BEGIN IMMEDIATE``), for a
        caller that runs its statements on it and ends the transaction without letting the loop
        run anything in between; None when another process holds the lock (the caller then
        writes the way that waits for it). A driver error of the ``BEGIN`` is raised as is."""
        try:
            if self._inline is None:  # on the loop's thread, which alone uses it
                self._inline = self._open(0)
            self._inline.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            return None
        return self._inline

    async def run(self, transaction: Callable[[sqlite3.Connection], T]) -> T:
        """``transaction(connection)``, ``connection`` in a write transaction (``BEGIN
        IMMEDIATE``) that ``transaction`` ends; a driver error of the ``BEGIN`` is raised as is."""
        inline = self.begin_inline()
        if inline is not None:
            return transaction(inline)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="astrocal-sqlite-writer")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._begun, transaction)

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def close(self) -> None:
        inline, self._inline = self._inline, None
        if inline is not None:
            inline.close()
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.get_running_loop().run_in_executor(executor, self._close)
            executor.shutdown(wait=False)


def _busy(error: sqlite3.OperationalError) -> bool:
    """SQLite's "database is locked" (another connection holds the lock asked for)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_BUSY if code is not None else "locked" in str(error)


def _fetch_sqlite(
    reader: sqlite3.Connection, stmt: Select[Any], dialect: Any, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    # Autocommit: the statement reads the last committed state and, once its rows are all read,
    # holds no read lock (nothing stale is kept between requests).
    plan = plan_of(stmt, dialect)
    cursor = reader.execute(plan.sql, plan.args(params))
    try:
        return plan.rows(cursor.fetchall())
    finally:
        cursor.close()


def _detached_driver(engine: AsyncEngine) -> Any:
    """In SQLAlchemy's greenlet: a new asyncpg connection made as the pool makes its own (the
    dialect's connect and on-connect setup), no longer counted or managed by the pool."""
    fairy = engine.sync_engine.pool.connect()
    driver = fairy.driver_connection
    fairy.detach()
    return driver


def _fetch_pooled(engine: AsyncEngine, stmt: Select[Any], params: Mapping[str, Any]) -> Any:
    """In SQLAlchemy's greenlet: check a connection out (the checkout check runs), run the
    statement through asyncpg's statement cache outside any transaction, check it back in. A
    connection whose statement failed is discarded (it may be mid-protocol or dead)."""
    plan = plan_of(stmt, engine.dialect)
    fairy = engine.sync_engine.pool.connect()
    try:
        driver = fairy.driver_connection
        assert driver is not None  # a checked-out connection
        records = await_only(driver.fetch(plan.sql, *plan.args(params)))
    except BaseException:
        fairy.invalidate()
        raise
    finally:
        fairy.close()
    return plan.rows(records)


def _driver_of(fairy: PoolProxiedConnection) -> Any:
    driver = fairy.driver_connection
    assert driver is not None  # a checked-out, valid connection
    return driver


def _discard(fairy: PoolProxiedConnection) -> None:
    """In SQLAlchemy's greenlet: invalidate a checked-out connection and check it back in (the
    pool then opens a new one in its place when it needs one)."""
    fairy.invalidate()
    fairy.close()


async def _end_failed(fairy: PoolProxiedConnection) -> None:
    """Roll back what a failed block left (``pooled_driver``); a connection that cannot (closed,
    or interrupted mid-statement and not back in step) is invalidated."""
    driver = fairy.driver_connection
    try:
        if driver is not None and not driver.is_closed():
            # A statement cancelled mid-flight is settled first (asyncpg waits for the cancel).
            await driver.execute("ROLLBACK")
            if not driver.is_in_transaction():
                return
    except BaseException:  # noqa: S110 - invalidated below either way
        pass
    await greenlet_spawn(fairy.invalidate)


def _install_checkout_ping(engine: AsyncEngine) -> None:
    """``pool_pre_ping`` without the round trip: a pooled connection that asyncpg has seen closed
    (module docstring) invalidates the pool on checkout, whose next connection is a new one."""
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkout")
    def _on_checkout(_dbapi_connection: Any, _record: Any, proxy: Any) -> None:
        if proxy.driver_connection.is_closed():
            raise InvalidatePoolError()


@asynccontextmanager
async def _committed(session: AsyncSession) -> AsyncIterator[None]:
    """Commits ``session`` when the block ends; rolls it back if the block raises."""
    try:
        yield
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
