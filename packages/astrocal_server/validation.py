"""Input rules the contract's schemas cannot state, shared by several resources: IANA zones
(``format: iana-time-zone``), e-mail syntax (``format: email``), HH:MM wall times and interval
overlaps, and metadata after a PATCH merge. The shapes themselves (lengths, patterns, ranges) are
checked by the request models generated from openapi.yaml.

Each check raises ``ValueError`` with a message that says what is expected; the API edge reports it
as 400 ``parameter_invalid`` with ``param`` (``api/body.py::check_field``). A service merging a
PATCH's metadata calls :func:`patched_metadata`, which reports it so itself.
"""

from __future__ import annotations

import functools
import itertools
import re
import zoneinfo
from collections.abc import Sequence
from typing import Any

from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from pydantic import EmailStr, TypeAdapter, ValidationError

from astrocal_server.errors import invalid_param

__all__ = [
    "check_email",
    "check_metadata",
    "check_time_zone",
    "first_overlap",
    "merge_metadata",
    "minute_of_day",
    "patched_metadata",
]

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(name: str) -> str:
    if name not in _zones():
        raise ValueError(
            f"{name!r} is not an IANA time zone name; use a name such as Europe/Berlin, America/New_York or UTC"
        )
    return name


_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)


def check_email(value: str) -> str:
    """The contract's ``format: email``: the address in its normal form, or ``ValueError``.

    The common address (a plain ASCII dot-atom before the ``@``, a lowercase ASCII domain) is
    answered from the domain's own verdict, checked once per domain: email-validator's checks of
    such a local part are its shape and length, and its normal form is itself, so the address is
    valid and unchanged exactly when its domain is, and the whole fits the length limit (its
    mailbox names compared case-insensitively, such as ``Postmaster``, take the full check, which
    lowercases them). Anything else, and every refusal, takes the full check."""
    if _SIMPLE_EMAIL.fullmatch(value) is not None:
        local, _, domain = value.rpartition("@")
        if (
            len(local) <= _MAX_LOCAL
            and len(value) <= _MAX_EMAIL
            and local.lower() not in CASE_INSENSITIVE_MAILBOX_NAMES
            and _domain_is_normal(domain)
        ):
            return value
    return _checked_email(value)


def _checked_email(value: str) -> str:
    try:
        return _EMAIL.validate_python(value)
    except ValidationError as exc:
        raise ValueError(exc.errors(include_url=False)[0]["msg"]) from None


# email-validator's dot-atom characters (RFC 5322 atext), ASCII only; a domain of lowercase ASCII
# labels, which it keeps as they are when it accepts them.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_SIMPLE_EMAIL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.ASCII)
_MAX_LOCAL = 64  # octets before the @ (RFC 5321)
_MAX_EMAIL = 254  # the whole address (RFC 5321's path limit less the brackets)


@functools.lru_cache(maxsize=4096)
def _domain_is_normal(domain: str) -> bool:
    """Whether email-validator accepts an address at ``domain`` and keeps the domain as is."""
    try:
        return _checked_email(f"a@{domain}") == f"a@{domain}"
    except ValueError:
        return False


def minute_of_day(text: str, *, allow_24: bool = False) -> int:
    """``"09:30"`` → 570; ``"24:00"`` → 1440 only where an interval may end at midnight."""
    if text == "24:00":
        if allow_24:
            return 1440
        raise ValueError("24:00 may only be used as an interval's end")
    match = _HHMM.match(text)
    if not match:
        raise ValueError(
            f"{text!r} is not a wall time; use HH:MM from 00:00 to 23:59 (or 24:00 as an end)"
        )
    return int(match.group(1)) * 60 + int(match.group(2))


def first_overlap(intervals: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    """Positions (in the given order) of the first two intervals that overlap, or None.

    Touching intervals (09:00–12:00 and 12:00–13:00) do not overlap.
    """
    order = sorted(range(len(intervals)), key=lambda i: intervals[i])
    for a, b in itertools.pairwise(order):
        if intervals[b][0] < intervals[a][1]:
            return (min(a, b), max(a, b))
    return None


def check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > METADATA_MAX_KEYS:
        raise ValueError(f"metadata may hold at most {METADATA_MAX_KEYS} keys (got {len(value)})")
    for key, item in value.items():
        if not key or len(key) > METADATA_MAX_KEY_LENGTH:
            raise ValueError(
                f"metadata keys must be 1–{METADATA_MAX_KEY_LENGTH} characters ({key[:50]!r} is not)"
            )
        if not isinstance(item, str):
            raise ValueError(f"metadata values must be strings (the value of {key!r} is not)")
        if len(item) > METADATA_MAX_VALUE_LENGTH:
            raise ValueError(
                f"metadata values may be at most {METADATA_MAX_VALUE_LENGTH} characters (the value of {key!r} is longer)"
            )
    return value


def merge_metadata(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """PATCH semantics: keys sent are set, a key sent with ``""`` is removed; the result is re-checked."""
    merged = dict(current)
    for key, value in changes.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return check_metadata(merged)


def patched_metadata(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """:func:`merge_metadata`, a result it refuses being 400 ``parameter_invalid`` on ``metadata``."""
    try:
        return merge_metadata(current, changes)
    except ValueError as exc:
        raise invalid_param("metadata", f"{exc}.") from None
