"""Times for people: API timestamps shown in the user's zone, user input read in it (pure, no I/O).

Contract: the API speaks RFC 3339 instants in UTC (``2026-04-15T14:00:00Z``, as in
``openapi.yaml``) and IANA zone names; people read and type wall-clock times in ``--tz`` (default:
this machine's zone). A time typed with an offset or ``Z`` is taken as is.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "TimeInputError",
    "format_instant",
    "iana_name",
    "local_zone",
    "parse_api_time",
    "parse_date",
    "parse_instant",
    "to_api_time",
    "zone",
    "zone_name",
]


class TimeInputError(ValueError):
    """A date, time or zone the user typed that we cannot read; the message says what works."""


def local_zone() -> tzinfo:
    """The machine's zone, by its IANA name when it can be found (``TZ``, else ``/etc/localtime``
    or ``/etc/timezone``), else the current fixed offset."""
    import os
    from pathlib import Path

    if "TZ" in os.environ:
        candidates = [os.environ["TZ"].lstrip(":") or "UTC"]  # an empty TZ means UTC
    else:
        candidates = []
        try:
            target = str(Path("/etc/localtime").resolve())
            if "zoneinfo/" in target:
                candidates.append(target.split("zoneinfo/", 1)[1])
        except OSError:
            pass
        with contextlib.suppress(OSError):
            candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if not name:
            continue
        if name.upper() == "UTC":
            return UTC
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return datetime.now().astimezone().tzinfo or UTC


def iana_name(tz: tzinfo) -> str | None:
    """The zone's IANA name if it has one (what the API accepts), else None."""
    if tz is UTC:
        return "UTC"
    return getattr(tz, "key", None)


def zone(name: str | None) -> tzinfo:
    if not name:
        return local_zone()
    if name.upper() in {"UTC", "Z"}:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeInputError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin or UTC"
        ) from None


def zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def parse_api_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)


def format_instant(value: str | None, tz: tzinfo, *, with_zone: bool = True) -> str:
    """``2026-04-15T14:00:00Z`` → ``2026-04-15 16:00 CEST`` in Europe/Berlin; junk is shown as is."""
    if not value:
        return ""
    try:
        instant = parse_api_time(value)
    except ValueError:
        return value
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    local = instant.astimezone(tz)
    text = local.strftime("%Y-%m-%d %H:%M")
    if local.second:
        text += local.strftime(":%S")
    return f"{text} {local.tzname()}" if with_zone else text


def parse_instant(text: str, tz: tzinfo) -> datetime:
    """An instant the user typed. With an offset or ``Z`` it is taken as is; without one it is a
    wall-clock time in ``tz`` (``2026-04-15 14:00`` or ``2026-04-15T14:00``)."""
    raw = text.strip()
    try:
        parsed = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1:] in "zZ" and raw else raw)
    except ValueError:
        raise TimeInputError(
            f"cannot read {text!r} as a time; use 2026-04-15T14:00:00Z or '2026-04-15 16:00' "
            "(read in --tz)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def to_api_time(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: str, tz: tzinfo, *, today: datetime | None = None) -> date:
    """``YYYY-MM-DD``, or ``today`` / ``tomorrow`` / ``+N`` (N days from today) in ``tz``."""
    word = text.strip().lower()
    offset = {"today": 0, "tomorrow": 1}.get(word)
    if offset is None and word.startswith("+") and word[1:].isdigit():
        offset = int(word[1:])
    if offset is not None:
        now = (today or datetime.now(UTC)).astimezone(tz).date()
        return date.fromordinal(now.toordinal() + offset)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise TimeInputError(
            f"cannot read {text!r} as a date; use YYYY-MM-DD, today, tomorrow or +N (days from today)"
        ) from None
