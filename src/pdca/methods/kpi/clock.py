"""SLA clocks per ticket, computed in the engine.

A ticket has two clocks, each with its own target, calendar and verdict. The definitions below are
repeated word for word in ``docs/sla.md`` (a test checks it):

response clock
    Runs from the ticket's opening (opened_at) to its first response (first_response_at). It never
    pauses.
resolution clock
    Runs from the ticket's opening to its final resolution (resolved_at), or, with the option
    resolution = "first", to its first resolution (first_resolved_at). It pauses while the ticket
    is in a pause state. A state holds from its event until the ticket's next event in a known
    state; events in an unknown state are skipped, so the state before them continues.
running clock
    A clock that has not stopped while the ticket is still open. It is measured up to the as-of
    instant (by default the time of the log's last event; a ticket opened after that instant has
    used no time yet). A clock that never stopped on a ticket that is no longer open (for example
    a cancelled ticket) has no measurement.
calendar seconds
    All time from the clock's start to its stop (or to the as-of instant for a running clock).
business seconds
    The part of the calendar seconds that is working time of the clock's calendar.
paused seconds
    The part of the business seconds during which the ticket was in a pause state (resolution
    clock only; always 0 for the response clock).
paused calendar seconds
    The part of the calendar seconds during which the ticket was in a pause state.
elapsed seconds
    Business seconds minus paused seconds: the time that counts against the target.
target
    Taken from the most specific SLA row that sets a target for this clock and matches the
    ticket's service and priority; the row also names the calendar. A ticket that no row matches
    has no target and no business time.
breached
    Whether the elapsed seconds exceed the target; a clock that ends exactly on its target is met.
    Empty when the clock has no target or no measurement. A running clock counts as breached once
    its elapsed seconds exceed the target.
time to breach
    For a running clock with a target: the target minus the elapsed seconds at the as-of instant,
    in business seconds; negative once breached. Empty for clocks that have stopped.

Business time is an interval-overlap join of each clock (and each paused stretch) with the
calendar's working intervals (:mod:`pdca.methods.kpi.calendar`): the sum over working intervals of
max(0, min(end, work end) - max(start, work start)). Only that small interval table is built in
Python; everything per ticket is an Ibis expression.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import ibis
import pyarrow as pa

from pdca.engine import sqlcache
from pdca.methods.kpi.calendar import merge_adjacent, working_intervals
from pdca.methods.kpi.definition import event_span
from pdca.methods.kpi.units import SEGMENT_END, SEGMENT_START, state_segments
from pdca.model.calendars import Calendar
from pdca.model.objectives import WILDCARD, Objectives, SlaTarget
from pdca.model.schema import Col

ClockName = Literal["response", "resolution"]
RESPONSE: ClockName = "response"
RESOLUTION: ClockName = "resolution"
CLOCKS: tuple[ClockName, ...] = (RESPONSE, RESOLUTION)


class ClockCol:
    """Columns of the clock table (one row per ticket and clock)."""

    CLOCK = "clock"
    CALENDAR = "calendar"
    TARGET_S = "target_s"
    STARTED_AT = "started_at"
    STOPPED_AT = "stopped_at"
    RUNNING = "running"
    CALENDAR_S = "calendar_s"
    BUSINESS_S = "business_s"
    PAUSED_CALENDAR_S = "paused_calendar_s"
    PAUSED_S = "paused_s"
    ELAPSED_S = "elapsed_s"
    BREACHED = "breached"
    TIME_TO_BREACH_S = "time_to_breach_s"


_KEY = [Col.LOG, Col.CASE_ID, ClockCol.CLOCK]
_END = "_end"
_S, _E, _KIND = "_s", "_e", "_kind"
_WS, _WE = "_ws", "_we"
_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - instants are naive UTC
_PRIORITY_NUMBER = r"[0-9]+"
_FALSE = ibis.literal(value=False)
_PKEY = "_pkey"


def _epoch(value: datetime) -> float:
    return (value - _EPOCH).total_seconds()


def _priority_key(priority: Any) -> Any:
    """The engine's reading of :func:`pdca.model.objectives.priority_key`."""
    number = priority.re_extract(_PRIORITY_NUMBER, 0).nullif("")
    return number.fill_null(priority.strip().lower())


