"""A slow, plain reading of docs/sla.md for the clock tests; shares no code with pdca's clocks.

Time is a grid of 5-minute instants. Every ticket time, calendar boundary and time-zone change in
these tests lies on that grid, so "is this 5-minute step working time?" asked of the step's first
instant is exact. The local clock is read with pandas + zoneinfo, one instant at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa

from pdca.model.schema import EVENT_COLUMNS, Col

STEP = 300  # seconds
GRID_LO = datetime(2022, 12, 1)
GRID_HI = datetime(2027, 2, 1)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

OPEN = {"new", "in_progress", "waiting_customer", "waiting_vendor", "waiting_other"}
RES = {"resolved", "closed"}
WORKED = {"in_progress", "waiting_customer", "waiting_vendor", "waiting_other"} | RES
PAUSE = {"waiting_customer", "waiting_vendor", "waiting_other"}


@dataclass(frozen=True)
class CalSpec:
    """A calendar in plain data: zone, weekday -> [(start minute, end minute)], holidays."""

    zone: str
    hours: dict[int, list[tuple[int, int]]]
    holidays: frozenset[date] = frozenset()

    def as_objectives(self) -> dict[str, Any]:
        def hhmm(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"

        return {
            "timezone": self.zone,
            "hours": {
                DAYS[d]: [f"{hhmm(a)}-{hhmm(b)}" for a, b in r] for d, r in self.hours.items()
            },
            "holidays": sorted(self.holidays),
        }


def working_mask(spec: CalSpec) -> np.ndarray:
    """For every grid instant: is it working time on the calendar's local clock?"""
    grid = pd.date_range(GRID_LO, GRID_HI, freq=f"{STEP}s", inclusive="left", tz="UTC")
    local = grid.tz_convert(ZoneInfo(spec.zone))
    minute = np.asarray(local.hour * 60 + local.minute)
    weekday = np.asarray(local.day_of_week)
    mask = np.zeros(len(grid), dtype=bool)
    for day, ranges in spec.hours.items():
        for a, b in ranges:
            mask |= (weekday == day) & (minute >= a) & (minute < b)
    local_dates = np.asarray(local.tz_localize(None).normalize().date)
    mask &= ~np.isin(local_dates, list(spec.holidays))
    return mask


def index(t: datetime) -> int:
    seconds = int((t - GRID_LO).total_seconds())
    assert seconds % STEP == 0, f"{t} is not on the test grid"
    assert GRID_LO <= t <= GRID_HI
    return seconds // STEP


def business(mask: np.ndarray, a: datetime, b: datetime) -> float:
    return float(mask[index(a) : index(b)].sum() * STEP)


@dataclass
class Ticket:
    case_id: str
    service: str | None
    priority: str | None
    events: list[tuple[datetime, str]]  # in event order; ties keep this order
    made_sla: str | None = None


def facts(t: Ticket) -> dict[str, Any]:
    """The ticket facts of docs/model.md, with loops."""
    evs = t.events
    known = [(ts, s) for ts, s in evs if s != "unknown"]
    last_open = max((i for i, (_, s) in enumerate(known) if s in OPEN), default=-1)
    return {
        "opened_at": evs[0][0],
        "first_response_at": next((ts for ts, s in evs if s in WORKED), None),
        "first_resolved_at": next((ts for ts, s in evs if s in RES), None),
        "resolved_at": next((ts for ts, s in known[last_open + 1 :] if s in RES), None),
        "is_open": bool(known) and known[-1][1] in OPEN,
    }


def paused(mask: np.ndarray, t: Ticket, a: datetime, b: datetime, pauses: set[str]) -> float:
    """Working seconds in [a, b) during which the ticket's last known state is a pause state."""
    known = [(ts, s) for ts, s in t.events if s != "unknown"]
    if not known:
        return 0.0
    lo = index(a)
    steps = lo + np.flatnonzero(mask[lo : index(b)])  # working steps only
    instants = np.datetime64(GRID_LO, "s") + steps * np.timedelta64(STEP, "s")
    times = np.array([ts for ts, _ in known], dtype="datetime64[s]")
    states = np.array([s for _, s in known])
    last = np.searchsorted(times, instants, side="right") - 1  # last event at or before
    in_pause = (last >= 0) & np.isin(states[np.maximum(last, 0)], sorted(pauses))
    return float(np.count_nonzero(in_pause) * STEP)


def first_number(text: str | None) -> str | None:
    match = re.search(r"[0-9]+", text or "")
    return match.group(0) if match else None


def expected_clocks(
    t: Ticket,
    masks: dict[str, np.ndarray],
    target: Any,
    as_of: datetime,
    *,
    pauses: set[str] = PAUSE,
    resolution: str = "final",
) -> dict[str, dict[str, Any]]:
    """Both clocks of one ticket, as docs/sla.md defines them. ``target(t, clock)``.

    ``masks`` must include an always-open calendar named ``24x7``.
    """
    f = facts(t)
    out = {}
    stops = {
        "response": f["first_response_at"],
        "resolution": f["resolved_at"] if resolution == "final" else f["first_resolved_at"],
    }
    for clock, stop in stops.items():
        start = f["opened_at"]
        running = stop is None and f["is_open"]
        end = stop if stop is not None else (max(as_of, start) if running else None)
        rule = target(t, clock)
        row: dict[str, Any] = {"running": running, "target_s": None, "calendar": None}
        row["paused_calendar_s"] = None
        row.update(calendar_s=None, business_s=None, paused_s=None, elapsed_s=None)
        row.update(breached=None, time_to_breach_s=None)
        if end is not None:
            row["calendar_s"] = (end - start).total_seconds()
            always = masks["24x7"]
            is_res = clock == "resolution"
            row["paused_calendar_s"] = paused(always, t, start, end, pauses) if is_res else 0.0
        if rule is not None:
            seconds, cal = rule
            row["target_s"], row["calendar"] = float(seconds), cal
            if end is not None:
                row["business_s"] = business(masks[cal], start, end)
                row["paused_s"] = (
                    paused(masks[cal], t, start, end, pauses) if clock == "resolution" else 0.0
                )
                row["elapsed_s"] = row["business_s"] - row["paused_s"]
                row["breached"] = row["elapsed_s"] > seconds
                if running:
                    row["time_to_breach_s"] = seconds - row["elapsed_s"]
        out[clock] = row
    return out


_ARROW = {"string": pa.string(), "timestamp": pa.timestamp("us"), "int64": pa.int64()}


def events_table(tickets: list[Ticket], log: str = "log") -> pa.Table:
    """Canonical events of the tickets as an Arrow table."""
    rows: dict[str, list[Any]] = {c: [] for c in EVENT_COLUMNS}
    for t in tickets:
        for i, (ts, state) in enumerate(t.events):
            values = {
                Col.LOG: log,
                Col.CASE_ID: t.case_id,
                Col.TICKET_TYPE: "incident",
                Col.TIMESTAMP: ts,
                Col.SEQ: i,
                Col.ROW: len(rows[Col.LOG]),
                Col.ACTIVITY: state,
                Col.STATE: state,
                Col.PRIORITY: t.priority,
                Col.SERVICE: t.service,
                Col.ATTRIBUTES: "{}" if t.made_sla is None else f'{{"made_sla":"{t.made_sla}"}}',
                Col.IMPORT_ID: 1,
                Col.EVENT_KEY: f"{t.case_id}-{i}",
            }
            for c in EVENT_COLUMNS:
                rows[c].append(values.get(c))
    return pa.table({c: pa.array(v, type=_ARROW[EVENT_COLUMNS[c]]) for c, v in rows.items()})
