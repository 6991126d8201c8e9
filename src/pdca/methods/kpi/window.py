"""The log's observation window, and which periods of a KPI it covers completely.

A log is a window on a service desk: its first and last events. A period of a KPI is
*incomplete* when that window hides some of the tickets the period would hold:

- the window cuts the period: the first or last period, covered for less than all but its
  last day (hour, for days); a flow of tickets counted over it would count too few;
- a duration placed at its stop instant (time to resolve or to respond, placed at the
  resolution): in the periods that end less than the *horizon* after the log starts, only the
  tickets opened after the log starts can be there, so the long ones are missing and the value
  is too low; and when the window records the last ticket opening, the periods that end more
  than a day (an hour, for days) after it hold only old tickets (an extract of the tickets
  opened in a range of dates, followed until they close), so the quick ones are missing;
- a count of tickets placed at their opening (volume), when the log is an extract of the tickets
  opened up to a date but followed for longer: the periods that end more than a day (an hour,
  for days) after the last opening count too few;
- a duration placed at its start (time in a state, placed when the state began; a cohort view
  of time to resolve, placed at the opening): in the periods that start less than the horizon
  before the log ends, the long ones have not finished yet, so again the value is too low.

The horizon (:func:`horizon_of`) is, for a median, the 90th percentile of the durations the log
shows for the KPI; for a mean, the duration up to which the tickets fill 90 % of all the hours the
log shows (a mean is moved by its long tickets: their share of the hours is what matters); at most
half the window (half the time from its start to the last ticket opening, when known). The
durations a window shows are themselves cut by it, so the horizon is a cautious (short) estimate:
periods closer to the edges than the longest tickets may still miss some of them. Stocks (the
backlog, counted at period ends) and shares are only subject to the first reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import ibis
import pandas as pd

from pdca.methods.kpi.definition import VALUE, Aggregation, Inputs, Kpi
from pdca.methods.kpi.units import period_end
from pdca.model.schema import Col

HORIZON_QUANTILE = 0.9
"""The share of the log's durations of a KPI that the default horizon covers."""
HORIZON_CAP = 0.5
"""The default horizon is at most this share of the window."""
DURATION_UNITS = frozenset({"hours", "h", "days", "minutes"})
MIN_N_MEASUREMENT = 5
"""Fewest units behind a period's mean or median (or other per-period value) that count."""
MIN_N_PROPORTION = 10
"""Fewest units behind a period's share (in %) that count."""
OPENED_FLOWS = frozenset({"volume"})
"""Counts of tickets placed at their opening: cut after the last opening of an extract."""
STARTS_AT_BEGIN = frozenset({"time_in_state"})
"""Duration KPIs placed at the instant the measured time begins rather than where it stops."""
STOP_WORDS = {
    "mttr": "resolved",
    "mtta": "first responded to",
    "major_incident_duration": "resolved",
    "security_mttr": "resolved",
}
"""How the sentences name the instant a duration KPI is placed at."""


@dataclass(frozen=True)
class Window:
    """The log's observation window: its first and last event instants (naive UTC)."""

    start: datetime
    end: datetime
    opened_end: datetime | None = None
    """The last ticket opening, when asked for (:func:`window_of` with ``openings=True``)."""


