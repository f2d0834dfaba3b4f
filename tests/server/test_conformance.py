"""Schemathesis against the app: responses match the contract, status codes are documented,
schema-violating requests are rejected, and schema-valid requests are accepted. Only operations the
server implements are exercised (the rest are in the route-parity test's NOT_IMPLEMENTED_YET list).
What "schema-valid" means beyond the schema, and how generated requests are mended to it, is in
tests/support/conformance.py (``repair``).
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from astrocal_server.app import create_app
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.conformance import (
    SERVER_ISSUED,
    api_schema,
    conformance_config,
    conformance_server,
    repair,
)

SETTINGS, TEST_KEY = conformance_server("astrocal-conformance-")
schema = api_schema(create_app(SETTINGS), conformance_config(TEST_KEY))


@pytest.mark.slow
@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_api_conforms_to_the_contract(case: schemathesis.Case) -> None:
    repair(case)
    excluded = []
    if f"{case.method} {case.path}" in SERVER_ISSUED:
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)


async def test_the_configured_key_is_accepted() -> None:
    """The plain check the field notes ask for: the key schemathesis uses really authenticates."""
    local = create_app(SETTINGS)
    async with local.router.lifespan_context(local):
        transport = httpx.ASGITransport(app=local)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            r = await client.get("/v1/account", headers={"Authorization": f"Bearer {TEST_KEY}"})
    assert r.status_code == 200
