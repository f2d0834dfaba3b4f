"""Pure time handling for the tools: zones, instants, dates and local renderings (no I/O).

Models get time wrong in predictable ways: a datetime without an offset, a zone abbreviation
instead of an IANA name, the weekday of a date. Everything here refuses to guess and says how
to fix the input instead (:class:`InputError` carries a message written for the model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "InputError",
    "LocalTime",
    "ShownZone",
    "bracket_zone",
    "describe_instant",
    "format_offset",
    "offset_zone",
    "parse_date",
    "parse_instant",
    "resolve_zone",
    "show_instant",
    "utc_text",
    "working_hours_text",
    "zone_written_in",
]

_ZONE_EXAMPLES = "'Europe/Berlin', 'America/New_York', 'Asia/Tokyo' or 'UTC'"
# RFC 9557 lets a zone ride along in brackets: 2026-04-21T14:00[Europe/Berlin].
_BRACKET_ZONE = re.compile(r"^(?P<dt>[^\[\]]+)\[(?P<zone>[^\[\]]+)\]$")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class InputError(ValueError):
    """A tool argument the model must correct; the message says how."""


# Abbreviations people write for zones, with the IANA zones they most often mean. tzdata also
# has legacy zones named EST, MST, HST, CET, EET, WET, MET…: a name like that is refused, never
# taken silently (EST has no daylight saving time; New York has).
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "EST": ("America/New_York", "America/Toronto", "America/Panama"),
    "EDT": ("America/New_York", "America/Toronto"),
    "CST": ("America/Chicago", "America/Mexico_City", "Asia/Shanghai"),
    "CDT": ("America/Chicago",),
    "MST": ("America/Denver", "America/Phoenix"),
    "MDT": ("America/Denver",),
    "PST": ("America/Los_Angeles", "America/Vancouver"),
    "PDT": ("America/Los_Angeles", "America/Vancouver"),
    "AKST": ("America/Anchorage",),
    "HST": ("Pacific/Honolulu",),
    "WET": ("Europe/Lisbon",),
    "BST": ("Europe/London",),
    "IST": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "CET": ("Europe/Berlin", "Europe/Paris", "Europe/Madrid"),
    "CEST": ("Europe/Berlin", "Europe/Paris", "Europe/Madrid"),
    "MET": ("Europe/Berlin", "Europe/Paris"),
    "EET": ("Europe/Athens", "Europe/Helsinki", "Africa/Cairo"),
    "EEST": ("Europe/Athens", "Europe/Helsinki"),
    "MSK": ("Europe/Moscow",),
    "SGT": ("Asia/Singapore",),
    "HKT": ("Asia/Hong_Kong",),
    "JST": ("Asia/Tokyo",),
    "KST": ("Asia/Seoul",),
    "AEST": ("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane"),
    "AEDT": ("Australia/Sydney", "Australia/Melbourne"),
    "NZST": ("Pacific/Auckland",),
    "NZDT": ("Pacific/Auckland",),
}
_ABBREVIATION = re.compile(r"[A-Z]{2,5}(\d{1,2}[A-Z]{3,4})?")


def resolve_zone(name: str, *, param: str = "time_zone") -> ZoneInfo:
    """An IANA zone by name, or an :class:`InputError` that names the expected form."""
    text = name.strip()
    if text.upper() in {"UTC", "Z", "GMT", "ETC/UTC"}:
        return ZoneInfo("UTC")
    if _ABBREVIATION.fullmatch(text.upper()) and "/" not in text:
        meant = _ABBREVIATIONS.get(text.upper())
        options = f" such as {', '.join(meant)}" if meant else f" such as {_ZONE_EXAMPLES}"
        raise InputError(
            f"{param} {name!r} is an abbreviation, not a time zone (it does not follow the place's "
            f"daylight saving time); use the IANA name of the place{options}."
        )
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


@dataclass(frozen=True)
class ShownZone:
    """The zone a result shows times in, and where it came from (the result says which)."""

    zone: tzinfo
    name: str  # an IANA name, or "UTC+01:00" for a bare offset
    source: str  # "time_zone argument", "start_time", "invitee", "event type"

    @property
    def label(self) -> str:
        return f"{self.name} (from the {self.source})"


def offset_zone(offset: timedelta) -> tuple[tzinfo, str]:
    """A fixed-offset zone and its name ("UTC+01:00")."""
    return timezone(offset), f"UTC{format_offset(offset)}"


def zone_written_in(text: str) -> tuple[tzinfo, str] | None:
    """The zone a date-time was written in: its ``[Zone/Name]``, or its bare offset (named as an
    offset: it says nothing about daylight saving time); None when it has neither."""
    named = bracket_zone(text)
    if named is not None:
        return named, named.key
    raw = text.strip()
    try:
        parsed = datetime.fromisoformat(raw.replace("z", "Z").replace(" ", "T", 1))
    except ValueError:
        return None
    offset = parsed.utcoffset()
    if offset is None:
        return None
    if offset == timedelta(0):
        return ZoneInfo("UTC"), "UTC"
    return offset_zone(offset)


def show_instant(moment: datetime, shown: ShownZone, *, end: datetime | None = None) -> str:
    """``Tue 2026-12-08 15:00 Europe/Berlin (UTC+01:00) = 14:00 UTC``; with ``end`` a range."""
    local = describe_instant(moment, shown.zone)
    utc = moment.astimezone(UTC)
    span, utc_span = local.time, utc.strftime("%H:%M")
    if end is not None:
        span += "–" + describe_instant(end, shown.zone).time
        utc_span += "–" + end.astimezone(UTC).strftime("%H:%M")
    where = shown.name if shown.name.startswith("UTC") else f"{shown.name} (UTC{local.utc_offset})"
    if shown.name == "UTC":
        return f"{local.weekday[:3]} {local.date} {span} UTC"
    return f"{local.weekday[:3]} {local.date} {span} {where} = {utc_span} UTC"


_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def working_hours_text(
    weekly: list[tuple[str, str, str]], schedule_zone: str, shown: ShownZone, around: date
) -> str:
    """Weekly hours ``(weekday, "HH:MM", "HH:MM")`` of a schedule, as worked in the week around
    ``around`` and said in ``shown``'s zone: ``Mon–Fri 15:00–23:00; not on Sat, Sun``."""
    home = ZoneInfo(schedule_zone)
    monday = around - timedelta(days=around.weekday())
    by_day: dict[int, list[str]] = {n: [] for n in range(7)}
    for day_name, start, end in weekly:
        day = monday + timedelta(days=_DAY_NAMES.index(day_name.lower()))
        for offset in (-7, 0, 7):  # hours of the weeks around can land in this one
            on = day + timedelta(days=offset)
            lo = datetime.combine(on, datetime.strptime(start, "%H:%M").time(), home)
            hi = (
                datetime.combine(on + timedelta(days=1), datetime.min.time(), home)
                if end == "24:00"
                else datetime.combine(on, datetime.strptime(end, "%H:%M").time(), home)
            )
            local_lo, local_hi = lo.astimezone(shown.zone), hi.astimezone(shown.zone)
            pieces = [(local_lo, local_hi)]
            if local_hi.date() > local_lo.date():  # crosses midnight where it is said
                midnight = datetime.combine(local_hi.date(), datetime.min.time(), local_hi.tzinfo)
                pieces = [(local_lo, midnight), (midnight, local_hi)]
            for a, b in pieces:
                if a < b and monday <= a.date() < monday + timedelta(days=7):
                    close = b.strftime("%H:%M") if b.date() == a.date() else "24:00"
                    by_day[a.weekday()].append(f"{a.strftime('%H:%M')}–{close}")
    groups: list[tuple[list[int], str]] = []
    for n in range(7):
        hours = ", ".join(sorted(set(by_day[n])))
        if groups and groups[-1][1] == hours and groups[-1][0][-1] == n - 1:
            groups[-1][0].append(n)
        else:
            groups.append(([n], hours))

    def days(numbers: list[int]) -> str:
        names = [_WEEKDAYS[n][:3] for n in numbers]
        return names[0] if len(names) == 1 else f"{names[0]}–{names[-1]}"

    open_ = [f"{days(ns)} {hours}" for ns, hours in groups if hours]
    closed = [_WEEKDAYS[n][:3] for n in range(7) if not by_day[n]]
    text = "; ".join(open_) if open_ else "no working hours"
    if open_ and closed:
        text += f"; not on {', '.join(closed)}"
    if shown.name.startswith("UTC"):
        return f"{text} ({shown.name})"
    noon = datetime.combine(around, datetime.min.time().replace(hour=12), shown.zone)
    return f"{text} ({shown.name}, UTC{format_offset(noon.utcoffset())})"
