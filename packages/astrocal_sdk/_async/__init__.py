"""The clients and resources: ``astrocal_sdk/_async`` is written by hand, ``astrocal_sdk/_sync``
is derived from it by scripts/unasync.py (``scripts/generate --check`` fails when they drift).

The public names are re-exported from ``astrocal_sdk``, ``astrocal_sdk.resources`` and
``astrocal_sdk.pagination``.
"""
