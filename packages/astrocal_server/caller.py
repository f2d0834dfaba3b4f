"""Who is calling: the authenticated account, the key used and its mode.

Every query a service makes on the caller's behalf is scoped with :meth:`Caller.owns`, so objects
of another account, or of the other mode (``sk_live_`` vs ``sk_test_``), are never seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_

from astrocal_server.storage.models import Account, ApiKey

__all__ = ["Caller"]


@dataclass(frozen=True)
class Caller:
    account: Account
    # None when an invitee acts through their booking's link (the token is the credential).
    api_key: ApiKey | None
    livemode: bool

    @property
    def account_id(self) -> str:
        return self.account.id

    def owns(self, model: Any) -> Any:
        """The WHERE clause that limits ``model`` rows to this caller's account and mode."""
        return and_(model.account_id == self.account.id, model.livemode == self.livemode)
