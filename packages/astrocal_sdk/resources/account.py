"""``client.account`` (the caller's account), ``client.accounts`` (signup) and ``client.usage``."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, Async, AsyncRaw, M, Sync, SyncRaw
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.types._generated.models import Account, AccountCreated, Usage
from astrocal_sdk.types._params import TimeZoneLike

__all__ = [
    "AccountAPI",
    "AccountResource",
    "AccountResourceWithRawResponse",
    "Accounts",
    "AccountsAPI",
    "AccountsWithRawResponse",
    "AsyncAccountResource",
    "AsyncAccountResourceWithRawResponse",
    "AsyncAccounts",
    "AsyncAccountsWithRawResponse",
    "AsyncUsageResource",
    "AsyncUsageResourceWithRawResponse",
    "UsageAPI",
    "UsageResource",
    "UsageResourceWithRawResponse",
]


class AccountAPI(APIResource[M]):
    @route.get("/v1/account", Account)
    def retrieve(self, **options: Unpack[RequestOptions]) -> Account:
        """The account the API key belongs to."""

    @route.patch("/v1/account", Account)
    def update(
        self,
        *,
        invitee_url_template: str | NotGiven | None = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> Account:
        """Change account settings. ``invitee_url_template`` (with ``{token}``, optionally
        ``{action}``) points bookings' invitee links at your own pages; ``None`` goes back to the
        server's pages."""


class AccountsAPI(APIResource[M]):
    @route.post("/v1/accounts", AccountCreated)
    def create(
        self,
        *,
        name: str,
        email: str,
        time_zone: TimeZoneLike | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> AccountCreated:
        """Sign up (only where the server enables signup): the account and its first keys."""


class UsageAPI(APIResource[M]):
    @route.get("/v1/usage", Usage)
    def retrieve(self, **options: Unpack[RequestOptions]) -> Usage:
        """The plan and its use in the current period."""


AccountResource = AccountAPI[Sync]
AsyncAccountResource = AccountAPI[Async]
AccountResourceWithRawResponse = AccountAPI[SyncRaw]
AsyncAccountResourceWithRawResponse = AccountAPI[AsyncRaw]
Accounts = AccountsAPI[Sync]
AsyncAccounts = AccountsAPI[Async]
AccountsWithRawResponse = AccountsAPI[SyncRaw]
AsyncAccountsWithRawResponse = AccountsAPI[AsyncRaw]
UsageResource = UsageAPI[Sync]
AsyncUsageResource = UsageAPI[Async]
UsageResourceWithRawResponse = UsageAPI[SyncRaw]
AsyncUsageResourceWithRawResponse = UsageAPI[AsyncRaw]
