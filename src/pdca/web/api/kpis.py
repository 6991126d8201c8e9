"""``/api/logs/{log}/kpis``: the KPI catalogue with the log's values, one KPI per period or
breakdown, and the tickets behind one value (the same views as the KPI pages)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from pdca.web.auth import Viewer
from pdca.web.desk import DeskDep
from pdca.web.pages.kpis import (
    Period,
    Statistic,
    View,
    bounded_text,
    catalogue_view,
    check_by,
    chosen_options,
    known_kpi,
    trend_view,
)
from pdca.web.pages.kpis import tickets_view as drill_view

router = APIRouter(prefix="/api", tags=["kpis"])
_MISSING: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such log or KPI"},
    400: {"description": "Bad input"},
}


class KpiValue(BaseModel):
    kpi: str
    name: str | None = None
    value: float | None = None
    n: int | None = None
    unit: str | None = None
    statistic: str | None = None
    better: str | None = None
    definition: str | None = None
    benchmark: str | None = None


class KpiCatalogue(BaseModel):
    log: str
    rows: list[KpiValue]
    left_out: dict[str, str] = Field(
        description="KPIs left out, each with the reason and what would enable it."
    )
    objectives: dict[str, Any] = Field(description="The objectives in force.")


class KpiPoint(BaseModel):
    period: str | None = Field(None, description="The period's start (YYYY-MM-DD).")
    group: str | None = Field(None, description="The breakdown's value (null: empty label).")
    value: float | None = None
    n: int | None = None
    note: str | None = Field(None, description="Why the period is incomplete, or has few units.")
    previous: float | None = None
    change: float | None = None


class KpiSeries(BaseModel):
    log: str
    kpi: str
    unit: str | None = None
    statistic: str | None = None
    period: str | None = None
    by: str | None = None
    rows: list[KpiPoint]


class DrillTicket(BaseModel):
    log: str
    case_id: str
    placed_at: str | None = Field(None, description="The instant that places it in the period.")
    opened_at: str | None = None
    first_response_at: str | None = None
    first_resolved_at: str | None = None
    resolved_at: str | None = None
    reopen_count: int | None = None
    reassignment_count: int | None = None
    support_level_reached: str | None = None
    value: float | None = Field(None, description="The unit's measure in the KPI's unit.")
    numerator: int | None = None
    denominator: int | None = None
    service: str | None = None
    priority: str | None = None
    category: str | None = None
    assignment_group: str | None = None
    assignee: str | None = None


class DrillDown(BaseModel):
    log: str
    kpi: str
    value: float | None = Field(None, description="The KPI's value for this point.")
    n: int | None = Field(None, description="The KPI's n for this point.")
    unit: str | None = None
    aggregation: str | None = Field(None, description="mean, median, ratio or count of rows.")
    scale: float | None = None
    rule: str | None = Field(None, description="Whose group and agent each ticket goes to.")
    total: int
    offset: int
    tickets: list[DrillTicket]


def _log(desk: Any, log: str) -> str:
    if log not in desk.logs():
        raise HTTPException(404, "there is no such log in the store")
    return log


@router.get("/logs/{log:path}/kpis/{kpi}/tickets", response_model=DrillDown, responses=_MISSING)
def kpi_tickets(
    who: Viewer,
    desk: DeskDep,
    log: str,
    kpi: str,
    period: Period | None = None,
    start: str | None = Query(None, max_length=40, description="The period's start."),
    by: str | None = Query(None, max_length=40),
    value: str | None = Query(None, max_length=200, description="Absent: the empty label."),
    statistic: Statistic | None = None,
    view: View | None = None,
    limit: int = Query(500, ge=0, le=10_000),
    offset: int = Query(0, ge=0),
) -> DrillDown:
    """The tickets behind one value of ``kpi``: the period of ``period`` starting at ``start``
    and/or the breakdown row ``by`` = ``value``; they reproduce the value and n."""
    name = _log(desk, log)
    known_kpi(desk, kpi)
    found = drill_view(
        desk,
        name,
        kpi,
        period=period,
        start=bounded_text(start),
        by=check_by(kpi, by),
        value=bounded_text(value),
        options=chosen_options(kpi, statistic, view),
        limit=limit,
        offset=offset,
    )
    tickets = [DrillTicket.model_validate(t) for t in found.pop("tickets")]
    return DrillDown(log=name, kpi=kpi, tickets=tickets, **found)


@router.get("/logs/{log:path}/kpis/{kpi}", response_model=KpiSeries, responses=_MISSING)
def kpi_series(
    who: Viewer,
    desk: DeskDep,
    log: str,
    kpi: str,
    period: Literal["day", "week", "month", "all"] = "week",
    by: str | None = Query(None, max_length=40),
    statistic: Statistic | None = None,
    view: View | None = None,
) -> KpiSeries:
    """``kpi`` per period (``all``: over the whole log), per value of a breakdown ``by``, or
    both; each value with n and the period's note."""
    name = _log(desk, log)
    known_kpi(desk, kpi)
    chosen = check_by(kpi, by)
    options = chosen_options(kpi, statistic, view)
    every = None if period == "all" else period
    found = trend_view(desk, name, kpi, period=every, by=chosen, options=options)
    return KpiSeries(
        log=name,
        kpi=kpi,
        unit=found["unit"],
        statistic=found["statistic"],
        period=every,
        by=chosen,
        rows=[KpiPoint.model_validate(r) for r in found["rows"]],
    )


@router.get("/logs/{log:path}/kpis", response_model=KpiCatalogue, responses=_MISSING)
def kpis(who: Viewer, desk: DeskDep, log: str) -> KpiCatalogue:
    """Every KPI of ``log`` over the whole log (as ``pdca kpi``), and the KPIs left out."""
    view = catalogue_view(desk, _log(desk, log))
    return KpiCatalogue(
        log=view["log"],
        rows=[KpiValue.model_validate(r) for r in view["rows"]],
        left_out=view["left_out"],
        objectives=view["objectives"],
    )
