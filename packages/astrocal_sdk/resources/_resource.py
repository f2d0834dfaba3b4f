"""The resource base classes and their helpers, under the names they have always had here."""

from __future__ import annotations

from astrocal_sdk._async.resource import AsyncAPIResource
from astrocal_sdk._response import no_content
from astrocal_sdk._serialize import path_param
from astrocal_sdk._sync.resource import SyncAPIResource

__all__ = ["AsyncAPIResource", "SyncAPIResource", "no_content", "path_param"]
