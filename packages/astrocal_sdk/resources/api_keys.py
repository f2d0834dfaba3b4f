"""``client.api_keys``: create (the secret is returned once), list, revoke."""

from __future__ import annotations

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import M
from astrocal_sdk._types import RequestOptions
from astrocal_sdk.resources._resource import Collection
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import ApiKey, ApiKeyWithSecret

__all__ = ["ApiKeysAPI"]


class ApiKeysAPI(Collection[M, ApiKey], path="/v1/api_keys", item=ApiKey):
    @route.post("/v1/api_keys", ApiKeyWithSecret)
    def create(self, **kwargs: Unpack[params.ApiKeysCreateParams]) -> ApiKeyWithSecret:
        """A new key; its ``secret`` is shown only in this response."""

    @route.delete("/v1/api_keys/{api_key_id}", ApiKey)
    def revoke(self, api_key_id: str, **options: Unpack[RequestOptions]) -> ApiKey:
        """Revoke a key (idempotent); requests with it fail with 401 ``api_key_revoked``."""