def _target(tickets: Any, rows: Sequence[SlaTarget], clock: ClockName) -> tuple[Any, Any]:
    """(target seconds, calendar name) expressions: the most specific matching row wins.

    ``tickets`` must carry the priority key in ``_pkey``.
    """
    prio = tickets[_PKEY]
    cases = []
    for row in sorted(rows, key=lambda r: -r.specificity):
        duration: timedelta | None = getattr(row, clock)
        if duration is None:
            continue
        service, priority = row.match_key
        cond = ibis.literal(value=True)
        if service != WILDCARD:
            cond = cond & (tickets[Col.SERVICE] == service).fill_null(_FALSE)
        if priority != WILDCARD:
            cond = cond & (prio == priority).fill_null(_FALSE)
        cases.append((cond, duration.total_seconds(), row.calendar))
    if not cases:
        return ibis.null("float64"), ibis.null("string")
    target = ibis.cases(*((c, ibis.literal(s, "float64")) for c, s, _ in cases), else_=None)
    calendar = ibis.cases(*((c, ibis.literal(n, "string")) for c, _, n in cases), else_=None)
    return target.cast("float64"), calendar.cast("string")


def _clock_rows(
    tickets: Any, objectives: Objectives, clock: ClockName, stop_col: str, as_of: datetime
) -> Any:
    t = tickets.mutate(**{_PKEY: _priority_key(tickets[Col.PRIORITY])})
    target, calendar = _target(t, objectives.sla, clock)
    stop = t[stop_col]
    running = stop.isnull() & t[Col.IS_OPEN].fill_null(_FALSE)
    end = ibis.cases(
        (stop.notnull(), stop),
        (running, ibis.greatest(ibis.literal(as_of, "timestamp"), t[Col.OPENED_AT])),
        else_=None,
    )
    return t.select(
        Col.LOG,
        Col.CASE_ID,
        Col.SERVICE,
        Col.PRIORITY,
        ibis.literal(clock, "string").name(ClockCol.CLOCK),
        calendar.name(ClockCol.CALENDAR),
        target.name(ClockCol.TARGET_S),
        t[Col.OPENED_AT].name(ClockCol.STARTED_AT),
        stop.cast("timestamp").name(ClockCol.STOPPED_AT),
        running.name(ClockCol.RUNNING),
        end.cast("timestamp").name(_END),
    )


def _pause_segments(events: Any, clocks: Any, pause_states: Sequence[str]) -> Any:
    """Stretches of the resolution clock spent in a pause state, clipped to the clock."""
    seg = state_segments(events)
    seg = seg.filter(seg[Col.STATE].isin(list(pause_states)))
    res = clocks.filter((clocks[ClockCol.CLOCK] == RESOLUTION) & clocks[_END].notnull())
    j = seg.join(res, [Col.LOG, Col.CASE_ID])
    lo = ibis.greatest(j[SEGMENT_START], j[ClockCol.STARTED_AT])
    hi = ibis.least(j[SEGMENT_END].fill_null(j[_END]), j[_END])
    j = j.filter(hi > lo)
    return j.select(
        *_KEY,
        ClockCol.CALENDAR,
        ibis.literal("pause", "string").name(_KIND),
        lo.epoch_seconds().cast("float64").name(_S),
        hi.epoch_seconds().cast("float64").name(_E),
    )


def _span_segments(clocks: Any) -> Any:
    c = clocks.filter(clocks[_END].notnull())
    return c.select(
        *_KEY,
        ClockCol.CALENDAR,
        ibis.literal("span", "string").name(_KIND),
        c[ClockCol.STARTED_AT].epoch_seconds().cast("float64").name(_S),
        c[_END].epoch_seconds().cast("float64").name(_E),
    )


