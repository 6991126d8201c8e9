"""One row per ticket with the attributes a driver analysis can use and the outcomes it explains.

Everything per ticket is an Ibis expression over the store's events and ticket facts
(:mod:`pdca.model.facts`), so the same code runs on DuckDB and Spark; only the finished table
(one row per ticket) comes to pandas. The columns:

``service``, ``category``, ``subcategory``, ``priority``, ``channel``, ``location``, ``impact``,
``urgency``
    The ticket's descriptive attributes (the last value its events name).
``assignment_group``
    The group that resolved the ticket (the group named at its final resolution, rule
    "final resolution" of :mod:`pdca.methods.kpi.attribution`).
``first_group``
    The first group named on any of its events (rule "opening").
``opened_hour``, ``opened_weekday``
    The opening time in UTC: a four-hour band (``00-03`` … ``20-23``) and the weekday (``Mon``).
``hops``
    The number of reassignments as a band: ``0``, ``1``, ``2``, ``3+``.
``wait:STATE``
    Hours the ticket spent in canonical state STATE before its resolution, as a band
    (``none``, ``<1h``, ``1-8h``, ``8-24h``, ``1-3d``, ``>3d``).
``hours``
    Calendar hours from opening to the resolution (final, or first with ``resolution="first"``);
    empty for a ticket not resolved (still open, or cancelled).
``breached``
    Whether the resolution clock of the SLA (the objectives' targets and calendars,
    :mod:`pdca.methods.kpi.clock`) exceeded its target; empty when the ticket has no target or its
    clock has not stopped.
``reopened``, ``reassigned``, ``escalated``
    Reopened at least once; reassigned at least once; reached a support level other than L1
    (empty when the log records no support level).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import ibis
import pandas as pd

from pdca.methods.kpi.attribution import Anchor, attribution
from pdca.methods.kpi.clock import RESOLUTION, ClockCol, sla_clocks
from pdca.methods.kpi.units import SEGMENT_END, SEGMENT_START, state_segments
from pdca.model.objectives import Objectives
from pdca.model.schema import Col

FIRST_GROUP = "first_group"
OPENED_HOUR = "opened_hour"
OPENED_WEEKDAY = "opened_weekday"
HOPS = "hops"
WAIT_PREFIX = "wait:"
HOURS = "hours"
BREACHED = "breached"
REOPENED = "reopened"
REASSIGNED = "reassigned"
ESCALATED = "escalated"
RESOLVED = "resolved"
"""Whether the ticket has the resolution its hours are measured to (else it is censored)."""

PLAIN_ATTRIBUTES: tuple[str, ...] = (
    Col.PRIORITY,
    Col.CATEGORY,
    Col.SERVICE,
    Col.SUBCATEGORY,
    Col.CHANNEL,
    Col.LOCATION,
    Col.IMPACT,
    Col.URGENCY,
    Col.ASSIGNMENT_GROUP,
    FIRST_GROUP,
)
DERIVED_ATTRIBUTES: tuple[str, ...] = (OPENED_HOUR, OPENED_WEEKDAY, HOPS)
ATTRIBUTES: tuple[str, ...] = (*PLAIN_ATTRIBUTES, *DERIVED_ATTRIBUTES)
"""Every attribute a driver analysis can use, besides ``wait:STATE``."""
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WAIT_BANDS: tuple[tuple[float, str], ...] = (
    (1.0, "<1h"),
    (8.0, "1-8h"),
    (24.0, "8-24h"),
    (72.0, "1-3d"),
    (float("inf"), ">3d"),
)
_KEY = [Col.LOG, Col.CASE_ID]


def _groups(events: Any) -> Any:
    first = attribution(events, Anchor.OPENING, (Col.ASSIGNMENT_GROUP,)).rename(
        **{FIRST_GROUP: Col.ASSIGNMENT_GROUP}
    )
    last = attribution(events, Anchor.FINAL_RESOLUTION, (Col.ASSIGNMENT_GROUP,))
    return first.left_join(last, _KEY).drop(*(f"{k}_right" for k in _KEY))


def _breaches(
    events: Any, tickets: Any, objectives: Objectives, which: Literal["final", "first"]
) -> Any:
    clocks = sla_clocks(events, tickets, objectives, resolution=which)
    running = clocks[ClockCol.RUNNING].fill_null(ibis.literal(value=False))
    res = clocks.filter((clocks[ClockCol.CLOCK] == RESOLUTION) & ~running)
    return res.select(*_KEY, res[ClockCol.BREACHED].name(BREACHED))


def _waits(events: Any, tickets: Any, states: tuple[str, ...], stop: str) -> Any:
    seg = state_segments(events)
    seg = seg.filter(seg[Col.STATE].isin(list(states)))
    t = tickets.select(*_KEY, tickets[stop].name("_stop"))
    j = seg.join(t, _KEY)
    end = ibis.least(j[SEGMENT_END].fill_null(j["_stop"]), j["_stop"])
    secs = (end.epoch_seconds() - j[SEGMENT_START].epoch_seconds()).cast("float64")
    j = j.mutate(_secs=ibis.greatest(secs, ibis.literal(0.0)))
    return j.group_by(_KEY).aggregate(
        **{f"{WAIT_PREFIX}{s}": j["_secs"].sum(where=j[Col.STATE] == s) / 3600.0 for s in states}
    )


def ticket_table(
    events: Any,
    tickets: Any,
    objectives: Objectives,
    *,
    resolution: Literal["final", "first"] = "final",
    waits: tuple[str, ...] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    """The per-ticket table described in the module docstring, for tickets opened in
    ``[since, until)`` (naive UTC; either may be None)."""
    if since is not None:
        tickets = tickets.filter(tickets[Col.OPENED_AT] >= since)
    if until is not None:
        tickets = tickets.filter(tickets[Col.OPENED_AT] < until)
    stop = Col.RESOLVED_AT if resolution == "final" else Col.FIRST_RESOLVED_AT
    t = tickets.mutate(
        **{
            HOURS: (
                (tickets[stop].epoch_seconds() - tickets[Col.OPENED_AT].epoch_seconds()).cast(
                    "float64"
                )
                / 3600.0
            ),
            "_opened": tickets[Col.OPENED_AT],
        }
    )
    t = t.left_join(_groups(events), _KEY).drop(*(f"{k}_right" for k in _KEY))
    t = t.left_join(_breaches(events, tickets, objectives, resolution), _KEY).drop(
        *(f"{k}_right" for k in _KEY)
    )
    if waits:
        t = t.left_join(_waits(events, tickets, waits, stop), _KEY).drop(
            *(f"{k}_right" for k in _KEY)
        )
    cols = [
        *_KEY,
        *(c for c in PLAIN_ATTRIBUTES),
        "_opened",
        HOURS,
        BREACHED,
        Col.REOPEN_COUNT,
        Col.REASSIGNMENT_COUNT,
        Col.SUPPORT_LEVEL_REACHED,
        *(f"{WAIT_PREFIX}{s}" for s in waits),
    ]
    frame: pd.DataFrame = t.select(*cols).order_by(_KEY).to_pandas()
    return _derive(frame.reset_index(drop=True), waits)


def _band_hops(count: pd.Series) -> pd.Series:
    values = count.fillna(0).astype(int).clip(upper=3).astype(str)
    return values.replace({"3": "3+"})


def wait_band(hours: pd.Series) -> pd.Series:
    """The band of hours waited (see the module docstring): ``none`` for no wait at all."""
    h = hours.fillna(0.0).astype(float)
    edges = [0.0, *(upper for upper, _ in WAIT_BANDS)]
    bands = pd.cut(h, edges, labels=[label for _, label in WAIT_BANDS], right=True)
    return bands.astype(object).where(h > 0, "none")


def _derive(frame: pd.DataFrame, waits: tuple[str, ...]) -> pd.DataFrame:
    opened = pd.to_datetime(frame.pop("_opened"))
    start = (opened.dt.hour // 4) * 4
    frame[OPENED_HOUR] = start.map(lambda h: f"{int(h):02d}-{int(h) + 3:02d}")
    frame[OPENED_WEEKDAY] = opened.dt.day_of_week.map(lambda d: WEEKDAYS[int(d)])
    frame["opened_at"] = opened
    frame[HOPS] = _band_hops(frame[Col.REASSIGNMENT_COUNT])
    frame[RESOLVED] = frame[HOURS].notna()
    frame[REOPENED] = frame[Col.REOPEN_COUNT].fillna(0) > 0
    frame[REASSIGNED] = frame[Col.REASSIGNMENT_COUNT].fillna(0) > 0
    level = frame[Col.SUPPORT_LEVEL_REACHED]
    frame[ESCALATED] = (level != "L1").where(level.notna())
    for state in waits:
        name = f"{WAIT_PREFIX}{state}"
        frame[f"{name}_hours"] = frame[name].fillna(0.0).astype(float)
        frame[name] = wait_band(frame[name])
    return frame


__all__ = [
    "ATTRIBUTES",
    "BREACHED",
    "ESCALATED",
    "FIRST_GROUP",
    "HOPS",
    "HOURS",
    "OPENED_HOUR",
    "OPENED_WEEKDAY",
    "REASSIGNED",
    "REOPENED",
    "RESOLVED",
    "WAIT_PREFIX",
    "ticket_table",
    "wait_band",
]
