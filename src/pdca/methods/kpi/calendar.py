"""Business calendars as tables of working intervals in UTC.

Working time
    An instant counts as working time when, on the calendar's local clock, it falls inside one of
    the opening ranges of that local day's weekday (start included, end excluded), and that local
    date is not a holiday.

Because the rule reads the local clock, daylight-saving changes need no special case: a 09:00-17:00
day lasts 8 hours on both sides of a change and its UTC bounds shift by the hour; a range that
contains the skipped hour of a spring-forward night is one hour shorter, and one that contains the
repeated hour of a fall-back night is one hour longer.

The tables are small (days times ranges) and built in Python with :mod:`zoneinfo`; the
per-ticket work happens in the engine (:mod:`pdca.methods.kpi.clock`).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa

from pdca.model.calendars import Calendar

START = "start"
END = "end"
Interval = tuple[datetime, datetime]
"""A half-open interval [start, end) of naive UTC datetimes."""

_SAMPLE = timedelta(hours=6)
"""Offsets are sampled this often to find time-zone transitions (real ones are weeks apart)."""
_DAY = timedelta(days=1)
_FIXED = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT"})
_FAR = datetime(9999, 12, 31)  # noqa: DTZ001 - naive UTC, like every instant here


def _offset(zone: ZoneInfo, utc: datetime) -> timedelta:
    offset = utc.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return offset if offset is not None else timedelta(0)


def _transition(zone: ZoneInfo, lo: datetime, hi: datetime) -> datetime:
    """The first instant in (lo, hi] whose offset differs from lo's (bisection to the second)."""
    before = _offset(zone, lo)
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid <= lo:
            mid = lo + timedelta(seconds=1)
        if _offset(zone, mid) == before:
            lo = mid
        else:
            hi = mid
    return hi


def offset_pieces(zone: ZoneInfo, lo: datetime, hi: datetime) -> list[tuple[datetime, timedelta]]:
    """Where the UTC offset changes in [lo, hi): (first UTC instant of the piece, its offset)."""
    pieces = [(lo, _offset(zone, lo))]
    if zone.key in _FIXED:
        return pieces
    cur = lo
    while cur < hi:
        nxt = min(cur + _SAMPLE, hi)
        if _offset(zone, nxt) != pieces[-1][1]:
            at = _transition(zone, cur, nxt)
            pieces.append((at, _offset(zone, at)))
        cur = nxt
    return pieces


def _local_dates(lo: date, hi: date) -> list[date]:
    return [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]


def working_intervals(calendar: Calendar, start: datetime, end: datetime) -> list[Interval]:
    """Working intervals of ``calendar`` within [start, end) (naive UTC), in time order.

    One interval per opening range per working day (two when a fall-back night repeats part of a
    range), clipped to [start, end).
    """
    if end <= start:
        return []
    zone = calendar.zone
    pieces = offset_pieces(zone, start - 2 * _DAY, end + 2 * _DAY)
    starts = [p[0] for p in pieces]
    out: list[Interval] = []
    for day in _local_dates((start - _DAY).date(), (end + _DAY).date()):
        if day in calendar.holidays:
            continue
        midnight = datetime.combine(day, datetime.min.time())
        for rng in calendar.hours.on(day.weekday()):
            wall_lo = midnight + timedelta(minutes=rng.start)
            wall_hi = midnight + timedelta(minutes=rng.end)
            out.extend(_range_in_utc(pieces, starts, wall_lo, wall_hi))
    return [(max(a, start), min(b, end)) for a, b in out if a < end and b > start]


def _range_in_utc(
    pieces: list[tuple[datetime, timedelta]],
    starts: list[datetime],
    wall_lo: datetime,
    wall_hi: datetime,
) -> list[Interval]:
    """UTC instants whose local wall time is in [wall_lo, wall_hi), as merged intervals."""
    # candidate pieces: any whose offset could map into the wall range (offsets are within ±1 day)
    first = max(bisect_right(starts, wall_lo - _DAY) - 1, 0)
    last = bisect_right(starts, wall_hi + _DAY)
    found: list[Interval] = []
    for i in range(first, last):
        piece_lo, offset = pieces[i]
        piece_hi = pieces[i + 1][0] if i + 1 < len(pieces) else _FAR
        lo = max(wall_lo - offset, piece_lo)
        hi = min(wall_hi - offset, piece_hi)
        if lo < hi:
            if found and found[-1][1] == lo:
                found[-1] = (found[-1][0], hi)
            else:
                found.append((lo, hi))
    return found


def merge_adjacent(intervals: list[Interval]) -> list[Interval]:
    """Join intervals that touch (a 24x7 calendar becomes one interval). Input in time order."""
    out: list[Interval] = []
    for a, b in intervals:
        if out and out[-1][1] >= a:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def intervals_table(calendar: Calendar, start: datetime, end: datetime) -> pa.Table:
    """:func:`working_intervals` as an Arrow table with ``start`` and ``end`` (naive UTC)."""
    rows = working_intervals(calendar, start, end)
    return pa.table(
        {
            START: pa.array([a for a, _ in rows], type=pa.timestamp("us")),
            END: pa.array([b for _, b in rows], type=pa.timestamp("us")),
        }
    )


__all__ = [
    "END",
    "START",
    "Interval",
    "intervals_table",
    "merge_adjacent",
    "offset_pieces",
    "working_intervals",
]
