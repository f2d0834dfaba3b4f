"""What a running server holds: one :class:`AppState` on ``app.state.astrocal``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from astrocal_server.clock import Clock
from astrocal_server.config import Settings
from astrocal_server.storage.db import Database

if TYPE_CHECKING:
    from astrocal_server.availability import ExternalBusySource

__all__ = ["AppState"]


@dataclass
class AppState:
    settings: Settings
    db: Database
    clock: Clock
    # Where availability gets external busy times; the calendar integration replaces the default
    # (which reports nothing) from a lifespan hook.
    busy_source: ExternalBusySource
    # Long-lived helpers other parts register by name from their lifespan hooks (mailer, relay, …).
    services: dict[str, Any] = field(default_factory=dict)
