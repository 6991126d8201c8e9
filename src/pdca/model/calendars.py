"""Business-hours calendars as the objectives file defines them: time zone, weekly hours, holidays.

How a calendar turns into working time is defined in :mod:`pdca.methods.kpi.calendar`.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
MINUTES_PER_DAY = 24 * 60

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeRange(_Strict):
    """An opening range within one day, in minutes after local midnight (``end`` may be 1440)."""

    start: int = Field(ge=0, lt=MINUTES_PER_DAY)
    end: int = Field(gt=0, le=MINUTES_PER_DAY)

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_time_range(text: str) -> TimeRange:
    """``"08:00-18:00"`` → a :class:`TimeRange`; ``24:00`` is allowed as an end."""
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f'"{text}" is not a time range like 08:00-18:00')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or start >= MINUTES_PER_DAY or end > MINUTES_PER_DAY:
        raise ValueError(f'"{text}" is not a time of day (use 00:00 to 24:00)')
    if end <= start:
        raise ValueError(
            f'"{text}" ends before it starts; split a night shift over two days '
            '(e.g. "22:00-24:00" and "00:00-06:00")'
        )
    return TimeRange(start=start, end=end)


def _day_ranges(value: Any) -> Any:
    if isinstance(value, str | TimeRange):
        value = [value]
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str | TimeRange) for v in value
    ):
        return value  # pydantic reports the wrong type
    ranges = sorted(
        (parse_time_range(v) if isinstance(v, str) else v for v in value), key=lambda r: r.start
    )
    for a, b in pairwise(ranges):
        if b.start < a.end:
            raise ValueError(f'"{a}" and "{b}" overlap; give each minute once')
    return tuple(ranges)


class WeeklyHours(_Strict):
    """Opening ranges per weekday; a day left out (or given ``[]``) is closed."""

    monday: tuple[TimeRange, ...] = ()
    tuesday: tuple[TimeRange, ...] = ()
    wednesday: tuple[TimeRange, ...] = ()
    thursday: tuple[TimeRange, ...] = ()
    friday: tuple[TimeRange, ...] = ()
    saturday: tuple[TimeRange, ...] = ()
    sunday: tuple[TimeRange, ...] = ()

    _parse = field_validator(*WEEKDAYS, mode="before")(_day_ranges)

    def on(self, weekday: int) -> tuple[TimeRange, ...]:
        """Ranges of a weekday (0 = Monday, as :meth:`datetime.date.weekday`)."""
        ranges: tuple[TimeRange, ...] = getattr(self, WEEKDAYS[weekday])
        return ranges


class Calendar(_Strict):
    """A business-hours calendar: local time zone, weekly opening hours, holidays."""

    timezone: str = "UTC"
    """IANA time-zone name, e.g. ``Europe/Brussels``."""
    hours: WeeklyHours
    holidays: dict[date, str] = Field(default_factory=dict)
    """Closed local dates, each with a name (empty when the file gives only dates)."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f'"{value}" is not an IANA time zone like "Europe/Brussels" or "UTC"'
            ) from None
        return value

    @field_validator("holidays", mode="before")
    @classmethod
    def _dates_or_named(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return dict.fromkeys(value, "")
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.timezone)


def _days(days: tuple[str, ...], *ranges: str) -> dict[str, list[str]]:
    return {day: list(ranges) for day in days}


DEFAULT_CALENDARS: dict[str, Calendar] = {
    "24x7": Calendar(timezone="UTC", hours=WeeklyHours(**_days(WEEKDAYS, "00:00-24:00"))),
    "business": Calendar(
        timezone="UTC",
        hours=WeeklyHours(**_days(WEEKDAYS[:5], "08:00-18:00")),
    ),
}
"""Built-in calendars: ``24x7`` (always open), ``business`` (Monday to Friday 08:00-18:00 UTC)."""


__all__ = [
    "DEFAULT_CALENDARS",
    "MINUTES_PER_DAY",
    "WEEKDAYS",
    "Calendar",
    "TimeRange",
    "WeeklyHours",
    "parse_time_range",
]
