"""Pure domain logic: no I/O, no clock of its own (``now`` is always passed in)."""

__all__: list[str] = []
