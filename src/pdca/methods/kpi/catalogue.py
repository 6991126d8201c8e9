"""The KPI catalogue: every service-desk KPI pdca computes, with its written definition.

The ``definition`` texts are reproduced word for word in ``docs/kpis.md`` (a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

import ibis
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from pdca.errors import ConfigError
from pdca.methods.kpi.attribution import Anchor
from pdca.methods.kpi.clock import RESOLUTION, RESPONSE, ClockCol, elapsed_seconds, sla_clocks
from pdca.methods.kpi.continuity import CONTINUITY_KPIS
from pdca.methods.kpi.definition import (
    AT,
    DEN,
    NUM,
    VALUE,
    Aggregation,
    Direction,
    Inputs,
    Kpi,
)
from pdca.methods.kpi.source_sla import KEPT_VERDICTS, SOURCE_MET, source_verdicts
from pdca.methods.kpi.survival import EVENT
from pdca.methods.kpi.units import (
    SEGMENT_END,
    SEGMENT_START,
    open_at_snapshots,
    seconds_between,
    state_segments,
)
from pdca.methods.kpi.voc import VOC_KPIS
from pdca.methods.kpi.window import window_of
from pdca.methods.kpi.workload import WORKLOAD_KPIS
from pdca.model.objectives import Objectives
from pdca.model.schema import TICKET_DIMENSIONS, Col
from pdca.model.vocab import State

HOURS = 1 / 3600
PERCENT = 100.0
TICKET_KEYS = (Col.LOG, Col.CASE_ID)
TICKET_BREAKDOWNS = (*TICKET_DIMENSIONS, Col.TICKET_TYPE, Col.SUPPORT_LEVEL_REACHED)


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DurationOptions(_Options):
    """Options of the time-to-X KPIs."""

    statistic: Literal["mean", "median"] = "mean"
    time: Literal["calendar", "business"] = "calendar"
    """``calendar``: all elapsed time; ``business``: only the working time of ``calendar``."""
    calendar: str = "business"
    """The calendar of business time: a name from the objectives file, or the built-in
    ``business`` (Monday to Friday 08:00-18:00 UTC) or ``24x7``."""
    view: Literal["resolution", "cohort"] = "resolution"
    """``resolution``: the tickets that reached the stop in the period, placed at it;
    ``cohort``: the tickets opened in the period, placed at their opening, those that had not
    reached the stop by the end of the observation window counted as censored there (median:
    Kaplan-Meier; mean: restricted mean to ``horizon_hours``; :mod:`pdca.methods.kpi.survival`)."""
    horizon_hours: float | None = Field(default=None, gt=0)
    """The horizon of the restricted mean (``view=cohort``, ``statistic=mean``); default: the
    longest time at which every period's (and breakdown's) curve is known."""


class ResolutionOptions(DurationOptions):
    """Options of MTTR."""

    resolution: Literal["final", "first"] = "final"
    """``final``: until the final resolution, so time after a reopen counts (ITIL, ServiceNow);
    ``first``: until the first resolution (Zendesk's "first resolution time")."""


class StateTimeOptions(_Options):
    """Options of time in state."""

    statistic: Literal["mean", "median"] = "median"


class BacklogOptions(_Options):
    """Options of the backlog KPIs."""


class FcrOptions(_Options):
    """Options of first-contact resolution."""

    exclude_categories: tuple[str, ...] = ()
    """Categories that L1 cannot resolve by policy; excluding them gives *net* FCR (MetricNet)."""


def _tickets(inputs: Inputs) -> Any:
    return inputs.tickets


def _volume(inputs: Inputs, _: Any) -> Any:
    t = _tickets(inputs)
    return t.mutate(**{AT: t[Col.OPENED_AT]})


UNTIL = "_until"
"""Cohort view: the instant a ticket's time stops (its stop, or the window's end if censored)."""


def window_end(inputs: Inputs) -> datetime | None:
    """The end of the observation window: ``inputs.as_of``, else the log's last event."""
    if inputs.as_of is not None:
        end: datetime = pd.Timestamp(inputs.as_of).to_pydatetime()
        return end
    window = window_of(inputs)
    return None if window is None else window.end


def _cohort(inputs: Inputs, t: Any, stop: str) -> Any:
    """The tickets opened by the window's end, with :data:`EVENT` 1 for those that reached
    ``stop`` by then and 0 for those still open there (censored: :data:`UNTIL` is the window's
    end); tickets that stopped being open without reaching ``stop`` (cancelled) are left out."""
    end = window_end(inputs)
    if end is None:
        return t.filter(ibis.literal(value=False)).mutate(
            **{EVENT: ibis.literal(0, "int64"), UNTIL: t[stop]}
        )
    until = ibis.literal(end, "timestamp")
    t = t.filter(t[Col.OPENED_AT] <= until)
    reached = (t[stop] <= until).fill_null(ibis.literal(value=False))
    alive = (
        t[stop].notnull()
        | t[Col.IS_OPEN].fill_null(ibis.literal(value=False))
        | (t[Col.LAST_EVENT_AT] > until).fill_null(ibis.literal(value=False))
    )
    t = t.mutate(
        **{
            EVENT: reached.cast("int64"),
            UNTIL: ibis.cases((reached, t[stop]), else_=until).cast("timestamp"),
            "_keep": reached | alive,
        }
    )
    return t.filter(t["_keep"]).drop("_keep")


def _time_to(inputs: Inputs, stop: str, options: Any) -> Any:
    """Tickets valued in seconds from their opening to ``stop``.

    ``view=resolution``: the tickets that reached ``stop``, placed at it. ``view=cohort``: the
    tickets opened by the end of the observation window, placed at their opening, valued up to
    ``stop`` or, censored, up to the window's end (:func:`_cohort`).
    """
    cohort = options.view == "cohort"
    if options.horizon_hours is not None and not (cohort and options.statistic == "mean"):
        raise ConfigError(
            "horizon_hours is the horizon of the restricted mean of an opening cohort",
            "use it with view=cohort and statistic=mean, or leave it out",
        )
    t = _tickets(inputs)
    if cohort:
        t, at, end = _cohort(inputs, t, stop), Col.OPENED_AT, UNTIL
    else:
        t, at, end = t.filter(t[stop].notnull()), stop, stop
    if options.time == "calendar":
        return t.mutate(**{AT: t[at], VALUE: seconds_between(t[Col.OPENED_AT], t[end])})
    objectives = inputs.extra.get("objectives") or Objectives()
    calendar = objectives.calendar(options.calendar)
    span = t.aggregate(lo=t[Col.OPENED_AT].min(), hi=t[end].max()).execute()
    lo, hi = span["lo"].iloc[0], span["hi"].iloc[0]
    if pd.isna(lo):
        return t.mutate(**{AT: t[at], VALUE: ibis.null("float64")})
    window = (
        pd.Timestamp(lo).to_pydatetime() - timedelta(days=1),
        pd.Timestamp(hi).to_pydatetime() + timedelta(days=1),
    )
    timed = elapsed_seconds(t, calendar, start=Col.OPENED_AT, end=end, window=window)
    return timed.mutate(**{AT: timed[at], VALUE: timed[ClockCol.BUSINESS_S]})


def _mttr(inputs: Inputs, options: Any) -> Any:
    stop = Col.RESOLVED_AT if options.resolution == "final" else Col.FIRST_RESOLVED_AT
    return _time_to(inputs, stop, options)


def _mtta(inputs: Inputs, options: Any) -> Any:
    return _time_to(inputs, Col.FIRST_RESPONSE_AT, options)


def _reopen_rate(inputs: Inputs, _: Any) -> Any:
    t = _tickets(inputs)
    t = t.filter(t[Col.FIRST_RESOLVED_AT].notnull())
    return t.mutate(
        **{
            AT: t[Col.FIRST_RESOLVED_AT],
            NUM: (t[Col.REOPEN_COUNT] > 0).cast("int64"),
            DEN: 1,
        }
    )


def _reassignments(inputs: Inputs, _: Any) -> Any:
    t = _tickets(inputs)
    return t.mutate(**{AT: t[Col.OPENED_AT], VALUE: t[Col.REASSIGNMENT_COUNT].cast("float64")})


def _multi_hop(inputs: Inputs, _: Any) -> Any:
    t = _tickets(inputs)
    return t.mutate(
        **{AT: t[Col.OPENED_AT], NUM: (t[Col.REASSIGNMENT_COUNT] >= 2).cast("int64"), DEN: 1}
    )


def _escalation(inputs: Inputs, _: Any) -> Any:
    t = _tickets(inputs)
    t = t.filter(t[Col.SUPPORT_LEVEL_REACHED].notnull())
    return t.mutate(
        **{
            AT: t[Col.OPENED_AT],
            NUM: (t[Col.SUPPORT_LEVEL_REACHED] != "L1").cast("int64"),
            DEN: 1,
        }
    )


def _fcr(inputs: Inputs, options: Any) -> Any:
    t = _tickets(inputs)
    t = t.filter(t[Col.RESOLVED_AT].notnull())
    if options.exclude_categories:
        t = t.filter(~t[Col.CATEGORY].isin(list(options.exclude_categories)))
    level_ok = t[Col.SUPPORT_LEVEL_REACHED].isnull() | (t[Col.SUPPORT_LEVEL_REACHED] == "L1")
    first = (t[Col.REASSIGNMENT_COUNT] == 0) & (t[Col.REOPEN_COUNT] == 0) & level_ok
    return t.mutate(**{AT: t[Col.RESOLVED_AT], NUM: first.cast("int64"), DEN: 1})


def _made_sla(inputs: Inputs, _: Any) -> Any:
    verdicts = inputs.kept_or(KEPT_VERDICTS, lambda: source_verdicts(inputs.events))
    t = _tickets(inputs)
    t = t.filter(t[Col.RESOLVED_AT].notnull())
    j = t.join(verdicts, list(TICKET_KEYS))
    return j.mutate(**{AT: j[Col.RESOLVED_AT], NUM: j[SOURCE_MET].cast("int64"), DEN: 1})


AGE_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("< 7 days", 0, 7),
    ("7-30 days", 7, 30),
    ("30-90 days", 30, 90),
    ("> 90 days", 90, float("inf")),
)
AGE_BUCKET = "age_bucket"


