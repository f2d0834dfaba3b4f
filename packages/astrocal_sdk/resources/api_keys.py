"""``client.api_keys``: create (the secret is returned once), list, revoke.

Written once in ``astrocal_sdk/_async/resources/api_keys.py``; the sync classes are derived from it.
"""

from __future__ import annotations

from astrocal_sdk._async.resources.api_keys import AsyncApiKeys, AsyncApiKeysWithRawResponse
from astrocal_sdk._sync.resources.api_keys import ApiKeys, ApiKeysWithRawResponse

__all__ = ["ApiKeys", "ApiKeysWithRawResponse", "AsyncApiKeys", "AsyncApiKeysWithRawResponse"]
