"""The one JSON encoder of every response: :func:`dumps` and :class:`JSONResponse`.

Every JSON body the server sends (route results, error envelopes, the middleware's last-resort
answers, idempotent replays as stored) is rendered here: compact, UTF-8 (non-ASCII characters as
they are, control characters escaped), keys as the serialisers wrote them (snake_case), and never
``NaN`` or ``Infinity``. ``orjson`` (the ``speed`` extra) renders it when installed; otherwise the
standard library does, with the same output for every document the API produces (strings, whole
numbers, booleans, nulls, lists and string-keyed objects). ``NaN`` and the infinities never reach
a client: orjson writes them as ``null``, the standard library refuses them (no serialiser makes
one).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse as _StarletteJSONResponse

__all__ = ["FAST", "JSONResponse", "dumps"]

try:
    import orjson
except ImportError:  # pragma: no cover - the pure-Python fallback is tested by forcing it
    orjson = None  # type: ignore[assignment]

FAST = orjson is not None


def _dumps_stdlib(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
        "utf-8"
    )


def _dumps_orjson(document: Any) -> bytes:
    try:
        return orjson.dumps(document)
    except TypeError:
        # Something orjson does not take (an integer past 64 bits…): the standard encoder decides.
        return _dumps_stdlib(document)


def dumps(document: Any) -> bytes:
    """``document`` as the API's JSON bytes."""
    return _dumps_orjson(document) if FAST else _dumps_stdlib(document)


class JSONResponse(_StarletteJSONResponse):
    """Starlette's JSON response rendered by :func:`dumps`."""

    def render(self, content: Any) -> bytes:
        return dumps(content)