def _backlog(inputs: Inputs, _: Any) -> Any:
    grid = inputs.extra["grid"]
    snap = open_at_snapshots(inputs.events, grid).select(*TICKET_KEYS, AT, "_snapshot")
    dims = inputs.tickets.select(*TICKET_KEYS, *TICKET_DIMENSIONS, Col.TICKET_TYPE, Col.OPENED_AT)
    j = snap.join(dims, list(TICKET_KEYS))
    age_days = seconds_between(j[Col.OPENED_AT], j["_snapshot"]) / 86400
    bucket = ibis.cases(
        *((age_days < hi, label) for label, _lo, hi in AGE_BUCKETS[:-1]),
        else_=AGE_BUCKETS[-1][0],
    )
    return j.mutate(**{VALUE: age_days, AGE_BUCKET: bucket})


def _clocks(inputs: Inputs) -> Any:
    """The SLA clock table of these inputs, computed once and kept in the engine."""
    memo = inputs.extra.setdefault("_memo", {})
    if "clocks" not in memo:
        clocks = sla_clocks(inputs.events, inputs.tickets, inputs.extra.get("objectives"))
        memo["clocks"] = clocks.cache()
    return memo["clocks"]


def _sla_clock(which: str) -> Any:
    def units(inputs: Inputs, _: Any) -> Any:
        clocks = _clocks(inputs)
        c = clocks.filter(
            (clocks[ClockCol.CLOCK] == which)
            & ~clocks[ClockCol.RUNNING]
            & clocks[ClockCol.BREACHED].notnull()
        ).select(*TICKET_KEYS, ClockCol.STOPPED_AT, ClockCol.BREACHED)
        dims = inputs.tickets.select(*TICKET_KEYS, *TICKET_DIMENSIONS, Col.TICKET_TYPE)
        j = c.join(dims, list(TICKET_KEYS))
        return j.mutate(
            **{AT: j[ClockCol.STOPPED_AT], NUM: (~j[ClockCol.BREACHED]).cast("int64"), DEN: 1}
        )

    return units


