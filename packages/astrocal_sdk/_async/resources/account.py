"""``client.account`` (the caller's account), ``client.accounts`` (signup) and ``client.usage``."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk._async.resource import AsyncAPIResource
from astrocal_sdk._raw import async_to_raw_response_wrapper
from astrocal_sdk._serialize import without_not_given
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.types._generated.models import Account, AccountCreated, Usage
from astrocal_sdk.types._params import TimeZoneLike

__all__ = [
    "AsyncAccountResource",
    "AsyncAccountResourceWithRawResponse",
    "AsyncAccounts",
    "AsyncAccountsWithRawResponse",
    "AsyncUsageResource",
    "AsyncUsageResourceWithRawResponse",
]


class AsyncAccountResource(AsyncAPIResource):
    async def retrieve(self, **options: Unpack[RequestOptions]) -> Account:
        """The account the API key belongs to."""
        return await self._get("/v1/account", cast_to=Account, options=options)


class AsyncAccounts(AsyncAPIResource):
    async def create(
        self,
        *,
        name: str,
        email: str,
        time_zone: TimeZoneLike | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> AccountCreated:
        """Sign up (only where the server enables signup): the account and its first keys."""
        body = without_not_given({"name": name, "email": email, "time_zone": time_zone})
        return await self._post("/v1/accounts", cast_to=AccountCreated, body=body, options=options)


class AsyncUsageResource(AsyncAPIResource):
    async def retrieve(self, **options: Unpack[RequestOptions]) -> Usage:
        """The plan and its use in the current period."""
        return await self._get("/v1/usage", cast_to=Usage, options=options)


class AsyncAccountResourceWithRawResponse:
    def __init__(self, account: AsyncAccountResource) -> None:
        self.retrieve = async_to_raw_response_wrapper(account.retrieve)


class AsyncAccountsWithRawResponse:
    def __init__(self, accounts: AsyncAccounts) -> None:
        self.create = async_to_raw_response_wrapper(accounts.create)


class AsyncUsageResourceWithRawResponse:
    def __init__(self, usage: AsyncUsageResource) -> None:
        self.retrieve = async_to_raw_response_wrapper(usage.retrieve)
