"""The account and API key objects."""

from __future__ import annotations

from typing import Any

from astrocal_server.serialize.common import format_datetime, put
from astrocal_server.storage.models import Account, ApiKey

__all__ = ["account_to_api", "api_key_to_api"]


def account_to_api(account: Account) -> dict[str, Any]:
    out: dict[str, Any] = {"id": account.id, "name": account.name}
    put(out, "email", account.email)
    out.update(
        time_zone=account.time_zone,
        plan=account.plan,
    )
    put(out, "invitee_url_template", account.invitee_url_template)
    out["created_at"] = format_datetime(account.created_at)
    return out


def api_key_to_api(key: ApiKey, *, secret: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": key.id,
        "name": key.name,
        "mode": key.mode,
        "prefix": key.prefix,
    }
    put(out, "secret", secret)
    out["created_at"] = format_datetime(key.created_at)
    if key.last_used_at is not None:
        out["last_used_at"] = format_datetime(key.last_used_at)
    if key.revoked_at is not None:
        out["revoked_at"] = format_datetime(key.revoked_at)
    return out