def _time_in_state(inputs: Inputs, _: Any) -> Any:
    seg = state_segments(inputs.events)
    seg = seg.filter(seg[SEGMENT_END].notnull())
    seg = seg.select(
        Col.LOG,
        Col.CASE_ID,
        Col.STATE,
        Col.ACTIVITY,
        Col.ASSIGNMENT_GROUP,
        Col.SUPPORT_LEVEL,
        SEGMENT_START,
        SEGMENT_END,
    )
    dims = inputs.tickets.select(*TICKET_KEYS, *TICKET_DIMENSIONS, Col.TICKET_TYPE)
    j = seg.join(dims, list(TICKET_KEYS))
    return j.mutate(
        **{AT: j[SEGMENT_START], VALUE: seconds_between(j[SEGMENT_START], j[SEGMENT_END])}
    )


CATALOGUE: dict[str, Kpi] = {
    k.id: k
    for k in [
        Kpi(
            id="volume",
            name="Ticket volume",
            definition=(
                "Number of tickets opened in the period (a ticket opens at its first event)."
            ),
            formula="count(tickets with opened_at in period)",
            unit="tickets",
            direction=Direction.NEUTRAL,
            follows="ITIL / HDI (contact volume)",
            aggregation=Aggregation.COUNT,
            units=_volume,
        ),
        Kpi(
            id="mttr",
            name="Mean time to resolve",
            definition=(
                "Time from a ticket's opening to its resolution, averaged (mean, or median with "
                "statistic=median) over the tickets resolved in the period, in hours: all "
                "elapsed hours by default, or with time=business only the working hours of the "
                "chosen calendar. By default the final resolution counts, so time after a reopen "
                "is included; resolution=first uses the first resolution instead. With "
                "view=cohort it is measured over the tickets opened in the period instead, those "
                "not yet resolved at the end of the observation window counted as censored there: "
                "the Kaplan-Meier median, or with statistic=mean the restricted mean up to "
                "horizon_hours (see Windows and censoring)."
            ),
            formula="Σ(resolved_at - opened_at) ÷ resolved tickets",
            unit="hours",
            direction=Direction.LOWER,
            follows="MetricNet / ITIL (final resolution); Zendesk (first resolution option)",
            aggregation=Aggregation.MEAN,
            units=_mttr,
            options=ResolutionOptions,
            scale=HOURS,
        ),
        Kpi(
            id="mtta",
            name="Mean time to first response",
            definition=(
                "Time from a ticket's opening to its first response (its first event in a worked "
                "state), averaged (mean, or median with statistic=median) over the tickets first "
                "responded to in the period, in hours: all elapsed hours by default, or with "
                "time=business only the working hours of the chosen calendar. With view=cohort it "
                "is measured over the tickets opened in the period instead, those not yet "
                "responded to at the end of the observation window counted as censored there: "
                "the Kaplan-Meier median, or with statistic=mean the restricted mean up to "
                "horizon_hours (see Windows and censoring)."
            ),
            formula="Σ(first_response_at - opened_at) ÷ responded tickets",
            unit="hours",
            direction=Direction.LOWER,
            follows="GLPI (opening to first action); Zendesk first reply time",
            aggregation=Aggregation.MEAN,
            units=_mtta,
            options=DurationOptions,
            scale=HOURS,
        ),
        Kpi(
            id="reopen_rate",
            name="Reopen rate",
            definition=(
                "Share of resolved tickets that were reopened at least once (an open state "
                "directly after a resolution state), by the period of their first resolution."
            ),
            formula="tickets with reopen_count > 0 ÷ tickets with a first resolution",
            unit="%",
            direction=Direction.LOWER,
            follows="ServiceNow (reopened ÷ resolved)",
            aggregation=Aggregation.RATIO,
            units=_reopen_rate,
            scale=PERCENT,
        ),
        Kpi(
            id="reassignments",
            name="Mean reassignments per ticket",
            definition=(
                "Mean number of assignment-group changes per ticket, over the tickets opened in "
                "the period."
            ),
            formula="Σ reassignment_count ÷ tickets",
            unit="hops",
            direction=Direction.LOWER,
            follows="ServiceNow (reassignment count)",
            aggregation=Aggregation.MEAN,
            units=_reassignments,
        ),
        Kpi(
            id="multi_hop_rate",
            name="Tickets with two or more reassignments",
            definition=(
                "Share of the tickets opened in the period whose assignment group changed two or "
                "more times."
            ),
            formula="tickets with reassignment_count ≥ 2 ÷ tickets",
            unit="%",
            direction=Direction.LOWER,
            follows="ServiceNow process mining (flags ≥ 2 reassignments)",
            aggregation=Aggregation.RATIO,
            units=_multi_hop,
            scale=PERCENT,
        ),
        Kpi(
            id="escalation_rate",
            name="Escalation rate",
            definition=(
                "Share of the tickets opened in the period that reached a support level other "
                "than L1 (L2, L3), over those that record a support level."
            ),
            formula="tickets with support_level_reached ≠ L1 ÷ tickets with a support level",
            unit="%",
            direction=Direction.LOWER,
            follows="MetricNet (≈ 1 - L1 resolution rate)",
            aggregation=Aggregation.RATIO,
            units=_escalation,
            scale=PERCENT,
        ),
        Kpi(
            id="fcr",
            name="First-contact resolution (event-log proxy)",
            definition=(
                "Share of the tickets finally resolved in the period that were resolved without "
                "any reassignment, without escalation beyond L1 and without a reopen. With "
                "exclude_categories, tickets of those categories are left out (net FCR)."
            ),
            formula="resolved tickets with 0 reassignments, 0 reopens, level L1 ÷ resolved tickets",
            unit="%",
            direction=Direction.HIGHER,
            follows="ServiceNow proxy (resolved by the first assignment group); HDI/MetricNet "
            "gross and net FCR",
            aggregation=Aggregation.RATIO,
            units=_fcr,
            options=FcrOptions,
            scale=PERCENT,
        ),
        Kpi(
            id="sla_source",
            name="SLA compliance as recorded by the source",
            definition=(
                "Share of the tickets finally resolved in the period whose SLA the source system "
                "recorded as met (ServiceNow made_sla, its value on the ticket's last event that "
                "has one)."
            ),
            formula="resolved tickets with made_sla = true ÷ resolved tickets with made_sla",
            unit="%",
            direction=Direction.HIGHER,
            follows="ServiceNow (made_sla)",
            aggregation=Aggregation.RATIO,
            units=_made_sla,
            scale=PERCENT,
        ),
        Kpi(
            id="sla_response",
            name="Response SLA compliance",
            definition=(
                "Share of the tickets whose response clock stopped in the period (at the first "
                "response) without breaching its target, measured by pdca's SLA clocks on the "
                "target's calendar (docs/sla.md); tickets without a response target are left out."
            ),
            formula="response clocks met ÷ response clocks stopped with a target",
            unit="%",
            direction=Direction.HIGHER,
            follows="ITIL / Jira Service Management (met ÷ measured, per SLA calendar)",
            aggregation=Aggregation.RATIO,
            units=_sla_clock(RESPONSE),
            scale=PERCENT,
        ),
        Kpi(
            id="sla_resolution",
            name="Resolution SLA compliance",
            definition=(
                "Share of the tickets whose resolution clock stopped in the period (at the "
                "resolution) without breaching its target, measured by pdca's SLA clocks on the "
                "target's calendar with pause states excluded (docs/sla.md); tickets without a "
                "resolution target are left out."
            ),
            formula="resolution clocks met ÷ resolution clocks stopped with a target",
            unit="%",
            direction=Direction.HIGHER,
            follows="ITIL / Jira Service Management (met ÷ measured, per SLA calendar; pauses "
            "stop the clock)",
            aggregation=Aggregation.RATIO,
            units=_sla_clock(RESOLUTION),
            scale=PERCENT,
        ),
        Kpi(
            id="time_in_state",
            name="Time in each state",
            definition=(
                "Time from an event to the ticket's next event, attributed to the canonical state "
                "of the first (events in an unknown state are skipped; a ticket's last event has "
                "no duration), summarised per state by the median (or mean with statistic=mean), "
                "in hours, by the period in which the time began."
            ),
            formula="median(next event time - event time) per state",
            unit="hours",
            direction=Direction.LOWER,
            follows="Celonis / ServiceNow Process Mining (throughput time per activity)",
            aggregation=Aggregation.MEDIAN,
            units=_time_in_state,
            options=StateTimeOptions,
            scale=HOURS,
            breakdowns=(Col.STATE,),
        ),
        Kpi(
            id="backlog",
            name="Backlog",
            definition=(
                "Number of tickets open at the end of the period: tickets whose last known state "
                "just before the period ends is an open state (new, in progress or waiting)."
            ),
            formula="count(tickets in an open state at period end)",
            unit="tickets",
            direction=Direction.LOWER,
            follows="ITIL / HDI (open tickets at period end)",
            aggregation=Aggregation.COUNT,
            units=_backlog,
            options=BacklogOptions,
            snapshot=True,
        ),
        Kpi(
            id="backlog_age",
            name="Backlog age",
            definition=(
                "Mean age in days of the tickets open at the end of the period (age = period end "
                "minus the ticket's opening); break it down by age_bucket for the aging buckets "
                "< 7, 7-30, 30-90 and > 90 days."
            ),
            formula="mean(period end - opened_at) over the backlog",
            unit="days",
            direction=Direction.LOWER,
            follows="HDI backlog aging buckets",
            aggregation=Aggregation.MEAN,
            units=_backlog,
            options=BacklogOptions,
            snapshot=True,
            breakdowns=(AGE_BUCKET,),
        ),
    ]
}
CATALOGUE.update({k.id: k for k in VOC_KPIS})  # Voice of the Customer: CSAT, NPS


