"""Working intervals against a minute-by-minute reading of the calendar on its local clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdca.methods.kpi.calendar import (
    intervals_table,
    merge_adjacent,
    offset_pieces,
    working_intervals,
)
from pdca.model.calendars import DEFAULT_CALENDARS, Calendar

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MINUTE = timedelta(minutes=1)
H = timedelta(hours=1)


# -- the reference: look at the local clock, one minute at a time ----------------------------------
Spec = tuple[str, dict[int, list[tuple[int, int]]], set[date]]
"""(time zone, weekday -> [(start minute, end minute)], holidays) in plain data."""


def is_working(spec: Spec, utc: datetime) -> bool:
    zone, hours, holidays = spec
    local = utc.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
    if local.date() in holidays:
        return False
    minute = local.hour * 60 + local.minute
    return any(a <= minute < b for a, b in hours.get(local.weekday(), []))


def reference_minutes(spec: Spec, lo: datetime, hi: datetime) -> set[datetime]:
    out = set()
    cur = lo
    while cur < hi:
        if is_working(spec, cur):
            out.add(cur)
        cur += MINUTE
    return out


def table_minutes(rows: list[tuple[datetime, datetime]]) -> set[datetime]:
    out = set()
    for a, b in rows:
        assert a.second == b.second == 0
        assert a < b
        cur = a
        while cur < b:
            out.add(cur)
            cur += MINUTE
    return out


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def to_calendar(spec: Spec) -> Calendar:
    zone, hours, holidays = spec
    return Calendar.model_validate(
        {
            "timezone": zone,
            "hours": {DAYS[d]: [f"{hhmm(a)}-{hhmm(b)}" for a, b in r] for d, r in hours.items()},
            "holidays": sorted(holidays),
        }
    )


def make(zone: str, days: range | tuple[int, ...], *ranges: str, holidays: tuple[date, ...] = ()):
    return Calendar.model_validate(
        {
            "timezone": zone,
            "hours": {DAYS[d]: list(ranges) for d in days},
            "holidays": list(holidays),
        }
    )


WEEKDAYS = range(5)
EVERY_DAY = range(7)


# -- worked examples, computed by hand -------------------------------------------------------------
def test_office_day_is_eight_hours_on_both_sides_of_brussels_spring_forward() -> None:
    cal = make("Europe/Brussels", WEEKDAYS, "09:00-17:00")
    # Friday 29 March 2024 is CET (UTC+1), Monday 1 April CEST (UTC+2); the change is on Sunday 31
    rows = working_intervals(cal, datetime(2024, 3, 29), datetime(2024, 4, 2))
    assert rows == [
        (datetime(2024, 3, 29, 8), datetime(2024, 3, 29, 16)),
        (datetime(2024, 4, 1, 7), datetime(2024, 4, 1, 15)),
    ]


def test_office_day_around_new_york_fall_back() -> None:
    cal = make("America/New_York", WEEKDAYS, "09:00-17:00")
    # Friday 1 Nov 2024 is EDT (UTC-4), Monday 4 Nov EST (UTC-5); the change is on Sunday 3
    rows = working_intervals(cal, datetime(2024, 11, 1), datetime(2024, 11, 5))
    assert rows == [
        (datetime(2024, 11, 1, 13), datetime(2024, 11, 1, 21)),
        (datetime(2024, 11, 4, 14), datetime(2024, 11, 4, 22)),
    ]


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Brussels", date(2024, 3, 31), 23),
        ("Europe/Brussels", date(2024, 10, 27), 25),
        ("Europe/Brussels", date(2025, 3, 30), 23),
        ("Europe/Brussels", date(2025, 10, 26), 25),
        ("America/New_York", date(2024, 3, 10), 23),
        ("America/New_York", date(2024, 11, 3), 25),
        ("America/New_York", date(2025, 3, 9), 23),
        ("America/New_York", date(2025, 11, 2), 25),
        ("Europe/Brussels", date(2025, 6, 15), 24),
    ],
)
def test_a_whole_local_day_lasts_23_or_25_hours_on_change_days(
    zone: str, day: date, hours: int
) -> None:
    cal = make(zone, EVERY_DAY, "00:00-24:00")
    rows = working_intervals(cal, datetime(2024, 1, 1), datetime(2026, 1, 1))
    local_midnight = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(zone))
    start = local_midnight.astimezone(UTC).replace(tzinfo=None)
    mine = [(a, b) for a, b in rows if a == start]
    assert len(mine) == 1
    assert mine[0][1] - mine[0][0] == timedelta(hours=hours)


def test_a_range_over_the_skipped_hour_loses_it() -> None:
    # 30 March 2025, Brussels: 02:00 CET jumps to 03:00 CEST (01:00 UTC)
    cal = make("Europe/Brussels", EVERY_DAY, "01:30-03:30")
    rows = working_intervals(cal, datetime(2025, 3, 30), datetime(2025, 3, 30, 12))
    # 01:30-02:00 CET = 00:30-01:00 UTC, then 03:00-03:30 CEST = 01:00-01:30 UTC
    assert rows == [(datetime(2025, 3, 30, 0, 30), datetime(2025, 3, 30, 1, 30))]


def test_a_range_over_the_repeated_hour_counts_both_passes() -> None:
    # 26 Oct 2025, Brussels: 03:00 CEST falls back to 02:00 CET (01:00 UTC)
    cal = make("Europe/Brussels", EVERY_DAY, "02:30-05:00")
    rows = working_intervals(cal, datetime(2025, 10, 26), datetime(2025, 10, 26, 12))
    # 02:30-03:00 CEST = 00:30-01:00 UTC; 02:30-05:00 CET = 01:30-04:00 UTC
    assert rows == [
        (datetime(2025, 10, 26, 0, 30), datetime(2025, 10, 26, 1)),
        (datetime(2025, 10, 26, 1, 30), datetime(2025, 10, 26, 4)),
    ]


def test_holidays_are_closed_and_split_ranges_give_one_row_each() -> None:
    cal = make(
        "UTC", WEEKDAYS, "08:00-12:00", "13:00-17:00", holidays=(date(2025, 5, 1),)
    )  # Thursday
    rows = working_intervals(cal, datetime(2025, 4, 30), datetime(2025, 5, 3))
    assert rows == [
        (datetime(2025, 4, 30, 8), datetime(2025, 4, 30, 12)),
        (datetime(2025, 4, 30, 13), datetime(2025, 4, 30, 17)),
        (datetime(2025, 5, 2, 8), datetime(2025, 5, 2, 12)),
        (datetime(2025, 5, 2, 13), datetime(2025, 5, 2, 17)),
    ]


def test_intervals_are_clipped_to_the_range() -> None:
    cal = make("UTC", WEEKDAYS, "08:00-18:00")
    rows = working_intervals(cal, datetime(2025, 5, 5, 10), datetime(2025, 5, 6, 9))
    assert rows == [
        (datetime(2025, 5, 5, 10), datetime(2025, 5, 5, 18)),
        (datetime(2025, 5, 6, 8), datetime(2025, 5, 6, 9)),
    ]
    assert working_intervals(cal, datetime(2025, 5, 6), datetime(2025, 5, 6)) == []


def test_default_calendars() -> None:
    week = (datetime(2025, 6, 2), datetime(2025, 6, 9))  # Monday to Monday
    always = working_intervals(DEFAULT_CALENDARS["24x7"], *week)
    assert len(always) == 7
    assert merge_adjacent(always) == [week]
    office = working_intervals(DEFAULT_CALENDARS["business"], *week)
    assert sum((b - a for a, b in office), timedelta()) == timedelta(hours=50)
    assert office[0] == (datetime(2025, 6, 2, 8), datetime(2025, 6, 2, 18))
    assert all(a.weekday() < 5 for a, _ in office)


def test_table_has_naive_utc_start_and_end() -> None:
    cal = make("Europe/Brussels", WEEKDAYS, "09:00-17:00")
    table = intervals_table(cal, datetime(2024, 3, 29), datetime(2024, 4, 2))
    assert table.column_names == ["start", "end"]
    assert str(table.schema.field("start").type) == "timestamp[us]"
    assert table.column("start").to_pylist() == [datetime(2024, 3, 29, 8), datetime(2024, 4, 1, 7)]


def test_offset_pieces_find_the_transition_to_the_second() -> None:
    pieces = offset_pieces(
        ZoneInfo("America/New_York"), datetime(2025, 3, 8), datetime(2025, 3, 11)
    )
    assert pieces == [(datetime(2025, 3, 8), -5 * H), (datetime(2025, 3, 9, 7), -4 * H)]


def test_a_ten_year_table_is_quick_and_has_a_row_per_working_day() -> None:
    cal = make("America/New_York", WEEKDAYS, "09:00-17:00")
    rows = working_intervals(cal, datetime(2015, 1, 1), datetime(2025, 1, 1))
    weekdays = sum(1 for i in range(3653) if (date(2015, 1, 1) + timedelta(days=i)).weekday() < 5)
    assert len(rows) == weekdays
    assert all(b - a == 8 * H for a, b in rows)


# -- properties against the reference --------------------------------------------------------------
CHANGES = {
    "Europe/Brussels": [
        datetime(2024, 3, 31),
        datetime(2024, 10, 27),
        datetime(2025, 3, 30),
        datetime(2025, 10, 26),
    ],
    "America/New_York": [
        datetime(2024, 3, 10),
        datetime(2024, 11, 3),
        datetime(2025, 3, 9),
        datetime(2025, 11, 2),
    ],
    # Lord Howe Island moves its clocks by 30 minutes
    "Australia/Lord_Howe": [datetime(2024, 4, 7), datetime(2024, 10, 6)],
    "Asia/Kolkata": [datetime(2024, 7, 15)],
    "UTC": [datetime(2024, 2, 29)],
}
ZONE_AND_CHANGE = [(zone, day) for zone, days in CHANGES.items() for day in days]


@st.composite
def day_ranges(draw: st.DrawFn) -> list[tuple[int, int]]:
    # quarter-hour points, sorted and distinct, paired into non-overlapping ranges
    if draw(st.integers(0, 2)) == 0:
        return [(0, 1440)]
    points = sorted(draw(st.sets(st.integers(0, 96), max_size=4)))
    if len(points) % 2:
        points = points[:-1]
    return [(a * 15, b * 15) for a, b in zip(points[::2], points[1::2], strict=True)]


@st.composite
def specs(draw: st.DrawFn) -> tuple[Spec, datetime]:
    zone, anchor = draw(st.sampled_from(ZONE_AND_CHANGE))
    hours = {d: draw(day_ranges()) for d in range(7)}
    hours = {d: r for d, r in hours.items() if r}
    holidays = draw(
        st.sets(st.integers(-3, 3).map(lambda k: (anchor + timedelta(days=k)).date()), max_size=2)
    )
    start = anchor + timedelta(minutes=draw(st.integers(-1440, 1440)))
    return (zone, hours, holidays), start


@settings(max_examples=100, deadline=None)
@given(specs(), st.integers(1, 3 * 1440))
def test_intervals_cover_exactly_the_working_minutes(
    case: tuple[Spec, datetime], span: int
) -> None:
    spec, lo = case
    hi = lo + span * MINUTE
    rows = working_intervals(to_calendar(spec), lo, hi)
    assert all(b1 <= a2 for (_, b1), (a2, _) in pairwise(rows)), "sorted and disjoint"
    assert table_minutes(rows) == reference_minutes(spec, lo, hi)
