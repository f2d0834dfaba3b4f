"""``raw_rows``: every row of every table as text, as a database dump would show them."""

from __future__ import annotations

from astrocal_server.state import AppState
from astrocal_server.storage.models import Base
from sqlalchemy import select


async def raw_rows(state: AppState) -> str:
    """All stored values of all tables, one line per row (to check a secret is not in clear)."""
    lines: list[str] = []
    async with state.db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)