CATALOGUE.update({k.id: k for k in WORKLOAD_KPIS})
CATALOGUE.update({k.id: k for k in CONTINUITY_KPIS})  # availability, major and security incidents


def _at_resolution(options: Any) -> Anchor:
    if getattr(options, "view", None) == "cohort":
        return Anchor.OPENING
    first = getattr(options, "resolution", "final") == "first"
    return Anchor.FIRST_RESOLUTION if first else Anchor.FINAL_RESOLUTION


def _at_response(options: Any) -> Anchor:
    cohort = getattr(options, "view", None) == "cohort"
    return Anchor.OPENING if cohort else Anchor.FIRST_RESPONSE


def _at_clock_stop(inputs: Inputs) -> Anchor:
    objectives = inputs.extra.get("objectives") or Objectives()
    first = objectives.clock.resolution == "first"
    return Anchor.FIRST_RESOLUTION if first else Anchor.FINAL_RESOLUTION


ATTRIBUTION: dict[str, Callable[[Inputs, Any], Anchor]] = {
    "volume": lambda _i, _o: Anchor.OPENING,
    "mttr": lambda _i, o: _at_resolution(o),
    "mtta": lambda _i, o: _at_response(o),
    "reopen_rate": lambda _i, _o: Anchor.FIRST_RESOLUTION,
    "reassignments": lambda _i, _o: Anchor.OPENING,
    "multi_hop_rate": lambda _i, _o: Anchor.OPENING,
    "escalation_rate": lambda _i, _o: Anchor.OPENING,
    "fcr": lambda _i, _o: Anchor.FINAL_RESOLUTION,
    "sla_source": lambda _i, _o: Anchor.FINAL_RESOLUTION,
    "sla_response": lambda _i, _o: Anchor.FIRST_RESPONSE,
    "sla_resolution": lambda i, _o: _at_clock_stop(i),
}
"""The KPIs that break down by ``assignment_group`` and ``assignee``, and the event whose group
and agent a ticket is attributed to (:mod:`pdca.methods.kpi.attribution`; docs/kpis.md, section
"Breakdowns by team and agent"): the event at the instant that places the ticket in a period."""


