"""Is this exception the database being unreachable or busy, rather than a bug?

The HTTP edge answers such failures with 503 ``database_unavailable`` (retryable, with
``Retry-After``) instead of a 500. Classification is by exception type and driver origin, never by
guessing from arbitrary messages, so a bug in a query stays a 500.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

__all__ = ["database_unavailable"]

# Driver errors that mean "the database could not be reached or was busy", not "the query is wrong".
_UNAVAILABLE_NAMES = frozenset(
    {
        "CannotConnectNowError",  # asyncpg: the server is starting up or shutting down
        "ConnectionDoesNotExistError",  # asyncpg: the connection was closed mid-query
        "ConnectionFailureError",
        "TooManyConnectionsError",
        "AdminShutdownError",
        "CrashShutdownError",
    }
)
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def _raised_in_driver(exc: BaseException) -> bool:
    frame = exc.__traceback__
    while frame is not None:
        module = str(frame.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(("sqlalchemy", "asyncpg", "aiosqlite")):
            return True
        frame = frame.tb_next
    return False


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database is unreachable, gone or busy."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sa_exc.TimeoutError):
            return True  # the pool had no connection to give
        if isinstance(current, ConnectionError) and _raised_in_driver(current):
            return True  # the database's socket was refused or reset
        if type(current).__name__ in _UNAVAILABLE_NAMES:
            return True
        if isinstance(current, sa_exc.OperationalError) and any(
            text in str(current.orig) for text in _SQLITE_BUSY
        ):
            return True
        current = current.__cause__ or current.__context__
    return False
