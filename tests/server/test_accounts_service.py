"""The accounts service without HTTP: recognising keys, recording their use, the key rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from astrocal_server.accounts import NewAccount, service
from astrocal_server.caller import Caller
from astrocal_server.clock import FixedClock
from astrocal_server.config import Settings
from astrocal_server.errors import AuthenticationFailed, NotFound, PermissionDenied
from astrocal_server.state import AppState
from astrocal_server.storage.models import ApiKey
from fastapi import FastAPI


def _state(app: FastAPI) -> AppState:
    state: AppState = app.state.astrocal
    return state


def _test_caller(account: NewAccount) -> Caller:
    return Caller(account=account.account, api_key=account.test_key.key, livemode=False)


async def test_authenticate_finds_the_key_and_refuses_unknown_or_revoked_ones(
    app: FastAPI, account: NewAccount
) -> None:
    state = _state(app)
    async with state.db.connect_read() as conn:
        key, found = await service.authenticate(conn, account.test_key.secret)
        assert (key.id, found.id) == (account.test_key.key.id, account.account.id)
        with pytest.raises(AuthenticationFailed) as unknown:
            await service.authenticate(conn, "sk_test_" + "x" * 43)
    assert unknown.value.code == "invalid_api_key"

    await service.revoke_api_key(state, _test_caller(account), account.test_key.key.id)
    async with state.db.connect_read() as conn:
        with pytest.raises(AuthenticationFailed) as revoked:
            await service.authenticate(conn, account.test_key.secret)
    assert revoked.value.code == "api_key_revoked"


async def test_touch_key_writes_at_most_once_per_resolution(
    app: FastAPI, account: NewAccount, clock: FixedClock
) -> None:
    state = _state(app)
    key = account.live_key.key
    touched: dict[str, datetime] = {}
    first = clock.now()
    await service.touch_key(state.db, key, now=first, touched=touched)
    # A copy that still has the old (empty) value, as a concurrent request would.
    stale = ApiKey(id=key.id, last_used_at=None)
    await service.touch_key(state.db, stale, now=first + timedelta(minutes=5), touched=touched)
    assert stale.last_used_at is None  # the shared memory said it was written a moment ago
    async with state.db.read() as session:
        stored = await session.get(ApiKey, key.id)
    assert stored is not None and stored.last_used_at is not None
    assert stored.last_used_at.replace(tzinfo=first.tzinfo) == first


async def test_key_rules(app: FastAPI, account: NewAccount) -> None:
    state = _state(app)
    caller = _test_caller(account)
    with pytest.raises(PermissionDenied) as live:
        await service.issue_api_key(state, caller, name="Minted", mode="live")
    assert (live.value.code, live.value.param) == ("permission_denied", "mode")
    with pytest.raises(NotFound):  # a test-mode caller cannot see live keys
        await service.revoke_api_key(state, caller, account.live_key.key.id)
    created = await service.issue_api_key(state, caller, name="CI", mode="test")
    assert created.secret.startswith("sk_test_") and created.key.mode == "test"


def test_signup_can_be_switched_off(settings: Settings) -> None:
    service.ensure_signup_enabled(settings)
    closed = settings.model_copy(update={"signup_enabled": False})
    with pytest.raises(PermissionDenied) as refused:
        service.ensure_signup_enabled(closed)
    assert refused.value.code == "signup_disabled"