def intervals_memtable(calendar: Calendar, start: datetime, end: datetime) -> Any:
    """The calendar's working intervals in [start, end) as an Ibis table of epoch seconds."""
    rows = merge_adjacent(working_intervals(calendar, start, end))
    table = pa.table(
        {
            _WS: pa.array([_epoch(a) for a, _ in rows], type=pa.float64()),
            _WE: pa.array([_epoch(b) for _, b in rows], type=pa.float64()),
        }
    )
    return sqlcache.memtable(table)


def overlap_seconds(segments: Any, intervals: Any) -> Any:
    """Join segments (``_s``, ``_e`` in epoch seconds) with working intervals; add ``_overlap``.

    Segments that touch no working interval drop out; callers aggregate and fill with 0.
    """
    j = segments.join(intervals, [segments[_S] < intervals[_WE], segments[_E] > intervals[_WS]])
    overlap = ibis.least(j[_E], j[_WE]) - ibis.greatest(j[_S], j[_WS])
    return j.mutate(_overlap=overlap)


def sla_clocks(
    events: Any,
    tickets: Any,
    objectives: Objectives | None = None,
    *,
    as_of: datetime | None = None,
    resolution: Literal["final", "first"] | None = None,
) -> Any:
    """One row per ticket and clock (response, resolution) with its target and measurements.

    ``events`` and ``tickets`` are Ibis tables of one log (the ticket facts of
    :mod:`pdca.model.facts`). ``as_of`` (naive UTC) measures running clocks; it defaults to the
    log's last event. It only measures clocks that have not stopped: to see the clocks as they
    stood at an earlier instant, pass the events up to that instant and their ticket facts.
    ``resolution`` overrides the objectives' ``[clock] resolution``.
    Columns: log, case_id, service, priority and the :class:`ClockCol` columns.
    """
    objectives = objectives or Objectives()
    lo, hi = event_span(events) or (_EPOCH, _EPOCH)
    as_of = as_of or hi
    which = resolution or objectives.clock.resolution
    stop_res = Col.RESOLVED_AT if which == "final" else Col.FIRST_RESOLVED_AT
    clocks = _clock_rows(tickets, objectives, RESPONSE, Col.FIRST_RESPONSE_AT, as_of).union(
        _clock_rows(tickets, objectives, RESOLUTION, stop_res, as_of)
    )
    segments = _span_segments(clocks)
    pauses = [s.value for s in objectives.clock.pause_states]
    if pauses:
        segments = segments.union(_pause_segments(events, clocks, pauses))

    window = (min(lo, as_of) - timedelta(days=1), max(hi, as_of) + timedelta(days=1))
    is_pause = segments[_KIND] == "pause"
    paused_cal = segments.group_by(_KEY).aggregate(
        _paused_cal=(segments[_E] - segments[_S]).sum(where=is_pause)
    )
    business = None
    for name in sorted({row.calendar for row in objectives.sla}):
        part = segments.filter(segments[ClockCol.CALENDAR] == name)
        j = overlap_seconds(part, intervals_memtable(objectives.calendars[name], *window))
        agg = j.group_by(_KEY).aggregate(
            _business=j["_overlap"].sum(where=j[_KIND] == "span"),
            _paused=j["_overlap"].sum(where=j[_KIND] == "pause"),
        )
        business = agg if business is None else business.union(agg)
    return _assemble(clocks, paused_cal, business)


