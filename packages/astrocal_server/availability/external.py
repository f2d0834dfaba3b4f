"""Busy times from external calendars: the source protocol the calendar integration implements, and
the one rule for what a failing source means.

External busy times come from an :class:`ExternalBusySource` (``AppState.busy_source``), asked
about one :class:`BusyScope` at a time: one host's calendars (the event type's conflict calendars
plus the host's own). The default source reports nothing; the calendar integration replaces it.
When a source reports failed connections, the event type's ``on_calendar_error`` decides: ``fail`` → :class:`~astrocal_server.errors.Unavailable`
``calendar_unavailable`` naming the connection(s); ``ignore`` → the answer carries ``warnings``
saying what was skipped. No database access here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from astrocal_server.availability.engine import BusyInterval
from astrocal_server.errors import Unavailable

if TYPE_CHECKING:
    from astrocal_server.storage.models import EventType

__all__ = [
    "BusyFailure",
    "BusyScope",
    "ExternalBusyResult",
    "ExternalBusySource",
    "NoExternalBusy",
    "fetch_external_busy",
]


class BusyFailure(TypedDict, total=False):
    connection_id: str  # always present
    reason: str  # always present: what went wrong, for people
    provider: str  # google | microsoft | caldav, when known


@dataclass
class ExternalBusyResult:
    busy: list[BusyInterval] = field(default_factory=list)
    failures: list[BusyFailure] = field(default_factory=list)


@dataclass(frozen=True)
class BusyScope:
    """Which calendars block one host: ``conflict_calendars`` (``{"connection_id", "calendar_id"}``
    refs, each once) of connections owned by ``account_id`` in ``livemode``; all-day events of a
    calendar without a zone of its own block whole days in ``time_zone`` (the host's hours' zone)."""

    account_id: str
    livemode: bool
    conflict_calendars: tuple[Mapping[str, Any], ...]
    time_zone: str

    @classmethod
    def of(
        cls,
        event_type: EventType,
        *,
        time_zone: str,
        host_calendars: Iterable[Mapping[str, Any]] = (),
    ) -> BusyScope:
        """The event type's conflict calendars plus a host's own, without repeats."""
        refs: list[Mapping[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for ref in [*(event_type.conflict_calendars or []), *host_calendars]:
            key = (str(ref["connection_id"]), str(ref["calendar_id"]))
            if key not in seen:
                seen.add(key)
                refs.append(ref)
        return cls(event_type.account_id, event_type.livemode, tuple(refs), time_zone)


class ExternalBusySource(Protocol):
    async def busy(self, scope: BusyScope, start: datetime, end: datetime) -> ExternalBusyResult:
        """Busy intervals from the scope's calendars between ``start`` and ``end`` (UTC).

        Providers are asked concurrently, each with its own timeout; a provider that fails or times
        out is reported in ``failures`` instead of raising.
        """
        ...


class NoExternalBusy:
    """The default source: no connected calendars, so nothing is busy."""

    async def busy(self, scope: BusyScope, start: datetime, end: datetime) -> ExternalBusyResult:
        return ExternalBusyResult()


async def fetch_external_busy(
    source: ExternalBusySource,
    event_type: EventType,
    start: datetime,
    end: datetime,
    *,
    timeout_seconds: float,
    scope: BusyScope,
) -> tuple[list[BusyInterval], list[dict[str, Any]]]:
    """External busy intervals of ``scope`` (one host's calendars) plus warnings, or
    ``calendar_unavailable`` under the event type's ``on_calendar_error: fail``."""
    if not scope.conflict_calendars:
        return [], []
    try:
        # The source applies its own per-provider timeout; this outer bound only stops a source
        # that forgot to, so a hung provider never hangs the request.
        result = await asyncio.wait_for(source.busy(scope, start, end), timeout_seconds + 1)
    except TimeoutError:
        ids = sorted({str(c.get("connection_id")) for c in scope.conflict_calendars})
        result = ExternalBusyResult(
            failures=[{"connection_id": cid, "reason": "timed out"} for cid in ids]
        )
    if not result.failures:
        return list(result.busy), []
    if event_type.on_calendar_error == "ignore":
        warnings = [
            {
                "code": "calendar_unavailable",
                "connection_id": f["connection_id"],
                "message": f"Busy times from calendar connection {f['connection_id']} were skipped: {f['reason']}.",
            }
            for f in result.failures
        ]
        return list(result.busy), warnings
    names = ", ".join(f["connection_id"] for f in result.failures)
    raise Unavailable(
        "calendar_unavailable",
        f"Could not read busy times from calendar connection {names}; retry shortly, check the "
        "connection, or set the event type's on_calendar_error to `ignore`.",
        details={
            "connection_id": result.failures[0]["connection_id"],
            "provider": result.failures[0].get("provider", "unknown"),
            "connections": [dict(f) for f in result.failures],
        },
        retry_after=5,
    )
