"""Recognising a known API key without a database query, and forgetting it at once everywhere.

Every request presents a key; looking it up (key joined to account) was one query per request.
:class:`KeyCache` keeps, per process, the active keys it has recognised (by the secret's SHA-256,
never the secret) with their accounts. An entry is trusted only while the database's **cache
generation** is the one it was read under; anything that changes what a key authenticates as
(revoking a key, changing the account a caller carries) runs in :func:`changing_cached`, which
moves the generation on when it commits, so every process drops its entries before its next
request. The same generation guards every :class:`GenerationCache` (the availability inputs of
``availability/inputs.py`` too), and writes that change what those hold run in
:func:`changing_cached` as well:

- **SQLite** (a file): the generation is the size of a small file beside the database
  (``<database>-auth``), to which :func:`changing_cached` appends one byte after the commit and
  before the change's response is sent. Every lookup ``stat``\\s the file (a system call, no table
  read, no lock), so a process sharing the database file sees the revocation on its very next
  request. The size only grows, so two generations never look alike. An in-memory database is
  one process: the generation is a counter in it.
- **PostgreSQL**: each process holds one ``LISTEN astrocal_auth`` connection (entered by
  :func:`key_cache_lifespan`, named ``astrocal-auth`` in ``pg_stat_activity``); the changing
  transaction counts those listeners and runs ``pg_notify``, which PostgreSQL delivers to every
  listener at commit (never for a rolled-back change). A process moves its generation on when a
  notification arrives, then acknowledges it (``NOTIFY astrocal_auth_ack``, the change's token).
  The changing request answers only once every listener it counted has acknowledged (at most a
  second): each listening process has moved its generation on before anyone can act on the answer.
  PostgreSQL delivers to each listener when that listener's backend gets to it, so the changer's
  own listener hearing the news says nothing of the others'. A process that starts listening
  after the count starts on a new generation anyway. While the listener is down (not started,
  connection lost, reconnecting) the generation is unknown and every request reads the database.

Fallback: an entry is also dropped after :data:`MAX_AGE_SECONDS`, which bounds staleness if a
process dies between a commit and its generation bump (SQLite) or a notification is lost in a
way the listener does not notice. Unknown and revoked keys are never cached (they answer 401 from
the database each time). ``last_used_at`` stays batched as before: written at most once per key
per hour (:func:`~astrocal_server.accounts.service.touch_key`), so a cached key costs no write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from astrocal_server.storage.models import Account, ApiKey

if TYPE_CHECKING:
    from astrocal_server.state import AppState

__all__ = [
    "ACK_CHANNEL",
    "CHANNEL",
    "MAX_AGE_SECONDS",
    "FileGeneration",
    "Generation",
    "GenerationCache",
    "KeyCache",
    "LocalGeneration",
    "NotifyGeneration",
    "changing_cached",
    "generation_for",
    "key_cache_lifespan",
]

logger = logging.getLogger("astrocal.server")

CHANNEL = "astrocal_auth"
ACK_CHANNEL = "astrocal_auth_ack"
LISTENER_NAME = "astrocal-auth"  # the listeners' application_name, by which a change counts them
MAX_AGE_SECONDS = 60.0
MAX_ENTRIES = 10_000  # past this the cache starts over (keys are few; this bounds a flood)
SETTLE_SECONDS = 1.0  # how long a changing request waits for the listeners' acks (PostgreSQL)
RECONNECT_SECONDS = 1.0
STARTUP_WAIT_SECONDS = 5.0

K = TypeVar("K")
V = TypeVar("V")


class Generation(Protocol):
    """Where a process learns that cached keys may be stale."""

    def current(self) -> int | None:
        """The generation now; ``None`` when unknown (then no cached entry is trusted)."""
        ...

    async def announce(self, session: AsyncSession) -> str | None:
        """Inside the changing transaction: arrange for other processes to hear of it at commit."""
        ...

    async def committed(self, token: str | None) -> None:
        """After the commit: move the generation on (and, on PostgreSQL, wait for the news)."""
        ...


class LocalGeneration:
    """One process owns the database (SQLite in memory): a counter."""

    def __init__(self) -> None:
        self._value = 0

    def current(self) -> int | None:
        return self._value

    async def announce(self, session: AsyncSession) -> str | None:
        return None

    async def committed(self, token: str | None) -> None:
        self._value += 1


class FileGeneration:
    """SQLite on a file: the size of ``path``, which only ever grows by one byte per change."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def current(self) -> int | None:
        try:
            return os.stat(self.path).st_size
        except FileNotFoundError:
            return 0
        except OSError:
            return None

    async def announce(self, session: AsyncSession) -> str | None:
        return None

    async def committed(self, token: str | None) -> None:
        # O_APPEND: concurrent writers in several processes each add their own byte.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, b".")
        finally:
            os.close(fd)


