"""Exit codes scripts can rely on (documented in the README's CLI section and in ``astrocal --help``)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode", "for_status"]


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # anything unexpected
    USAGE = 2  # bad option or unreadable input (Click's own code for usage errors)
    AUTH = 3  # no key configured, or 401/403 from the API
    NOT_FOUND = 4  # 404
    CONFLICT = 5  # 409: slot unavailable, booking cancelled, object in use, …
    INVALID = 6  # 400/422: the API rejected the input
    LIMIT = 7  # 402 plan limit or 429 rate limit
    SERVER = 8  # 5xx
    NETWORK = 9  # could not connect, or timed out
    ABORTED = 10  # a confirmation prompt was declined


def for_status(status: int) -> ExitCode:
    if status in (401, 403):
        return ExitCode.AUTH
    if status == 404:
        return ExitCode.NOT_FOUND
    if status == 409:
        return ExitCode.CONFLICT
    if status in (402, 429):
        return ExitCode.LIMIT
    if status >= 500:
        return ExitCode.SERVER
    if 400 <= status < 500:
        return ExitCode.INVALID
    return ExitCode.ERROR


EPILOG = (
    "Exit codes: 0 ok · 1 unexpected error · 2 usage · 3 not logged in / 401 / 403 · 4 not found · "
    "5 conflict (409) · 6 invalid request (400/422) · 7 plan or rate limit (402/429) · "
    "8 server error (5xx) · 9 network error · 10 declined a confirmation."
)
