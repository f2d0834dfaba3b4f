"""What a running server holds: one :class:`AppState` on ``app.state.astrocal``.

The composition root (``composition.open_services``) builds it; every long-lived helper is a
typed attribute here. Helpers that cost something (HTTP clients, the calendar service) are built
on first use, in this module only, so a state made by hand in a test or a script works the same
as one built by the app. A test may replace any of them by assignment (``state.mailer = …``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from astrocal_server.clock import Clock
from astrocal_server.config import Settings
from astrocal_server.storage.db import Database

if TYPE_CHECKING:
    from astrocal_server.accounts.keycache import KeyCache
    from astrocal_server.availability import ExternalBusySource
    from astrocal_server.availability.inputs import InputsCache
    from astrocal_server.calendars.connections import CalendarService
    from astrocal_server.crypto import SecretBox
    from astrocal_server.notify.backends import Mailer
    from astrocal_server.outbox.relay import RelayLoop
    from astrocal_server.ratelimit import CounterStore
    from astrocal_server.webhooks.runtime import WebhookRuntime

__all__ = ["AppState"]


@dataclass
class AppState:
    settings: Settings
    db: Database
    clock: Clock
    # Where availability gets external busy times; the calendar integration replaces the default
    # (which reports nothing) from a lifespan hook.
    busy_source: ExternalBusySource
    # The relay running inside this process (None when ASTROCAL_RUN_RELAY=false or in a worker,
    # which drives its own).
    relay: RelayLoop | None = None
    # When this process last wrote an API key's last_used_at, by key id (at most once per interval).
    api_keys_touched: dict[str, datetime] = field(default_factory=dict)
    # Idempotency claims made by this process; every so often one purges expired records.
    idempotency_claims: int = 0

    @cached_property
    def mailer(self) -> Mailer:
        """The booking-email sender chosen by the settings."""
        from astrocal_server.notify.backends import mailer_from_settings

        return mailer_from_settings(self.settings)

    @cached_property
    def secret_box(self) -> SecretBox:
        """Seals secrets at rest under ``ASTROCAL_SECRET_KEY`` (invitee tokens, stored responses)."""
        from astrocal_server.crypto import SecretBox

        return SecretBox.from_settings(self.settings)

    @cached_property
    def rate_limits(self) -> CounterStore:
        """Request counters: shared in the database on PostgreSQL, in memory on SQLite."""
        from astrocal_server.ratelimit import DatabaseCounterStore, MemoryCounterStore

        if self.db.dialect == "postgresql":
            return DatabaseCounterStore(self.db)
        return MemoryCounterStore()

    @cached_property
    def key_cache(self) -> KeyCache:
        """Keys this process recognised, forgotten at once when any process changes one."""
        from astrocal_server.accounts.keycache import KeyCache, generation_for

        return KeyCache(generation_for(self.db.url))

    @cached_property
    def availability_inputs(self) -> InputsCache:
        """Event types' availability inputs this process read; forgotten, as cached keys are,
        when any process changes an event type, schedule or host."""
        from astrocal_server.availability.inputs import InputsCache

        return InputsCache(self.key_cache.generation)

    @cached_property
    def calendars(self) -> CalendarService:
        """The calendar service (provider clients, credentials box); closed by its lifespan hook."""
        from astrocal_server.calendars.connections import CalendarService

        return CalendarService(self)

    @cached_property
    def webhooks(self) -> WebhookRuntime:
        """The webhook sender's SSRF guard, HTTP client, secret box and background sends."""
        from astrocal_server.webhooks.runtime import WebhookRuntime

        return WebhookRuntime(self.settings)
