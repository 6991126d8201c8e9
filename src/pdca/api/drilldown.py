"""Drill-down: the units (tickets) a KPI value is computed from.

:func:`kpi_tickets_frame` answers :meth:`pdca.api.desk.Desk.kpi_tickets`: for one KPI, one period
(its start, as the ``period`` column of :func:`pdca.api.kpi` gives it) and optionally one value of
one breakdown, the rows of the KPI's own unit table (:mod:`pdca.methods.kpi.catalogue`) that make
that point — the same table the KPI aggregates, filtered the same way — so the rows reproduce the
point's value and n: a mean or median of ``value``, a ratio Σ ``numerator`` ÷ Σ ``denominator``,
or a count of rows. Breakdowns by ``assignment_group`` and ``assignee`` follow the KPI's
attribution rule (docs/kpis.md, "Breakdowns by team and agent"); every row names the group and
agent its ticket is attributed to.

Stocks measured at period ends (backlog) and the cohort view (Kaplan-Meier) are not listed: their
units are not one row per ticket counted into the value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from pdca.errors import InputError
from pdca.methods.kpi.attribution import ASSIGNEE, ATTRIBUTION_BREAKDOWNS, RULES, attributed
from pdca.methods.kpi.catalogue import ATTRIBUTION, TICKET_KEYS, get_kpi
from pdca.methods.kpi.definition import AT, DEN, NUM, VALUE, Aggregation, Inputs
from pdca.methods.kpi.evaluate import PERIOD, Query, evaluate
from pdca.methods.kpi.units import PERIOD_UNITS, period_end
from pdca.model.schema import TICKET_DIMENSIONS, Col

PLACED_AT = "placed_at"
"""Column: the instant that places the unit in its period (resolution, first response, …)."""
TICKET_COLUMNS = (
    Col.OPENED_AT,
    Col.FIRST_RESPONSE_AT,
    Col.FIRST_RESOLVED_AT,
    Col.RESOLVED_AT,
    Col.REOPEN_COUNT,
    Col.REASSIGNMENT_COUNT,
    Col.SUPPORT_LEVEL_REACHED,
)
"""Ticket facts each row carries (from the tickets table), besides the breakdown columns."""
DRILL_COLUMNS = (
    Col.LOG,
    Col.CASE_ID,
    PLACED_AT,
    *TICKET_COLUMNS,
    "value",
    "numerator",
    "denominator",
    Col.SERVICE,
    Col.PRIORITY,
    Col.CATEGORY,
    Col.ASSIGNMENT_GROUP,
    ASSIGNEE,
)
"""The columns of :func:`kpi_tickets_frame`, in order (those a KPI has)."""


def _parse_start(period: str | None, start: datetime | str | None) -> datetime | None:
    if period is None:
        if start is not None:
            raise InputError("a period start needs a period", "give period=day, week or month")
        return None
    if period not in PERIOD_UNITS:
        raise InputError(f"unknown period {period!r}", "use day, week or month")
    if start is None:
        raise InputError("which period?", "give the period's start, e.g. 2025-01-06")
    try:
        found = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise InputError(f"period start {start!r} is not a date", "give it as YYYY-MM-DD") from None
    if pd.isna(found) or found.tzinfo is not None:
        raise InputError(f"period start {start!r} is not a date in UTC", "give it as YYYY-MM-DD")
    instant: datetime = found.to_pydatetime()
    return instant


def kpi_tickets_frame(
    inputs: Inputs,
    kpi: str,
    *,
    period_start: datetime | str | None = None,
    period: str | None = None,
    by: str | None = None,
    value: str | None = None,
    options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """The units behind one value of ``kpi``: one row per ticket (per unit) counted into the
    value of the period starting at ``period_start`` (every period when ``period`` is None) and,
    with ``by``, whose ``by`` is ``value`` (None: the empty label).

    Columns (:data:`DRILL_COLUMNS`, those the KPI has): the ticket, ``placed_at`` (the instant
    that places it in the period), its opening, first response and resolutions, ``value`` (the
    unit's measure in the KPI's unit: hours for durations; empty for shares and counts),
    ``numerator`` and ``denominator`` (shares: 1/0 of 1), its service, priority, category and
    the group and agent it is attributed to by the KPI's rule. Ordered by ``placed_at``.

    ``attrs``: ``kpi``, ``unit``, ``aggregation`` (``mean``, ``median``, ``ratio``, ``count``:
    how the rows make the value), ``scale`` (the factor from Σ numerator ÷ Σ denominator to the
    value: 100 for %), ``rule`` (the attribution rule, or None), and ``value`` and ``n``, the
    KPI's own value and n for this point (:func:`pdca.api.kpi`).
    """
    definition = get_kpi(kpi)
    if definition.snapshot:
        raise InputError(
            f"{kpi} is a stock measured at each period's end, not a set of tickets counted in "
            "the period",
            "drill down into a flow KPI (volume, mttr, fcr, …)",
        )
    parsed = definition.parse_options(options)
    if getattr(parsed, "view", None) == "cohort":
        raise InputError(
            "the cohort view is a Kaplan-Meier estimate, not a sum over tickets",
            "drill down with view=resolution",
        )
    start = _parse_start(period, period_start)
    by_list = (by,) if by else ()
    # the KPI's own value and n for this point (and every check of its breakdown)
    end = None if start is None or period is None else period_end(start, period)
    point = evaluate(
        inputs, Query(kpi, options=options, by=by_list, period=period, start=start, end=end)
    )
    if by:
        label = point[by].astype("string")
        point = point[label.isna()] if value is None else point[label == value]
    units = definition.units(inputs, parsed)
    rule = None
    if kpi in ATTRIBUTION:
        anchor = ATTRIBUTION[kpi](inputs, parsed)
        rule = f"{anchor.value}: {RULES[anchor]}"
        units = attributed(units, inputs.events, anchor, ATTRIBUTION_BREAKDOWNS)
    if start is not None and period is not None:
        units = units.filter((units[AT] >= start) & (units[AT] < end))
    if by:
        units = units.filter(units[by].isnull() if value is None else units[by] == value)
    frame = _rows(inputs, units, definition.scale)
    frame.attrs.update(
        {
            "kpi": kpi,
            "unit": definition.unit,
            "aggregation": _aggregation(definition.aggregation, parsed),
            "scale": definition.scale,
            "rule": rule,
            "value": float(point["value"].iloc[0]) if len(point) else None,
            "n": int(point["n"].iloc[0]) if len(point) and "n" in point else 0,
            "period": period,
            "period_start": start,
        }
    )
    return frame


def _aggregation(aggregation: Aggregation, options: Any) -> str:
    statistic = getattr(options, "statistic", None)
    if statistic is not None and aggregation in (Aggregation.MEAN, Aggregation.MEDIAN):
        return str(statistic)
    return aggregation.value


def _rows(inputs: Inputs, units: Any, scale: float) -> pd.DataFrame:
    """The unit rows with the ticket facts, as plain columns."""
    have = set(units.columns)
    picked: dict[str, Any] = {Col.LOG: units[Col.LOG], Col.CASE_ID: units[Col.CASE_ID]}
    picked[PLACED_AT] = units[AT]
    picked["_value"] = units[VALUE] if VALUE in have else None
    picked["_num"] = units[NUM] if NUM in have else None
    picked["_den"] = units[DEN] if DEN in have else None
    for column in (*TICKET_DIMENSIONS, *ATTRIBUTION_BREAKDOWNS):
        if column in have:
            picked[column] = units[column]
    kept = units.select(**{k: v for k, v in picked.items() if v is not None})
    facts = inputs.tickets.select(*TICKET_KEYS, *TICKET_COLUMNS).rename(
        _t_log=Col.LOG, _t_case=Col.CASE_ID
    )
    joined = kept.left_join(
        facts, [kept[Col.LOG] == facts["_t_log"], kept[Col.CASE_ID] == facts["_t_case"]]
    ).drop("_t_log", "_t_case")
    frame: pd.DataFrame = joined.to_pandas()
    frame["value"] = (
        frame.pop("_value").astype("float64") * scale if "_value" in frame else float("nan")
    )
    frame["numerator"] = frame.pop("_num").astype("Int64") if "_num" in frame else pd.NA
    frame["denominator"] = frame.pop("_den").astype("Int64") if "_den" in frame else pd.NA
    for column in (Col.ASSIGNMENT_GROUP, ASSIGNEE):
        if column not in frame:
            frame[column] = None
    frame = frame[[c for c in DRILL_COLUMNS if c in frame.columns]]
    frame = frame.sort_values([PLACED_AT, Col.LOG, Col.CASE_ID], kind="stable")
    return frame.reset_index(drop=True)


__all__ = ["DRILL_COLUMNS", "PERIOD", "PLACED_AT", "kpi_tickets_frame"]
