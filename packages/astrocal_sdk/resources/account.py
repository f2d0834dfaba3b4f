"""``client.account`` (the caller's account), ``client.accounts`` (signup) and ``client.usage``."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, M
from astrocal_sdk._types import RequestOptions
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import Account, AccountCreated, Usage

__all__ = ["AccountAPI", "AccountsAPI", "UsageAPI"]


class AccountAPI(APIResource[M]):
    @route.get("/v1/account", Account)
    def retrieve(self, **options: Unpack[RequestOptions]) -> Account:
        """The account the API key belongs to."""

    @route.patch("/v1/account", Account)
    def update(self, **kwargs: Unpack[params.AccountUpdateParams]) -> Account:
        """Change account settings. ``invitee_url_template`` (with ``{token}``, optionally
        ``{action}``) points bookings' invitee links at your own pages; ``None`` goes back to the
        server's pages."""


class AccountsAPI(APIResource[M]):
    @route.post("/v1/accounts", AccountCreated)
    def create(self, **kwargs: Unpack[params.AccountsCreateParams]) -> AccountCreated:
        """Sign up (only where the server enables signup): the account and its first keys."""


class UsageAPI(APIResource[M]):
    @route.get("/v1/usage", Usage)
    def retrieve(self, **options: Unpack[RequestOptions]) -> Usage:
        """The plan and its use in the current period."""
