"""The log's observation window, and which periods of a KPI it covers completely.

A log is a window on a service desk: its first and last events. A period of a KPI is
*incomplete* when that window hides some of the tickets the period would hold:

- the window cuts the period: the first or last period, covered for less than all but its
  last day (hour, for days); a flow of tickets counted over it would count too few;
- a duration placed at its stop instant (time to resolve or to respond, placed at the
  resolution): in the periods that end less than the *horizon* after the log starts, only the
  tickets opened after the log starts can be there, so the long ones are missing and the value
  is too low;
- a duration placed at its start (time in a state, placed when the state began; a cohort view
  of time to resolve, placed at the opening): in the periods that start less than the horizon
  before the log ends, the long ones have not finished yet, so again the value is too low.

The horizon is the 90th percentile of the durations the log shows for the KPI (:func:`horizon_of`),
at most half the window. The durations a window shows are themselves cut by it, so the horizon is
a cautious (short) estimate: periods closer to the edges than the longest tickets may still miss
some of them. Stocks (the backlog, counted at period ends) and shares are only subject to the
first reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from pdca.methods.kpi.definition import VALUE, Aggregation, Inputs, Kpi
from pdca.methods.kpi.units import period_end

HORIZON_QUANTILE = 0.9
"""The share of the log's durations of a KPI that the default horizon covers."""
HORIZON_CAP = 0.5
"""The default horizon is at most this share of the window."""
DURATION_UNITS = frozenset({"hours", "h", "days", "minutes"})
STARTS_AT_BEGIN = frozenset({"time_in_state"})
"""Duration KPIs placed at the instant the measured time begins rather than where it stops."""
STOP_WORDS = {"mttr": "resolved", "mtta": "first responded to"}
"""How the sentences name the instant a duration KPI is placed at."""


@dataclass(frozen=True)
class Window:
    """The log's observation window: its first and last event instants (naive UTC)."""

    start: datetime
    end: datetime


def window_of(inputs: Inputs) -> Window | None:
    """The window of a log's events, or None when it has none."""
    span = inputs.span()
    return None if span is None else Window(span[0], span[1])


def is_duration(kpi: Kpi) -> bool:
    """Whether the KPI is a mean or median of durations (time to resolve, respond, in a state)."""
    return (
        kpi.aggregation in (Aggregation.MEAN, Aggregation.MEDIAN)
        and kpi.unit in DURATION_UNITS
        and not kpi.snapshot
    )


def placement(kpi: Kpi, options: Any = None) -> str | None:
    """Where a duration KPI places a ticket: ``"stop"`` (its resolution, first response),
    ``"start"`` (the instant the measured time begins: a cohort view, time in state), or None
    (not a duration: the window only cuts its first and last periods)."""
    if not is_duration(kpi):
        return None
    if getattr(options, "view", None) == "cohort" or kpi.id in STARTS_AT_BEGIN:
        return "start"
    return "stop"


def horizon_of(
    kpi: Kpi, units: Any, window: Window, *, quantile: float = HORIZON_QUANTILE
) -> timedelta | None:
    """The default horizon of a duration KPI: the ``quantile`` of the durations in its unit table
    (``units``, an Ibis table with the ``VALUE`` column in seconds, computed in the engine), at
    most half the window. None for KPIs that are not durations, or without any duration."""
    if not is_duration(kpi):
        return None
    raw = units[VALUE].quantile(quantile).execute()
    if raw is None or pd.isna(raw):
        return None
    seconds = max(float(raw), 0.0)
    cap = (window.end - window.start) * HORIZON_CAP
    return min(timedelta(seconds=seconds), cap)


def completeness(
    kpi: Kpi,
    starts: Sequence[Any],
    period: str,
    window: Window | None,
    *,
    horizon: timedelta | None,
    options: Any = None,
) -> list[str | None]:
    """Per period start: None when the window covers the period completely for the KPI, else the
    reason in plain words (see the module docstring). ``horizon`` None skips the duration
    reasons; ``options`` are the KPI's parsed options (a cohort view places durations at their
    start)."""
    out: list[str | None] = []
    place = placement(kpi, options)
    for start in starts:
        begin = pd.Timestamp(start).to_pydatetime()
        out.append(_reason(kpi, begin, period, window, horizon=horizon, place=place))
    return out


def _day(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d")


def _reason(
    kpi: Kpi,
    begin: datetime,
    period: str,
    window: Window | None,
    *,
    horizon: timedelta | None = None,
    place: str | None = None,
) -> str | None:
    if kpi.snapshot:
        return None
    if window is None:
        return "the log has no events"
    end = period_end(begin, period)
    slack = timedelta(hours=1) if period == "day" else timedelta(days=1)
    if begin + slack < window.start:
        return f"partial first {period}: the log starts on {_day(window.start)}"
    if end - slack > window.end:
        return f"partial last {period}: the log ends on {_day(window.end)}"
    if horizon is None or place is None:
        return None
    return _truncated(kpi, begin, end, window, horizon=horizon, place=place)


def _truncated(
    kpi: Kpi, begin: datetime, end: datetime, window: Window, *, horizon: timedelta, place: str
) -> str | None:
    if place == "stop" and end < window.start + horizon:
        verb = STOP_WORDS.get(kpi.id, "measured")
        return (
            f"tickets {verb} before {_day(window.start + horizon)} can only be those opened "
            f"after the log starts ({_day(window.start)}): long ones are missing"
        )
    if place == "start" and begin > window.end - horizon:
        return (
            f"what starts after {_day(window.end - horizon)} may not have finished when the log "
            f"ends ({_day(window.end)}): long ones are missing"
        )
    return None


def complete_or_stock(kpi: Kpi, start: Any, period: str, window: Window | None) -> bool:
    """Whether a count can use the period: a stock always; a flow when the log covers the period
    but for (at most) its last day, or hour for days."""
    return _reason(kpi, pd.Timestamp(start).to_pydatetime(), period, window) is None
