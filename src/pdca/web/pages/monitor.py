"""The monitor page (``/monitor``): the current control-chart signals of the log's KPIs in plain
words with n, as ``pdca monitor`` lists them, each linking to its KPI page; under them the periods
left out of each KPI's limits and the minimum n (what ``pdca monitor`` prints under its table)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pdca.web.auth import Viewer
from pdca.web.desk import DeskDep
from pdca.web.pages import add_page
from pdca.web.pages.kpis import choose_log
from pdca.web.templating import page
from pdca.web.views import kept_view, records

router = APIRouter(include_in_schema=False)
add_page("monitor", "Monitor", "/monitor")

Period = Literal["day", "week", "month"]
GroupBy = Literal["auto", "none", "service", "category", "priority"]
"""The groups a page may chart (``auto``: service, else category; ``none``: the whole desk)."""
SIGNAL_FIELDS = (
    "kpi", "name", "by", "group", "chart", "rule", "first", "period", "points", "value", "n",
    "centre", "lcl", "ucl", "unit", "effect", "message", "left_out",
)  # fmt: skip
CHART_FIELDS = ("kpi", "by", "group", "chart", "status", "points", "counted", "left_out")


def monitor_view(desk: Any, log: str, *, period: str, by: str) -> dict[str, Any]:
    """``desk.monitor_details(log=…, period=…, by=…)``: the current signals, per KPI the notes
    (periods left out, minimum n) and the charts that were not drawn, and why."""
    return kept_view(
        desk, "monitor_view", (log, period, by), lambda: _monitor_view(desk, log, period, by)
    )


def _monitor_view(desk: Any, log: str, period: str, by: str) -> dict[str, Any]:
    found = desk.monitor_details(log=log, period=period, by=None if by == "none" else by)
    notes = []
    for kpi, floor in found.min_n.items():
        said = found.incomplete.get(kpi, "")
        if said:
            notes.append({"kpi": kpi, "text": f"{said} (left out of limits and signals)"})
        if floor:
            notes.append(
                {"kpi": kpi, "text": f"points with fewer than {floor} tickets never signal"}
            )
    charts = records(found.charts, CHART_FIELDS)
    return {
        "log": log,
        "signals": records(found.signals, SIGNAL_FIELDS),
        "notes": notes,
        "charted": sum(1 for c in charts if c.get("chart")),
        "skipped": [c for c in charts if not c.get("chart")],
        "charts": charts,
    }


@router.get("/monitor", response_class=HTMLResponse)
def monitor(
    request: Request,
    who: Viewer,
    desk: DeskDep,
    log: str | None = None,
    period: Period = "week",
    by: GroupBy = "auto",
) -> HTMLResponse:
    """The current signals of the usual service-desk KPIs across groups."""
    name, logs = choose_log(desk, log)
    view = monitor_view(desk, name, period=period, by=by) if name is not None else None
    return page(
        request,
        "monitor.html",
        nav_key="monitor",
        title="Monitor",
        view=view,
        logs=logs,
        period=period,
        by=by,
    )
