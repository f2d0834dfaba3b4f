"""Accounts, their API keys and plans (no HTTP here): :mod:`.service` and :mod:`.plans`.

The package re-exports the service's public names, so ``from astrocal_server.accounts import
create_account`` keeps working for first-run setup, benchmarks and tests.
"""

from astrocal_server.accounts.service import (
    DEFAULT_WEEKLY_HOURS,
    LAST_USED_RESOLUTION,
    Mode,
    NewAccount,
    NewApiKey,
    authenticate,
    create_account,
    create_api_key,
    create_default_schedule,
    ensure_signup_enabled,
    find_api_key,
    get_usage,
    hash_secret,
    issue_api_key,
    list_api_keys,
    revoke_api_key,
    sign_up,
    touch_key,
)

__all__ = [
    "DEFAULT_WEEKLY_HOURS",
    "LAST_USED_RESOLUTION",
    "Mode",
    "NewAccount",
    "NewApiKey",
    "authenticate",
    "create_account",
    "create_api_key",
    "create_default_schedule",
    "ensure_signup_enabled",
    "find_api_key",
    "get_usage",
    "hash_secret",
    "issue_api_key",
    "list_api_keys",
    "revoke_api_key",
    "sign_up",
    "touch_key",
]
