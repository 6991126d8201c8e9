"""Unit tables the KPIs aggregate: tickets, state segments, open-at-period-end snapshots.

Each builder returns an Ibis expression; all work happens inside the engine.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import ibis
import pyarrow as pa

from pdca.engine import sqlcache
from pdca.methods.kpi.definition import AT
from pdca.model.schema import Col
from pdca.model.vocab import OPEN_STATES, State

SEGMENT_START = "segment_start"
SEGMENT_END = "segment_end"
PERIOD_UNITS = {"day": "D", "week": "W", "month": "M"}


def seconds_between(start: Any, end: Any) -> Any:
    """Seconds from ``start`` to ``end`` (Ibis timestamps)."""
    return (end.epoch_seconds() - start.epoch_seconds()).cast("float64")


def state_segments(events: Any) -> Any:
    """One row per event with a known state: that state holds until the ticket's next such event.

    Events with state ``unknown`` are left out, so the previous known state continues through them.
    The last event of a ticket has no end (``segment_end`` is empty).
    """
    known = events.filter(events[Col.STATE] != State.UNKNOWN.value)
    window = ibis.window(
        group_by=[known[Col.LOG], known[Col.CASE_ID]],
        order_by=[known[Col.TIMESTAMP], known[Col.SEQ], known[Col.IMPORT_ID], known[Col.ROW]],
    )
    return known.mutate(
        **{
            SEGMENT_START: known[Col.TIMESTAMP],
            SEGMENT_END: known[Col.TIMESTAMP].lead().over(window),
        }
    )


def _next(start: datetime, period: str) -> datetime:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _floor(instant: datetime, period: str) -> datetime:
    day = instant.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise ValueError(period)


def period_starts(first: datetime, last: datetime, period: str) -> list[datetime]:
    """Start of every period (day, ISO week from Monday, month) from ``first`` to ``last``."""
    cur = _floor(first, period)
    out = []
    while cur <= last:
        out.append(cur)
        cur = _next(cur, period)
    return out


def period_end(start: datetime, period: str) -> datetime:
    """The first instant after the period that begins at ``start``."""
    return _next(start, period)


def snapshot_grid(instants: list[tuple[datetime, datetime]]) -> Any:
    """An Ibis table of (period start, snapshot instant) pairs."""
    starts, ends = zip(*instants, strict=True) if instants else ((), ())
    table = pa.table(
        {
            AT: pa.array(list(starts), type=pa.timestamp("us")),
            "_snapshot": pa.array(list(ends), type=pa.timestamp("us")),
        }
    )
    return sqlcache.memtable(table)


def open_at_snapshots(events: Any, grid: Any) -> Any:
    """Tickets whose last known state at each snapshot instant is an open state.

    A ticket counts at instant T when its state segment that contains T (start ≤ T < end, the
    last segment never ends) is open. Instants are exclusive period ends: "at the end of March"
    means just before 1 April 00:00.
    """
    seg = state_segments(events)
    joined = seg.join(
        grid,
        (seg[SEGMENT_START] < grid["_snapshot"])
        & (seg[SEGMENT_END].isnull() | (seg[SEGMENT_END] >= grid["_snapshot"])),
    )
    return joined.filter(joined[Col.STATE].isin(sorted(OPEN_STATES)))
