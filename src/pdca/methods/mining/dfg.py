"""The process map (directly-follows graph) and the handover of work between teams.

An *edge* A → B counts every time step B comes directly after step A in the same ticket. For
each edge the map reports:

frequency
    How many times B directly follows A, over all tickets.
cases
    How many tickets contain A → B at least once.
waiting time (mean, median, min, max, p90, stdev, total)
    Seconds from the A event to the B event, in calendar time — or, when a business calendar is
    given (``BusinessTime``), only the seconds of that calendar's working hours between the
    two events (the same working hours as the SLA clocks of docs/sla.md). The median of an even
    number of waits is the mean of the two middle ones; p90 interpolates linearly between
    neighbours; stdev is the sample standard deviation (empty for an edge seen once).

A step directly followed by the same step (A → A, for example two updates in a row that leave
the state unchanged) is an edge like any other. There are no artificial start or end nodes;
instead, :func:`start_activities` and :func:`end_activities` count the tickets that begin and end
with each step.

*Handover of work* uses who holds the ticket — the assignment group, the resource or the support
level — as the step: an edge X → Y with X ≠ Y is a handover from X to Y. Events that name no
holder are skipped, so a handover is counted between the last event naming X and the next event
naming Y — for assignment groups the same rule as the ticket fact ``reassignment_count``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pdca.errors import ConfigError
from pdca.methods.kpi.clock import ClockCol, elapsed_seconds
from pdca.methods.kpi.definition import event_span
from pdca.methods.mining.activity import ActivityKey
from pdca.methods.mining.traces import CODE, NEXT_CODE, NEXT_TIMESTAMP, Traces, seconds
from pdca.methods.mining.variants import STRIDE, VARIANT, summary
from pdca.model.calendars import Calendar
from pdca.model.schema import Col

SOURCE = "source"
TARGET = "target"
FREQUENCY = "frequency"
CASES = "cases"
ACTIVITY = "activity"
WAIT_STATS = ("mean", "median", "min", "max", "p90", "stdev", "total")
"""Waiting-time columns of a performance map, in seconds."""
KEPT_EDGES, KEPT_START, KEPT_END = "edges", "start", "end"
"""Names of the results an import keeps in :attr:`Traces.kept`."""
HANDOVER_KEYS = (Col.ASSIGNMENT_GROUP, Col.RESOURCE, Col.SUPPORT_LEVEL)
"""Columns that name who holds a ticket, for :func:`handover_key`."""


@dataclass(frozen=True)
class BusinessTime:
    """Waiting times counted in a calendar's working hours; ``window`` (naive UTC) must contain
    every event of the traces (e.g. the log's first and last event)."""

    calendar: Calendar
    window: tuple[datetime, datetime]


def business_time(events: Any, calendar: Calendar) -> BusinessTime:
    """Waiting times in ``calendar``'s working hours for these events (one query for their
    first and last instants)."""
    day = timedelta(days=1)
    span = event_span(events)
    if span is None:
        epoch = datetime(1970, 1, 1)  # noqa: DTZ001 - no events: any (naive UTC) window will do
        return BusinessTime(calendar, (epoch, epoch + day))
    return BusinessTime(calendar, (span[0] - day, span[1] + day))


def _variant_pairs(traces: Traces) -> Any:
    """Each edge of each variant, with the number of tickets that follow the variant."""
    v = summary(traces)
    steps = v[VARIANT]
    pairs = v.select(VARIANT, CASES, _PAIR=steps[:-1].zip(steps[1:])).unnest("_PAIR")
    return pairs.select(
        VARIANT,
        CASES,
        **{SOURCE: pairs["_PAIR"]["f1"] % STRIDE, TARGET: pairs["_PAIR"]["f2"] % STRIDE},
    )


def coded_counts(traces: Traces) -> Any:
    """``source``, ``target`` (step codes), ``frequency`` and ``cases`` of every edge.

    Read from the variant summary: an edge occurring n times in a variant followed by k tickets
    occurs n·k times, in k tickets.
    """
    pairs = _variant_pairs(traces)
    per_variant = pairs.group_by([VARIANT, SOURCE, TARGET]).aggregate(
        _n=pairs.count(), _k=pairs[CASES].max()
    )
    return per_variant.group_by([SOURCE, TARGET]).aggregate(
        **{
            FREQUENCY: (per_variant["_n"] * per_variant["_k"]).sum(),
            CASES: per_variant["_k"].sum(),
        }
    )


def coded_waits(traces: Traces, business: BusinessTime | None = None) -> Any:
    """``source``, ``target`` (step codes) and the waiting-time statistics of every edge."""
    s = traces.steps
    pairs = s.filter(s[NEXT_CODE].notnull())
    if business is None:
        wait = seconds(pairs[Col.TIMESTAMP], pairs[NEXT_TIMESTAMP])
    else:
        pairs = elapsed_seconds(
            pairs.select(CODE, NEXT_CODE, Col.TIMESTAMP, NEXT_TIMESTAMP),
            business.calendar,
            start=Col.TIMESTAMP,
            end=NEXT_TIMESTAMP,
            window=business.window,
        )
        wait = pairs[ClockCol.BUSINESS_S]
    out = pairs.group_by(**{SOURCE: pairs[CODE], TARGET: pairs[NEXT_CODE]}).aggregate(
        mean=wait.mean(),
        _q=wait.quantile([0.5, 0.9]),  # one sort per edge for both
        min=wait.min(),
        max=wait.max(),
        stdev=wait.std(how="sample"),
        total=wait.sum(),
    )
    return out.select(
        SOURCE,
        TARGET,
        "mean",
        median=out["_q"][0],
        min="min",
        max="max",
        p90=out["_q"][1],
        stdev="stdev",
        total="total",
    )


def coded_edges(
    traces: Traces, *, performance: bool = True, business: BusinessTime | None = None
) -> Any:
    """:func:`edges` with step codes in ``source`` and ``target`` instead of labels."""
    counts = coded_counts(traces)
    if not performance:
        return counts
    waits = coded_waits(traces, business)
    joined = counts.join(waits, [SOURCE, TARGET])
    return joined.select(SOURCE, TARGET, FREQUENCY, CASES, *WAIT_STATS)


def edges(traces: Traces, *, performance: bool = True, business: BusinessTime | None = None) -> Any:
    """One row per edge: ``source``, ``target``, ``frequency``, ``cases`` and waiting times
    (in calendar time, or in the working hours of ``business``)."""
    if traces.kept is not None and (business is None or not performance):
        kept = traces.kept[KEPT_EDGES]
        # counts are kept as DuckDB's HUGEINT (the type of a sum): give them as computed, int64
        return kept.select(
            SOURCE,
            TARGET,
            kept[FREQUENCY].cast("int64").name(FREQUENCY),
            kept[CASES].cast("int64").name(CASES),
            *(WAIT_STATS if performance else ()),
        )
    coded = coded_edges(traces, performance=performance, business=business)
    named = traces.decode(traces.decode(coded, SOURCE, SOURCE), TARGET, TARGET)
    return named.select(SOURCE, TARGET, *(c for c in coded.columns if c not in (SOURCE, TARGET)))


def coded_ends(traces: Traces, index: int) -> Any:
    """``activity`` (a step code) and ``cases``: the steps tickets begin (0) or end (-1) with."""
    v = summary(traces)
    steps = v[VARIANT]
    # a negative index counted from the length: Spark has no element -1 (Ibis compiles -1 to 0)
    at = steps[index] if index >= 0 else steps[steps.length() + index]
    ends = v.select(CASES, **{ACTIVITY: at % STRIDE})
    return ends.group_by(ACTIVITY).aggregate(**{CASES: ends[CASES].sum()})


def _ends(traces: Traces, index: int) -> Any:
    if traces.kept is not None:
        kept = traces.kept[KEPT_START if index == 0 else KEPT_END]
        return kept.select(ACTIVITY, kept[CASES].cast("int64").name(CASES))  # HUGEINT, see edges
    counted = coded_ends(traces, index)
    return traces.decode(counted, ACTIVITY, ACTIVITY).select(ACTIVITY, CASES)


def start_activities(traces: Traces) -> Any:
    """One row per step that begins a ticket: ``activity`` and the number of ``cases``."""
    return _ends(traces, 0)


def end_activities(traces: Traces) -> Any:
    """One row per step that ends a ticket: ``activity`` and the number of ``cases``."""
    return _ends(traces, -1)


def handover_key(by: str = Col.ASSIGNMENT_GROUP) -> ActivityKey:
    """The activity key for a handover view: who holds the ticket."""
    if by not in HANDOVER_KEYS:
        raise ConfigError(
            f"cannot show handovers by {by!r}", f"use one of: {', '.join(HANDOVER_KEYS)}"
        )
    return ActivityKey((by,))


def handovers(traces: Traces, *, performance: bool = True) -> Any:
    """Edges between different holders only (X → Y with X ≠ Y): the handover-of-work matrix."""
    e = edges(traces, performance=performance)
    return e.filter(e[SOURCE] != e[TARGET])
