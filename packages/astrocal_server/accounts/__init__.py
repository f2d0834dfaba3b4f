"""Accounts, their API keys and plans (no HTTP here): :mod:`.service` and :mod:`.plans`.

The package re-exports the service's public names (its ``__all__``), so ``from
astrocal_server.accounts import create_account`` keeps working for first-run setup, benchmarks and
tests.
"""

from astrocal_server.accounts.service import *  # noqa: F403 - the service's __all__ is ours
from astrocal_server.accounts.service import __all__ as __all__
