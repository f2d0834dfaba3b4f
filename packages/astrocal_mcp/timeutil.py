"""Pure time handling for the tools: zones, instants, dates and local renderings (no I/O).

Models get time wrong in predictable ways: a datetime without an offset, a zone abbreviation
instead of an IANA name, the weekday of a date. Everything here refuses to guess and says how
to fix the input instead (:class:`InputError` carries a message written for the model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "InputError",
    "LocalTime",
    "bracket_zone",
    "describe_instant",
    "format_offset",
    "parse_date",
    "parse_instant",
    "resolve_zone",
    "utc_text",
]

_ZONE_EXAMPLES = "'Europe/Berlin', 'America/New_York', 'Asia/Tokyo' or 'UTC'"
# RFC 9557 lets a zone ride along in brackets: 2026-04-21T14:00[Europe/Berlin].
_BRACKET_ZONE = re.compile(r"^(?P<dt>[^\[\]]+)\[(?P<zone>[^\[\]]+)\]$")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class InputError(ValueError):
    """A tool argument the model must correct; the message says how."""


def resolve_zone(name: str, *, param: str = "time_zone") -> ZoneInfo:
    """An IANA zone by name, or an :class:`InputError` that names the expected form."""
    text = name.strip()
    if text.upper() in {"UTC", "Z", "GMT", "ETC/UTC"}:
        return ZoneInfo("UTC")
    if not text or text.startswith(("/", ".")) or ".." in text:
        raise InputError(
            f"{param} {name!r} is not an IANA time zone; use a name such as {_ZONE_EXAMPLES}."
        )
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        hint = ""
        if re.fullmatch(r"[A-Za-z]{2,5}|[+-]\d{1,2}(:?\d{2})?|(UTC|GMT)[+-]\d{1,2}", text):
            hint = " Abbreviations and fixed offsets are not zones: they do not follow daylight saving time."
        raise InputError(
            f"{param} {name!r} is not a known IANA time zone.{hint} Use a name such as {_ZONE_EXAMPLES}."
        ) from None


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    """Whether a wall-clock time exists in ``zone`` (not skipped by a spring-forward gap)."""
    round_trip = local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) == local


def _is_ambiguous(local: datetime, zone: ZoneInfo) -> bool:
    first = local.replace(tzinfo=zone, fold=0).utcoffset()
    second = local.replace(tzinfo=zone, fold=1).utcoffset()
    return first != second


def parse_instant(text: str, *, param: str) -> datetime:
    """An RFC 3339 date-time with an offset (or ``…[Zone/Name]``) → an aware UTC datetime.

    A datetime without an offset is refused: taking it as UTC would silently book the wrong hour.
    """
    raw = text.strip()
    zone: ZoneInfo | None = None
    bracket = _BRACKET_ZONE.match(raw)
    if bracket:
        raw = bracket.group("dt").strip()
        zone = resolve_zone(bracket.group("zone"), param=param)
    try:
        parsed = datetime.fromisoformat(raw.replace("z", "Z").replace(" ", "T", 1))
    except ValueError:
        raise InputError(
            f"{param} {text!r} is not a date-time. Use RFC 3339 with an offset, e.g. "
            "'2026-04-21T14:00:00+02:00' or '2026-04-21T12:00:00Z'."
        ) from None
    if parsed.tzinfo is not None:
        if zone is not None and parsed.utcoffset() != parsed.replace(tzinfo=zone).utcoffset():
            raise InputError(
                f"{param} {text!r}: the offset does not match {zone.key} at that time; "
                "give the offset or the zone, not two that disagree."
            )
        return parsed.astimezone(UTC)
    if zone is None:
        example = parsed.replace(microsecond=0).isoformat(timespec="seconds")
        raise InputError(
            f"{param} {text!r} has no UTC offset, so the instant it means is unknown (it is never "
            f"assumed to be UTC). Add the offset or zone, e.g. '{example}+02:00', "
            f"'{example}Z' (UTC) or '{example}[Europe/Berlin]'. Slot starts returned by "
            "check_availability can be passed as they are."
        )
    if not _exists(parsed, zone):
        raise InputError(
            f"{param} {text!r} does not exist: the clocks in {zone.key} skip that hour "
            "(daylight saving time starts). Pick a time outside the gap."
        )
    if _is_ambiguous(parsed, zone):
        early = parsed.replace(tzinfo=zone, fold=0).isoformat(timespec="seconds")
        late = parsed.replace(tzinfo=zone, fold=1).isoformat(timespec="seconds")
        raise InputError(
            f"{param} {text!r} happens twice in {zone.key} (daylight saving time ends); "
            f"give the offset to say which: '{early}' or '{late}'."
        )
    return parsed.replace(tzinfo=zone).astimezone(UTC)


def bracket_zone(text: str) -> ZoneInfo | None:
    """The zone of a ``…[Zone/Name]`` date-time, if it names a known one (to show times in it)."""
    match = _BRACKET_ZONE.match(text.strip())
    if not match:
        return None
    try:
        return resolve_zone(match.group("zone"))
    except InputError:
        return None


def parse_date(text: str, *, param: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{param} {text!r} is not a date; use YYYY-MM-DD, e.g. '2026-04-21'. "
            "Call get_current_time first if you need today's date."
        ) from None


def utc_text(moment: datetime) -> str:
    """RFC 3339 in UTC with ``Z``, second precision (the API's form)."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_offset(offset: timedelta | None) -> str:
    total = int((offset or timedelta(0)).total_seconds())
    sign = "-" if total < 0 else "+"
    hours, rest = divmod(abs(total), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


@dataclass(frozen=True)
class LocalTime:
    """One instant as seen in one zone."""

    zone: str
    local: str  # RFC 3339 with the zone's offset
    date: str
    time: str  # HH:MM
    weekday: str
    utc_offset: str
    is_dst: bool
    abbreviation: str


def describe_instant(moment: datetime, zone: tzinfo) -> LocalTime:
    local = moment.astimezone(zone).replace(microsecond=0)
    dst = local.dst()
    return LocalTime(
        zone=getattr(zone, "key", str(zone)),
        local=local.isoformat(timespec="seconds"),
        date=local.date().isoformat(),
        time=local.strftime("%H:%M"),
        weekday=_WEEKDAYS[local.weekday()],
        utc_offset=format_offset(local.utcoffset()),
        is_dst=bool(dst),
        abbreviation=local.tzname() or "",
    )
