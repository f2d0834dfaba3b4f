"""The resource base class and its helpers, under the names they have always had here."""

from __future__ import annotations

from astrocal_sdk._endpoint import APIResource, Async, Sync
from astrocal_sdk._response import no_content
from astrocal_sdk._serialize import path_param

__all__ = ["APIResource", "AsyncAPIResource", "SyncAPIResource", "no_content", "path_param"]

SyncAPIResource = APIResource[Sync]
AsyncAPIResource = APIResource[Async]
