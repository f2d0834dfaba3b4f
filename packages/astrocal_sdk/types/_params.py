"""Argument types of resource methods: a generated model, or a plain dict of the same shape
(the ``…Dict`` TypedDicts below, so type checkers catch a misspelt key)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal, Required, TypedDict
from zoneinfo import ZoneInfo

from astrocal_sdk.types._generated.models import (
    CalendarRef,
    DateOverride,
    EventTypeHost,
    Invitee,
    InviteeUpdate,
    Location,
    Question,
    QuestionType,
    Reminder,
    ReminderChannel,
    ReminderRecipient,
    TimeInterval,
    WeeklyHoursInterval,
)

__all__ = [
    "AnswerValueLike",
    "CalendarRefDict",
    "CalendarRefParam",
    "DateLike",
    "DateOverrideDict",
    "DateOverrideParam",
    "DateTimeLike",
    "EventTypeHostDict",
    "EventTypeHostParam",
    "InviteeDict",
    "InviteeParam",
    "InviteeUpdateDict",
    "InviteeUpdateParam",
    "LocationDict",
    "LocationParam",
    "QuestionDict",
    "QuestionParam",
    "ReminderDict",
    "ReminderParam",
    "TimeIntervalDict",
    "TimeZoneLike",
    "WeeklyHoursDict",
    "WeeklyHoursParam",
]

AnswerValueLike = str | int | float | bool | Sequence[str]
"""One answer: text, a number, ``True``/``False`` or a list of options, as its question's type asks."""
DateTimeLike = dt.datetime | str
"""An aware ``datetime`` (any zone; sent as UTC) or an RFC 3339 string."""
DateLike = dt.date | str
"""A ``date`` or ``YYYY-MM-DD``."""
TimeZoneLike = ZoneInfo | str
"""A ``ZoneInfo`` or an IANA name such as ``Europe/Berlin``."""


class _InviteeRequired(TypedDict):
    name: str
    email: str


class InviteeDict(_InviteeRequired, total=False):
    time_zone: TimeZoneLike


class InviteeUpdateDict(TypedDict, total=False):
    name: str
    time_zone: TimeZoneLike


class _LocationRequired(TypedDict):
    type: Literal["in_person", "phone", "video", "custom", "google_meet", "microsoft_teams"]


class LocationDict(_LocationRequired, total=False):
    value: str  # required for in_person, phone, video and custom; left out for the others


class CalendarRefDict(TypedDict):
    connection_id: str
    calendar_id: str


class EventTypeHostDict(TypedDict, total=False):
    host_id: Required[str]
    priority: int
    weight: int


class QuestionDict(TypedDict, total=False):
    key: Required[str]
    label: Required[str]
    type: Required[QuestionType]
    required: bool
    options: Sequence[str]
    help_text: str


class ReminderDict(TypedDict):
    before_minutes: int
    channels: Sequence[ReminderChannel]
    to: Sequence[ReminderRecipient]


class TimeIntervalDict(TypedDict):
    start: str
    end: str


class WeeklyHoursDict(TypedDict):
    day: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    start: str
    end: str


class DateOverrideDict(TypedDict):
    date: DateLike
    intervals: Sequence[TimeIntervalDict | TimeInterval]


InviteeParam = Invitee | InviteeDict
InviteeUpdateParam = InviteeUpdate | InviteeUpdateDict
LocationParam = Location | LocationDict
CalendarRefParam = CalendarRef | CalendarRefDict
EventTypeHostParam = EventTypeHost | EventTypeHostDict
QuestionParam = Question | QuestionDict
ReminderParam = Reminder | ReminderDict
WeeklyHoursParam = WeeklyHoursInterval | WeeklyHoursDict
DateOverrideParam = DateOverride | DateOverrideDict
