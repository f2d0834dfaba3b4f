"""Schemathesis can build valid requests for every operation (no unsatisfiable schema).

The reference server is fuzzed from this document; a schema that no request can satisfy
(contradictory constraints, a pattern at odds with its length limits, a broken discriminator)
would silently drop an operation from that testing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import SearchStrategy

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"
SCHEMA = schemathesis.openapi.from_path(str(SPEC))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def test_every_path_operation_is_loaded() -> None:
    assert len(OPERATIONS) == 65


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_valid_requests_can_be_generated(operation: schemathesis.APIOperation) -> None:
    strategy: SearchStrategy[schemathesis.Case] = operation.as_strategy()
    drawn: list[schemathesis.Case] = []

    @given(strategy)
    @settings(
        max_examples=5,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def generate(case: schemathesis.Case) -> None:
        drawn.append(case)

    generate()
    assert drawn, f"no request could be generated for {operation.label}"