class NotifyGeneration:
    """PostgreSQL: a counter moved on by ``NOTIFY astrocal_auth``; unknown while not listening."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._value = 0
        self._conn: Any = None  # the asyncpg connection that LISTENs
        self._acks: dict[str, _Acks] = {}  # this process's changes awaiting their listeners' acks
        self._to_ack: asyncio.Queue[str] | None = None
        self.listening = asyncio.Event()  # set once the first LISTEN is in place

    def current(self) -> int | None:
        conn = self._conn
        if conn is None or conn.is_closed():
            return None
        return self._value

    async def announce(self, session: AsyncSession) -> str | None:
        token = uuid.uuid4().hex
        if len(self._acks) > 100:  # left by changes that rolled back
            self._acks.clear()
        listeners = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": LISTENER_NAME},
        )
        self._acks[token] = _Acks(max(int(listeners or 0), 1))
        await session.execute(
            text("SELECT pg_notify(:channel, :token)"), {"channel": CHANNEL, "token": token}
        )
        return token

    async def committed(self, token: str | None) -> None:
        self._value += 1
        acks = self._acks.get(token or "")
        if acks is None or self._conn is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(acks.all_in), SETTLE_SECONDS)
        except TimeoutError:
            logger.warning(
                "auth change acknowledged by %d of %d listeners within %ss",
                acks.heard,
                acks.expected,
                SETTLE_SECONDS,
            )
        finally:
            self._acks.pop(token or "", None)

    def _on_notify(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        if channel == ACK_CHANNEL:
            acks = self._acks.get(payload)  # an ack of one of this process's own changes
            if acks is not None:
                acks.hear()
            return
        self._value += 1
        if self._to_ack is not None:
            self._to_ack.put_nowait(payload)  # acknowledged only now that the generation moved

    async def _acknowledge(self, conn: Any, queue: asyncio.Queue[str]) -> None:
        """Send the acks of the changes heard, one statement at a time on the listener."""
        while True:
            token = await queue.get()
            await conn.execute("SELECT pg_notify($1, $2)", ACK_CHANNEL, token)

    async def listen(self) -> None:
        """Keep a listener connected until cancelled; reconnect (generation unknown meanwhile)."""
        import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

        while True:
            lost = asyncio.Event()
            try:
                conn = await self._connect(asyncpg, lost)
            except (OSError, asyncpg.PostgresError) as exc:
                logger.warning("auth cache listener: cannot connect (%s); retrying", exc)
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            self._value += 1  # anything may have changed while nobody listened
            queue: asyncio.Queue[str] = asyncio.Queue()
            self._to_ack = queue
            acking = asyncio.create_task(self._acknowledge(conn, queue))
            dropped = asyncio.create_task(lost.wait())
            self._conn = conn
            self.listening.set()
            try:
                # Either ends the connection's use: lost, or an ack it could not send.
                await asyncio.wait({acking, dropped}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                self._conn = None
                self._to_ack = None
                for task in (acking, dropped):
                    task.cancel()
                with contextlib.suppress(Exception):
                    await asyncio.shield(conn.close(timeout=1))
            if acking.done() and not acking.cancelled() and acking.exception() is not None:
                logger.warning("auth cache listener: cannot acknowledge (%s)", acking.exception())
            logger.warning("auth cache listener: connection lost; reconnecting")
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _connect(self, asyncpg: Any, lost: asyncio.Event) -> Any:
        conn = await asyncpg.connect(self.dsn, server_settings={"application_name": LISTENER_NAME})
        conn.add_termination_listener(lambda _c: lost.set())
        await conn.add_listener(CHANNEL, self._on_notify)
        await conn.add_listener(ACK_CHANNEL, self._on_notify)
        return conn


class _Acks:
    """The acknowledgements one change waits for: one from every listener counted at the change."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.heard = 0
        self.all_in: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def hear(self) -> None:
        self.heard += 1
        if self.heard >= self.expected and not self.all_in.done():
            self.all_in.set_result(None)


