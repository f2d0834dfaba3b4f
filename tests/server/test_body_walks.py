"""A request body is walked in Python (nesting depth, NUL characters, refused nulls) only when its
text could hold what the walk looks for: more containers than the depth limit, a ``\\u0000`` or
zero byte, a ``null``. The refusals themselves are pinned by ``test_malformed_input.py``."""

from __future__ import annotations

from typing import Any

import pytest
from astrocal_server.api import body
from astrocal_server.api.errors import ApiError
from astrocal_server.contract.requests import BookingCreate
from fastapi.exceptions import RequestValidationError

_PLAIN = (
    b'{"event_type_id": "evt_abc", "start": "2030-01-01T09:00:00Z",'
    b' "invitee": {"name": "Ada", "email": "ada@example.com"}}'
)


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    walked: list[str] = []
    for name in ("_too_deep", "_nul_location", "_null_refused"):
        real = getattr(body, name)

        def counted(*args: Any, _real: Any = real, _name: str = name) -> Any:
            walked.append(_name)
            return _real(*args)

        monkeypatch.setattr(body, name, counted)
    return walked


def test_a_plain_body_is_not_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    walked = _counted(monkeypatch)
    document, _integral = body._load_json_object(_PLAIN)
    assert body.validate_document(BookingCreate, document, source=_PLAIN).invitee.name == "Ada"
    assert walked == []


def test_a_body_that_may_hold_them_is_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    walked = _counted(monkeypatch)
    raw = _PLAIN.replace(b"Ada", b"A\\u0000da")
    with pytest.raises(RequestValidationError):
        body._load_json_object(raw)
    assert walked == ["_nul_location"]
    walked.clear()
    raw = _PLAIN[:-1] + b', "notes": null}'
    document, _ = body._load_json_object(raw)
    with pytest.raises(ApiError, match="cannot be null"):
        body.validate_document(BookingCreate, document, source=raw)
    assert walked == ["_null_refused"]
    walked.clear()
    deep = b'{"metadata": ' + b"[" * 40 + b"]" * 40 + b"}"
    with pytest.raises(ApiError, match="not a valid JSON object"):
        body._load_json_object(deep)
    assert walked == ["_too_deep"]