def _assemble(clocks: Any, paused_cal: Any, business: Any) -> Any:
    out = clocks.left_join(paused_cal, _KEY).drop(*(f"{k}_right" for k in _KEY))
    if business is not None:
        out = out.left_join(business, _KEY).drop(*(f"{k}_right" for k in _KEY))
    else:
        out = out.mutate(_business=ibis.null("float64"), _paused=ibis.null("float64"))
    measured = out[_END].notnull()
    has_cal = measured & out[ClockCol.CALENDAR].notnull()
    zero = ibis.literal(0.0, "float64")
    calendar_s = ibis.cases(
        (measured, out[_END].epoch_seconds() - out[ClockCol.STARTED_AT].epoch_seconds()),
        else_=None,
    ).cast("float64")
    paused_cal_s = ibis.cases((measured, out["_paused_cal"].fill_null(zero)), else_=None)
    business_s = ibis.cases((has_cal, out["_business"].fill_null(zero)), else_=None)
    paused_s = ibis.cases((has_cal, out["_paused"].fill_null(zero)), else_=None)
    out = out.mutate(
        **{
            ClockCol.CALENDAR_S: calendar_s,
            ClockCol.PAUSED_CALENDAR_S: paused_cal_s.cast("float64"),
            ClockCol.BUSINESS_S: business_s.cast("float64"),
            ClockCol.PAUSED_S: paused_s.cast("float64"),
        }
    )
    elapsed = out[ClockCol.BUSINESS_S] - out[ClockCol.PAUSED_S]
    target = out[ClockCol.TARGET_S]
    judged = target.notnull() & elapsed.notnull()
    out = out.mutate(
        **{
            ClockCol.ELAPSED_S: elapsed,
            ClockCol.BREACHED: ibis.cases((judged, elapsed > target), else_=None).cast("boolean"),
            ClockCol.TIME_TO_BREACH_S: ibis.cases(
                (judged & out[ClockCol.RUNNING], target - elapsed), else_=None
            ).cast("float64"),
        }
    )
    return out.select(
        Col.LOG,
        Col.CASE_ID,
        Col.SERVICE,
        Col.PRIORITY,
        ClockCol.CLOCK,
        ClockCol.CALENDAR,
        ClockCol.TARGET_S,
        ClockCol.STARTED_AT,
        ClockCol.STOPPED_AT,
        ClockCol.RUNNING,
        ClockCol.CALENDAR_S,
        ClockCol.BUSINESS_S,
        ClockCol.PAUSED_CALENDAR_S,
        ClockCol.PAUSED_S,
        ClockCol.ELAPSED_S,
        ClockCol.BREACHED,
        ClockCol.TIME_TO_BREACH_S,
    )


def elapsed_seconds(
    spans: Any, calendar: Calendar, *, start: str, end: str, window: tuple[datetime, datetime]
) -> Any:
    """Add ``calendar_s`` and ``business_s`` to a table of spans (``start`` → ``end`` columns).

    ``window`` (naive UTC) must contain every span; rows with an empty end get empty results.
    """
    rid = "_rid"
    t = spans.mutate(**{rid: ibis.row_number()})
    seg = t.filter(t[end].notnull()).select(
        rid,
        t[start].epoch_seconds().cast("float64").name(_S),
        t[end].epoch_seconds().cast("float64").name(_E),
    )
    j = overlap_seconds(seg, intervals_memtable(calendar, *window))
    agg = j.group_by(rid).aggregate(_business=j["_overlap"].sum())
    out = t.left_join(agg, rid).drop(f"{rid}_right")
    measured = out[end].notnull()
    return out.mutate(
        **{
            ClockCol.CALENDAR_S: ibis.cases(
                (measured, out[end].epoch_seconds() - out[start].epoch_seconds()), else_=None
            ).cast("float64"),
            ClockCol.BUSINESS_S: ibis.cases(
                (measured, out["_business"].fill_null(0.0)), else_=None
            ).cast("float64"),
        }
    ).drop(rid, "_business")


__all__ = [
    "CLOCKS",
    "RESOLUTION",
    "RESPONSE",
    "ClockCol",
    "ClockName",
    "elapsed_seconds",
    "intervals_memtable",
    "overlap_seconds",
    "sla_clocks",
]