ATTRIBUTION_SUMMARY: dict[str, str] = {
    "volume": "opening",
    "reassignments": "opening",
    "multi_hop_rate": "opening",
    "escalation_rate": "opening",
    "mttr": "final resolution; first resolution with resolution=first; opening with view=cohort",
    "mtta": "first response; opening with view=cohort",
    "sla_response": "first response",
    "reopen_rate": "first resolution (the resolution that was, or was not, reopened)",
    "fcr": "final resolution",
    "sla_source": "final resolution",
    "sla_resolution": "the resolution that stops the clock: final resolution, or first "
    'resolution with [clock] resolution = "first" in the objectives',
    "time_in_state": "no attribution: the group of each time segment's event",
}
"""Whose group and agent a ticket's value goes to, per KPI of :data:`ATTRIBUTION` (and
``time_in_state``, which has none), in words (docs/kpis.md's table)."""


def get_kpi(kpi_id: str) -> Kpi:
    """The KPI with this id, or a clear error listing the ids."""
    try:
        return CATALOGUE[kpi_id]
    except KeyError:
        raise ConfigError(
            f"there is no KPI {kpi_id!r}", f"choose from: {', '.join(sorted(CATALOGUE))}"
        ) from None


__all__ = [
    "ATTRIBUTION",
    "ATTRIBUTION_SUMMARY",
    "CATALOGUE",
    "TICKET_BREAKDOWNS",
    "State",
    "get_kpi",
]
