"""The whole suite's fixtures come from ``tests/support`` (see its ``__init__`` for the map);
directory conftests only override them for their directory."""

import pytest

# Helpers imported by test modules get pytest's assertion rewriting too.
pytest.register_assert_rewrite("tests.support")

pytest_plugins = [
    "tests.support.clocks",
    "tests.support.databases",
    "tests.support.app",
    "tests.support.bookings",
    "tests.support.teams",
    "tests.support.races",
    "tests.support.smtp",
    "tests.support.emails",
    "tests.support.caldav",
    "tests.support.misbehaving_http",
    "tests.support.providers",
    "tests.support.webhooks",
    "tests.support.spec",
    "tests.support.parallel",
    "tests.support.browser",
]
