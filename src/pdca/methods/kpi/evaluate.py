"""Evaluating KPIs: per period and breakdown, with previous-period comparison.

Aggregation runs in the engine; only the (small) aggregated table comes back to Python, where the
comparison with the previous period is added.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

import pandas as pd

from pdca.errors import ConfigError
from pdca.methods.kpi.attribution import ASSIGNEE, ATTRIBUTION_BREAKDOWNS, attributed
from pdca.methods.kpi.catalogue import ATTRIBUTION, TICKET_BREAKDOWNS, get_kpi
from pdca.methods.kpi.definition import AT, DEN, NUM, VALUE, Aggregation, Inputs, Kpi
from pdca.methods.kpi.survival import CENSORED, EVENT, EVENTS, summarise
from pdca.methods.kpi.units import PERIOD_UNITS, period_end, period_starts, snapshot_grid
from pdca.model.schema import Col

PERIOD = "period"


@dataclass(frozen=True)
class Query:
    """What to compute: which KPI, broken down how, over which time."""

    kpi: str
    options: dict[str, Any] | None = None
    by: tuple[str, ...] = ()
    period: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    refuse_empty_breakdowns: bool = True
    """Refuse a breakdown by a ticket attribute, group or agent that the log never records
    (:func:`_check_recorded`) rather than report one row with an empty label."""


def _allowed(kpi: Kpi) -> set[str]:
    allowed = (set(TICKET_BREAKDOWNS) if kpi.ticket_breakdowns else set()) | set(kpi.breakdowns)
    if kpi.id in ATTRIBUTION:
        allowed |= set(ATTRIBUTION_BREAKDOWNS)
    return allowed


def _check(kpi: Kpi, query: Query) -> None:
    allowed = _allowed(kpi)
    if kpi.id == "time_in_state":
        allowed |= {Col.ACTIVITY, Col.ASSIGNMENT_GROUP, Col.SUPPORT_LEVEL}
    for name in query.by:
        if name not in allowed:
            raise ConfigError(
                f"KPI {kpi.id} cannot be broken down by {name!r}",
                f"use one of: {', '.join(sorted(allowed))}"
                if allowed
                else "it is one figure for the whole service desk; leave out --by",
            )
    if query.period is not None and query.period not in PERIOD_UNITS:
        raise ConfigError(f"unknown period {query.period!r}", "use day, week or month")


def _recorded(inputs: Inputs) -> dict[str, bool]:
    """Whether the log records each ticket attribute, group and agent (asked once per inputs)."""
    memo = inputs.extra.setdefault("_memo", {})
    if "recorded" not in memo:
        t, e = inputs.tickets, inputs.events
        tickets = t.aggregate(**{c: t[c].count() for c in TICKET_BREAKDOWNS}).execute()
        events = e.aggregate(
            **{
                Col.ASSIGNMENT_GROUP: e[Col.ASSIGNMENT_GROUP].count(),
                ASSIGNEE: e[Col.RESOURCE].count(),
            }
        ).execute()
        counts = {**tickets.iloc[0].to_dict(), **events.iloc[0].to_dict()}
        memo["recorded"] = {c: bool(n) for c, n in counts.items()}
    recorded: dict[str, bool] = memo["recorded"]
    return recorded


def _check_recorded(inputs: Inputs, kpi: Kpi, query: Query) -> None:
    """Refuse a breakdown whose every value is missing in the log, naming those it has."""
    checked = [b for b in query.by if b in (*TICKET_BREAKDOWNS, *ATTRIBUTION_BREAKDOWNS)]
    if not checked or not query.refuse_empty_breakdowns:
        return
    recorded = _recorded(inputs)
    missing = [b for b in checked if not recorded[b]]
    if missing:
        have = sorted(b for b in _allowed(kpi) if recorded.get(b, True))
        raise ConfigError(
            f"this log records no {', no '.join(missing)}: every ticket would have an empty label",
            f"break {kpi.id} down by one it records: {', '.join(have)}",
        )


def _span(inputs: Inputs) -> tuple[datetime, datetime]:
    span = inputs.span()
    if span is None:
        raise ConfigError("the log has no events", "import data first with `pdca ingest`")
    return span


def _grid(inputs: Inputs, query: Query) -> Any:
    lo, hi = _span(inputs)
    lo = query.start or lo
    hi = query.end or hi
    if query.period is None:
        return snapshot_grid([(hi, hi)])
    starts = period_starts(lo, hi, query.period)
    return snapshot_grid([(s, min(period_end(s, query.period), hi)) for s in starts])


def _aggregate(kpi: Kpi, units: Any, keys: list[str], statistic: str | None) -> Any:
    agg = kpi.aggregation
    if statistic is not None and agg in (Aggregation.MEAN, Aggregation.MEDIAN):
        agg = Aggregation(statistic)
    grouped = units.group_by(keys) if keys else units
    if agg is Aggregation.COUNT:
        return grouped.aggregate(value=units.count().cast("float64"), n=units.count())
    if agg is Aggregation.RATIO:
        return grouped.aggregate(
            value=units[NUM].sum().cast("float64") / units[DEN].sum().cast("float64"),
            n=units[DEN].sum().cast("int64"),
        )
    if agg is Aggregation.MEAN:
        return grouped.aggregate(value=units[VALUE].mean(), n=units[VALUE].count())
    return grouped.aggregate(value=units[VALUE].median(), n=units[VALUE].count())


COHORT_LABELS = {
    "median": "cohort, Kaplan-Meier median",
    "mean": "cohort, restricted mean (Kaplan-Meier)",
}
"""What the value of a cohort view is (column ``statistic``)."""
_SECONDS_PER_HOUR = 3600.0


def _cohort(units: Any, keys: list[str], statistic: str, options: Any) -> pd.DataFrame:
    """The opening-cohort view of a duration KPI (values in seconds, horizon in hours).

    The engine reduces the tickets to the number of events and of censored tickets per group and
    distinct duration; :func:`pdca.methods.kpi.survival.summarise` computes the Kaplan-Meier
    statistics of those counts: ``value n censored ci_low ci_high horizon note statistic``.
    """
    units = units.filter(units[VALUE].notnull())
    counts = (
        units.group_by([*keys, VALUE])
        .aggregate(
            **{
                EVENTS: units[EVENT].sum().cast("int64"),
                CENSORED: (1 - units[EVENT]).sum().cast("int64"),
            }
        )
        .execute()
    )
    hours = getattr(options, "horizon_hours", None)
    horizon = None if hours is None else hours * _SECONDS_PER_HOUR
    chosen: Literal["mean", "median"] = "mean" if statistic == "mean" else "median"
    frame = summarise(counts, keys, VALUE, chosen, horizon)
    frame["horizon"] = frame["horizon"] / _SECONDS_PER_HOUR
    frame["statistic"] = COHORT_LABELS[chosen]
    return frame


def evaluate(inputs: Inputs, query: Query) -> pd.DataFrame:
    """The KPI per period and breakdown: columns ``[period] [by…] value n [previous change]``."""
    kpi = get_kpi(query.kpi)
    _check(kpi, query)
    _check_recorded(inputs, kpi, query)
    options = kpi.parse_options(query.options)
    if kpi.snapshot:
        extra = {**inputs.extra, "grid": _grid(inputs, query)}
        inputs = replace(inputs, extra=extra)
    units = kpi.units(inputs, options)
    who = tuple(b for b in query.by if b in ATTRIBUTION_BREAKDOWNS)
    if who and kpi.id in ATTRIBUTION:
        units = attributed(units, inputs.events, ATTRIBUTION[kpi.id](inputs, options), who)
    if not kpi.snapshot:
        if query.start is not None:
            units = units.filter(units[AT] >= query.start)
        if query.end is not None:
            units = units.filter(units[AT] < query.end)
    keys = list(query.by)
    if query.period is not None:
        unit = PERIOD_UNITS[query.period]
        units = units.mutate(**{PERIOD: units[AT].truncate(unit)})
        keys = [PERIOD, *keys]
    statistic = getattr(options, "statistic", None)
    frame: pd.DataFrame
    if getattr(options, "view", None) == "cohort":
        frame = _cohort(units, keys, statistic or "median", options)
    else:
        frame = _aggregate(kpi, units, keys, statistic).execute()
    if kpi.finish is not None:
        frame = kpi.finish(frame, inputs, query.period)
    frame["value"] = frame["value"].astype("float64") * kpi.scale
    for bound in ("ci_low", "ci_high"):
        if bound in frame:
            frame[bound] = frame[bound].astype("float64") * kpi.scale
    frame = frame.sort_values(keys).reset_index(drop=True) if keys else frame
    if query.period is not None:
        prev = (
            frame.groupby(list(query.by), dropna=False)["value"].shift()
            if query.by
            else (frame["value"].shift())
        )
        frame["previous"] = prev
        frame["change"] = frame["value"] - prev
    frame.insert(0, "kpi", kpi.id)
    return frame
