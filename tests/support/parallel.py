"""Running the suite in parallel (pytest-xdist) without tests disturbing each other's timing.

A test marked ``exclusive`` (a load test: many concurrent requests against real server
processes, with a deadline per request) runs while no other test of this run is running on any
worker: every test holds a shared ``flock`` on one file of the run for its duration, an exclusive
test holds it exclusively. Without xdist this is a no-op.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _one_exclusive_test_at_a_time(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    # Each worker's base temp is <run's base temp>/gwN: the parent is this run's, shared by all.
    lock_file = tmp_path_factory.getbasetemp().parent / "exclusive-tests.lock"
    exclusive = request.node.get_closest_marker("exclusive") is not None
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
