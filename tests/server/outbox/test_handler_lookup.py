"""A row's handler is found by name (``outbox/handlers.py``): its module is imported the first time
only (the import system's lock and search cost as much as a row's bookkeeping), while the handler
itself is read from the module each time, so a replaced one is what runs."""

from __future__ import annotations

from typing import Any

import pytest
from astrocal_server.outbox import handlers
from astrocal_server.outbox.handlers import load_handler
from astrocal_server.webhooks import fanout


def test_a_loaded_module_is_not_imported_again_and_its_handler_is_read_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_handler("webhook") is fanout.handle

    def imported(name: str, package: str | None = None) -> Any:
        raise AssertionError(f"{name} imported again")

    async def replaced(*_: Any) -> None:
        return None

    monkeypatch.setattr(handlers.importlib, "import_module", imported)
    monkeypatch.setattr(fanout, "handle", replaced)
    assert load_handler("webhook") is replaced


def test_an_unknown_kind_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="no outbox handler for kind 'nope'"):
        load_handler("nope")
