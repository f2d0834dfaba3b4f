"""Open slots and start checks: the pure engine plus the service that feeds it.

- ``engine``: the slot engine (pure: no I/O, no clock, no framework).
- ``rules``: pure mapping from stored event types and schedules to the engine's inputs.
- ``external``: the external busy-time source protocol and what a failing source means.
- ``service``: loads from the database, asks external calendars, calls the engine.

The external busy-source names are re-exported here: the app and the worker plug a source in
without reaching into the package.
"""

# The re-exported names are external.__all__, listed there once.
from astrocal_server.availability.external import *  # noqa: F403
from astrocal_server.availability.external import __all__ as __all__