def window_of(inputs: Inputs, *, openings: bool = False) -> Window | None:
    """The window of a log's events, or None when it has none; with ``openings`` also the
    instant the last ticket opened (one more query)."""
    span = inputs.span()
    if span is None:
        return None
    if not openings:
        return Window(span[0], span[1])
    t = inputs.tickets
    last = t.aggregate(hi=t[Col.OPENED_AT].max()).execute()["hi"].iloc[0]
    opened = None if pd.isna(last) else pd.Timestamp(last).to_pydatetime()
    return Window(span[0], span[1], opened)


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
    kpi: Kpi,
    units: Any,
    window: Window,
    *,
    quantile: float = HORIZON_QUANTILE,
    statistic: str | None = None,
) -> timedelta | None:
    """The default horizon of a duration KPI, from its unit table (``units``, an Ibis table with
    the ``VALUE`` column in seconds; computed in the engine), at most half the window: for a
    median, the ``quantile`` of the durations; for a mean, the duration that the tickets up to
    it fill ``quantile`` of all the time with (a mean is moved by the long tickets, so what
    matters is their share of the hours). None for KPIs that are not durations, or without any
    duration. ``statistic`` (``mean`` or ``median``) overrides the KPI's own aggregation. The cap
    is half the window, or half the time from its start to the last ticket opening when the
    window knows it."""
    if not is_duration(kpi):
        return None
    values = units.filter(units[VALUE].notnull() & (units[VALUE] >= 0)).select(VALUE)
    median = (statistic or kpi.aggregation.value) == Aggregation.MEDIAN.value
    if median:
        raw = values[VALUE].quantile(quantile).execute()
    else:
        cumulative = values[VALUE].sum().over(ibis.window(order_by=values[VALUE], rows=(None, 0)))
        ranked = values.mutate(_cum=cumulative, _total=values[VALUE].sum().over())
        reached = ranked.filter(ranked["_cum"] >= ranked["_total"] * quantile)
        raw = reached[VALUE].min().execute()
    if raw is None or pd.isna(raw):
        return None
    last = window.end if window.opened_end is None else min(window.end, window.opened_end)
    cap = max(last - window.start, timedelta(0)) * HORIZON_CAP
    return min(timedelta(seconds=max(float(raw), 0.0)), cap)


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
    cut = _cut(begin, end, slack, period, window)
    if cut is None and kpi.id in OPENED_FLOWS:
        cut = _extract(end, slack, period, window)
    if cut is not None or place is None:
        return cut
    verb = STOP_WORDS.get(kpi.id, "measured")
    opened = window.opened_end
    if place == "stop" and opened is not None and end - slack > opened:
        return (
            f"no ticket opened after {_day(opened)} is in the log: the tickets {verb} in this "
            f"{period} are only old ones"
        )
    return _truncated(begin, end, window, horizon=horizon, place=place, verb=verb)


def _cut(
    begin: datetime, end: datetime, slack: timedelta, period: str, window: Window
) -> str | None:
    if begin + slack < window.start:
        return f"partial first {period}: the log starts on {_day(window.start)}"
    if end - slack > window.end:
        return f"partial last {period}: the log ends on {_day(window.end)}"
    return None


def _extract(end: datetime, slack: timedelta, period: str, window: Window) -> str | None:
    """A flow counted at the opening, in a period after the last opening of an extract."""
    opened = window.opened_end
    if opened is None or window.end - opened <= slack or end - slack <= opened:
        return None
    return (
        f"no ticket opened after {_day(opened)} is in the log (an extract of the tickets opened "
        f"until then): the count of this {period} is cut"
    )


def _truncated(
    begin: datetime,
    end: datetime,
    window: Window,
    *,
    horizon: timedelta | None,
    place: str,
    verb: str,
) -> str | None:
    if horizon is None:
        return None
    if place == "stop" and end < window.start + horizon:
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


def period_notes(
    inputs: Inputs,
    kpi: Kpi,
    options: Any,
    *,
    starts: Sequence[Any],
    counts: Sequence[Any],
    period: str,
    min_n: int,
) -> list[str]:
    """Per row of a KPI table: why its period is incomplete (see the module docstring) and
    whether it holds fewer than ``min_n`` units, in plain words ("" when neither)."""
    window = window_of(inputs, openings=is_duration(kpi) or kpi.id in OPENED_FLOWS)
    horizon = None
    if window is not None and placement(kpi, options) is not None:
        statistic = getattr(options, "statistic", None)
        horizon = horizon_of(kpi, kpi.units(inputs, options), window, statistic=statistic)
    distinct = sorted({pd.Timestamp(s) for s in starts})
    reasons = dict(
        zip(
            distinct,
            completeness(kpi, distinct, period, window, horizon=horizon, options=options),
            strict=True,
        )
    )
    out = []
    for start, n in zip(starts, counts, strict=True):
        parts = []
        reason = reasons[pd.Timestamp(start)]
        if reason is not None:
            parts.append(f"incomplete: {reason}")
        few = 0 if n is None or pd.isna(n) else int(n)
        if min_n and few < min_n:
            parts.append(f"few: n = {few} < {min_n}")
        out.append("; ".join(parts))
    return out


def min_n_of(kpi: Kpi) -> int:
    """The fewest units a period of the KPI needs to count: :data:`MIN_N_PROPORTION` for a share
    in %, none for a count, :data:`MIN_N_MEASUREMENT` for everything else (the monitor's
    defaults, docs/monitor.md)."""
    if kpi.aggregation is Aggregation.RATIO and kpi.unit == "%":
        return MIN_N_PROPORTION
    if kpi.aggregation is Aggregation.COUNT and kpi.finish is None:
        return 0
    return MIN_N_MEASUREMENT