def generation_for(url: str) -> Generation:
    """The generation that suits the database at ``url``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        return NotifyGeneration(dsn)
    database = parsed.database or ""
    if database in {"", ":memory:"} or "mode=memory" in str(parsed):
        return LocalGeneration()
    return FileGeneration(Path(database + "-auth"))


@dataclass
class _Entry(Generic[V]):
    value: V
    at: float


class GenerationCache(Generic[K, V]):
    """Values this process read from the database, trusted only under the generation they were
    read under and for at most ``max_age`` seconds. The key cache is one; the availability inputs
    (``availability/inputs.py``) are another, on the same generation."""

    def __init__(
        self,
        generation: Generation,
        *,
        max_age: float = MAX_AGE_SECONDS,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self.generation = generation
        self._max_age = max_age
        self._max_entries = max_entries
        self._entries: dict[K, _Entry[V]] = {}
        self._seen: int | None = None

    def begin(self) -> int | None:
        """The generation a lookup runs under (read before the database, if it comes to that);
        a new generation empties the cache."""
        current = self.generation.current()
        if current != self._seen:
            self._entries.clear()
            self._seen = current
        return current

    async def recall(self, key: K) -> tuple[V | None, int | None]:
        """The cached value for ``key`` (or None), and the generation a database lookup must run
        under."""
        # No yield to the loop first (PostgreSQL): a change answers only once this process's
        # listener has moved the generation on (its acknowledgement is sent after), so a request
        # that follows the change's answer always reads the new generation here.
        generation = self.begin()
        return self.get(key, generation), generation

    def get(self, key: K, generation: int | None) -> V | None:
        if generation is None:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry.at > self._max_age:
            del self._entries[key]
            return None
        return entry.value

    def remember(self, key: K, value: V, generation: int | None) -> None:
        """Keep ``value``, read from the database under ``generation`` (if that is still current)."""
        if generation is None or generation != self._seen:
            return
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[key] = _Entry(value, time.monotonic())


class KeyCache(GenerationCache[str, tuple[ApiKey, Account]]):
    """Active keys this process recognised, by secret hash, valid for one generation."""

    def put(self, digest: str, key: ApiKey, account: Account, generation: int | None) -> None:
        """Remember a key read from the database under ``generation`` (if that is still current)."""
        self.remember(digest, (key, account), generation)


@asynccontextmanager
async def changing_cached(state: AppState) -> AsyncIterator[AsyncSession]:
    """A write transaction that changes something a :class:`GenerationCache` holds (a key's
    revocation, an account a caller carries, an event type, schedule or host availability
    reads): when it commits, every process forgets what it cached."""
    generation = state.key_cache.generation
    async with state.db.write() as session:
        token = await generation.announce(session)
        yield session
    await generation.committed(token)


@asynccontextmanager
async def key_cache_lifespan(state: AppState) -> AsyncIterator[None]:
    """On PostgreSQL, keep this process's ``LISTEN`` connection up while the server runs."""
    generation = state.key_cache.generation
    if not isinstance(generation, NotifyGeneration):
        yield
        return
    task = asyncio.create_task(generation.listen(), name="astrocal-key-cache-listener")
    # Start serving with the cache on; if PostgreSQL is slow to answer, serve without it meanwhile.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(generation.listening.wait(), STARTUP_WAIT_SECONDS)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
