"""The clients and resources, written once as async code.

scripts/unasync.py derives the sync package (``astrocal_sdk/_sync``) from this one, and
``scripts/generate --check`` fails when the two drift apart. The public names are re-exported
from ``astrocal_sdk`` and ``astrocal_sdk.resources``.
"""
