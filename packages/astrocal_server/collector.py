"""The garbage collector of a long-lived server process (``astrocal serve``, ``astrocal worker``).

CPython's cyclic collector walks every tracked object of a generation on each pass. A server's
startup heap (SQLAlchemy's mappers and compiled statements, the pydantic models, the MCP tool
set…) is some 160,000 objects and lives as long as the process, yet every full pass walks it again
(about 50 ms each), and generation 0 is collected every 700 allocations, a few times per booking,
each time walking the objects of every request still in flight.

:func:`tune_for_serving`, called once the process has built what it keeps for its lifetime:

- collects once, then freezes what is left: the startup heap moves to the permanent generation,
  which no pass walks again. Frozen objects are still freed by reference counting as usual; only
  a reference cycle among them would never be collected, which is why it runs after startup and
  not later.
- raises generation 0's threshold to :data:`YOUNG_THRESHOLD` allocations, so a pass comes once
  per many requests instead of several times per request; cyclic garbage waits a little longer
  (a few megabytes at most) before it is freed.

Only a process's owner calls it (the CLI's entrypoints, through ``create_app(long_lived=True)``
and ``run_worker``): a test process building many apps keeps its collector as it is, since frozen
objects are never collected, not even by an explicit ``gc.collect()``.
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "tune_for_serving"]

YOUNG_THRESHOLD = 10_000


def tune_for_serving() -> None:
    """Freeze the heap built so far out of the collector's passes; collect the young rarely."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, young), middle, old)  # never lower one set higher
