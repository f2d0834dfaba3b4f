"""``client.account`` (the caller's account), ``client.accounts`` (signup) and ``client.usage``.

Written once in ``astrocal_sdk/_async/resources/account.py``; the sync classes are derived from it.
"""

from __future__ import annotations

from astrocal_sdk._async.resources.account import (
    AsyncAccountResource,
    AsyncAccountResourceWithRawResponse,
    AsyncAccounts,
    AsyncAccountsWithRawResponse,
    AsyncUsageResource,
    AsyncUsageResourceWithRawResponse,
)
from astrocal_sdk._sync.resources.account import (
    AccountResource,
    AccountResourceWithRawResponse,
    Accounts,
    AccountsWithRawResponse,
    UsageResource,
    UsageResourceWithRawResponse,
)

__all__ = [
    "AccountResource",
    "AccountResourceWithRawResponse",
    "Accounts",
    "AccountsWithRawResponse",
    "AsyncAccountResource",
    "AsyncAccountResourceWithRawResponse",
    "AsyncAccounts",
    "AsyncAccountsWithRawResponse",
    "AsyncUsageResource",
    "AsyncUsageResourceWithRawResponse",
    "UsageResource",
    "UsageResourceWithRawResponse",
]
