"""Load one of the caller's objects by id, or raise the 404 every resource answers alike; list
them a page at a time, oldest first.

Ownership is the caller's account *and* mode; soft-deleted rows (a ``deleted_at`` column) count
as missing. A row of another account or mode is indistinguishable from one that never existed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.interfaces import ORMOption

from astrocal_server.caller import Caller
from astrocal_server.errors import not_found
from astrocal_server.storage.db import Database
from astrocal_server.storage.pagination import Page, PageRequest, paginate

__all__ = ["get_owned", "list_owned", "owned_lister", "owned_reader", "reader_of"]

M = TypeVar("M")


async def get_owned(
    session: AsyncSession,
    model: type[M],
    caller: Caller,
    object_id: str,
    *,
    kind: str,
    param: str | None = None,
    for_update: bool = False,
    options: Sequence[ORMOption] = (),
) -> M:
    """The caller's ``model`` row with ``object_id``, or :func:`~astrocal_server.errors.not_found`.

    ``kind`` names the object in the error ("event type"); ``param`` is the request field that
    carried the id, when it came from a body rather than the path. ``options`` are loader options
    (``selectinload`` of a relationship the caller will read).
    """
    table: Any = model
    stmt = select(model).where(table.id == object_id, caller.owns(model))
    if hasattr(model, "deleted_at"):
        stmt = stmt.where(table.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    if options:
        stmt = stmt.options(*options)
    row = await session.scalar(stmt)
    if row is None:
        raise not_found(kind, object_id, param=param)
    return row


class _State(Protocol):
    """What the readers need of the app state: its database."""

    @property
    def db(self) -> Database: ...


def reader_of(
    get: Callable[[AsyncSession, Caller, str], Awaitable[M]],
) -> Callable[[_State, Caller, str], Awaitable[M]]:
    """The service call a ``GET`` of one object answers with: ``get`` (the caller's object by id,
    or the 404) in a read transaction of its own."""

    async def retrieve(state: _State, caller: Caller, object_id: str) -> M:
        async with state.db.read() as session:
            return await get(session, caller, object_id)

    return retrieve


def owned_reader(model: type[M], *, kind: str) -> Callable[[_State, Caller, str], Awaitable[M]]:
    """:func:`reader_of` :func:`get_owned` for ``model``."""

    async def get(session: AsyncSession, caller: Caller, object_id: str) -> M:
        return await get_owned(session, model, caller, object_id, kind=kind)

    return reader_of(get)


def owned_lister(model: type[M]) -> Callable[[_State, Caller, PageRequest], Awaitable[Page[M]]]:
    """The service call a list of ``model`` objects with no filter but the page answers with."""

    async def list_objects(state: _State, caller: Caller, page: PageRequest) -> Page[M]:
        return await list_owned(state.db, model, caller, page)

    return list_objects


async def list_owned(
    db: Database,
    model: type[M],
    caller: Caller,
    page: PageRequest,
    *where: ColumnElement[bool],
) -> Page[M]:
    """One page of the caller's ``model`` rows matching ``where``, by ``created_at`` then id;
    soft-deleted rows are left out, as :func:`get_owned` leaves them out."""
    table: Any = model
    stmt = select(model).where(caller.owns(model), *where)
    if hasattr(model, "deleted_at"):
        stmt = stmt.where(table.deleted_at.is_(None))
    async with db.read() as session:
        return await paginate(session, stmt, order_by=[table.created_at, table.id], page=page)
