"""Fast reads without the ORM session: select a model's columns (labelled, so joins do not clash)
and build detached model instances from the rows.

The ORM session costs about a millisecond per request on SQLite; the hot paths (authentication,
availability) read through a plain connection with these helpers instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    Executable,
    Select,
    any_,
    bindparam,
    func,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Compiled, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

__all__ = ["Plan", "fetch_all", "instance", "labelled", "one_of", "plan_of"]

M = TypeVar("M")


def labelled(model: type[Any], prefix: str) -> list[ColumnElement[Any]]:
    """Every column of ``model``'s table, labelled ``<prefix>_<column name>``."""
    return [column.label(f"{prefix}_{column.name}") for column in model.__table__.columns]


def one_of(column: Any, name: str, dialect: str) -> ColumnElement[bool]:
    """``column`` is one of the list bound as ``name``, by one parameter whatever the list's
    length, so the statement is compiled once (:func:`plan_of`) and can run on the driver itself:
    on PostgreSQL ``= ANY(array)``, on SQLite ``IN`` the values of a JSON array (``json_each``).
    (An expanding ``IN`` is compiled anew for each length.)"""
    if dialect == "postgresql":
        return cast(
            ColumnElement[bool],
            column == any_(bindparam(name, type_=postgresql.ARRAY(column.type))),
        )
    values = func.json_each(bindparam(name, type_=JSON)).table_valued("value")
    return cast(ColumnElement[bool], column.in_(select(values.c.value)))


def instance(model: type[M], row: Mapping[str, Any], prefix: str) -> M:
    """A detached ``model`` built from the ``labelled(model, prefix)`` columns of ``row``.

    Treat it as a read-only snapshot: it is not in any session (``session.add`` would insert it).
    The values go straight into the instance dict, as the ORM's own loader does, which is an
    order of magnitude cheaper than the instrumented constructor.
    """
    obj: M = inspect(model).class_manager.new_instance()
    mapped: Any = model  # a class is hashable; the cache key is (class, prefix)
    obj.__dict__.update({key: row[label] for key, label in _labels(mapped, prefix)})
    return obj


@functools.cache
def _labels(model: type[Any], prefix: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (attr.key, f"{prefix}_{attr.columns[0].name}") for attr in inspect(model).column_attrs
    )


async def fetch_all(
    conn: AsyncConnection | AsyncSession, stmt: Select[Any], params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Run a read-only ``select`` and return its rows as dicts keyed by column label.

    On SQLite the statement (compiled once, with SQLAlchemy's own bind and result processors) runs
    directly on the aiosqlite connection: the async bridge costs three times the query itself.
    Elsewhere it is an ordinary ``execute``. Meant for module-level statement constants.
    """
    if isinstance(conn, AsyncSession):
        conn = await conn.connection()
    dialect = conn.dialect
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
        return [dict(row) for row in (await conn.execute(stmt, params)).mappings()]
    plan = plan_of(stmt, dialect)
    sync_conn = conn.sync_connection
    assert sync_conn is not None  # the connection is open: no I/O to reach the driver
    driver = sync_conn.connection.driver_connection
    assert driver is not None
    rows = await driver.execute_fetchall(plan.sql, plan.args(params))  # one trip to the thread
    return plan.rows(rows)


@dataclass(frozen=True)
class Plan:
    """A statement compiled once for one dialect: its SQL for the driver, its parameters in the
    driver's order with their bind processors, its result columns (a select's; none for a write)
    with their result processors. Reads and the booking write (``bookings/write.py``) run these on
    the driver's own connection, SQLite's or asyncpg's."""

    compiled: Compiled
    sql: str
    binds: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]
    columns: tuple[tuple[str, Callable[[Any], Any] | None], ...]

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        """``params`` as the driver's positional arguments (a missing one: the statement's literal)."""
        out = []
        for name, literal, proc in self.binds:
            value = params.get(name, literal)
            out.append(proc(value) if proc is not None else value)
        return out

    def rows(self, rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        """The driver's rows as dicts keyed by column label, values as SQLAlchemy returns them."""
        columns = self.columns
        return [
            {
                key: (proc(value) if proc is not None else value)
                for (key, proc), value in zip(columns, row, strict=True)
            }
            for row in rows
        ]


_PLANS: dict[tuple[int, int, tuple[str, ...]], Plan] = {}


def plan_of(stmt: Executable, dialect: Dialect, keys: tuple[str, ...] = ()) -> Plan:
    """``stmt``'s :class:`Plan` for ``dialect``, compiled on first use (for module-level
    statement constants: plans are kept by the statement's identity). ``keys``: the columns an
    ``INSERT`` without values of its own sets (one plan per set of columns)."""
    key = (id(stmt), id(dialect), keys)
    plan = _PLANS.get(key)
    if plan is None:
        compiled: Any = stmt.compile(  # type: ignore[attr-defined]
            dialect=dialect, column_keys=list(keys) if keys else None
        )
        # The processors the ORM would apply, through the public TypeEngine API (computed once per
        # statement, so the per-call cost is the same as SQLAlchemy's own cached lookups).
        binds = tuple(
            (
                name,
                compiled.binds[name].value,
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect),
            )
            for name in compiled.positiontup or ()
        )
        # selected_columns lists the result columns in order, keyed as ``.mappings()`` keys them.
        selected = getattr(stmt, "selected_columns", None)
        columns = tuple(
            (key, column.type.dialect_impl(dialect).result_processor(dialect, None))
            for key, column in (selected.items() if selected is not None else ())
        )
        plan = _PLANS[key] = Plan(compiled, str(compiled), binds, columns)
    return plan
