"""Prefixed, random, URL-safe object ids (``bk_…``, ``evt_…``)."""

from __future__ import annotations

import secrets
import string

__all__ = ["PREFIXES", "new_id"]

PREFIXES = frozenset(
    {
        "acct",
        "key",
        "evt",
        "sch",
        "bk",
        "host",
        "wh",
        "whd",
        "whe",
        "cal",
        "req",
        "ob",
        "idem",
        "oauth",
        "hold",
        "wl",
    }
)
_ALPHABET = string.ascii_lowercase + string.digits


def new_id(prefix: str, length: int = 20) -> str:
    """A new id such as ``bk_4k2j…``; 20 base-36 chars give ~103 bits of randomness."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    # One draw of the whole number, written in base 36: the same uniform ids as choosing each
    # character on its own, for one call to the system's random source instead of one per character.
    value = secrets.randbelow(36**length)
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 36)
        chars.append(_ALPHABET[digit])
    return f"{prefix}_" + "".join(chars)
