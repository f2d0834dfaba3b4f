"""``Astrocal`` and ``AsyncAstrocal``: configuration plus one attribute per API area.

``AsyncAstrocal`` is written in ``astrocal_sdk/_async/client.py``; ``Astrocal`` is derived from it
by scripts/unasync.py into ``astrocal_sdk/_sync/client.py``.
"""

from __future__ import annotations

from astrocal_sdk._async.client import AsyncAstrocal, AsyncAstrocalWithRawResponse
from astrocal_sdk._sync.client import Astrocal, AstrocalWithRawResponse

__all__ = ["Astrocal", "AstrocalWithRawResponse", "AsyncAstrocal", "AsyncAstrocalWithRawResponse"]
