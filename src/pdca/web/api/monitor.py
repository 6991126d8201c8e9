"""``/api/logs/{log}/monitor``: the current control-chart signals of the log's KPIs (as
``pdca monitor``), the notes under them and one row per chart."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from pdca.web.auth import Viewer
from pdca.web.desk import DeskDep
from pdca.web.pages.monitor import GroupBy, Period, monitor_view

router = APIRouter(prefix="/api", tags=["monitor"])


class Signal(BaseModel):
    kpi: str
    name: str | None = None
    by: str | None = None
    group: str | None = None
    chart: str | None = None
    rule: str | None = None
    first: str | None = None
    period: str | None = None
    points: int | None = None
    value: float | None = None
    n: int | None = None
    centre: float | None = None
    lcl: float | None = None
    ucl: float | None = None
    unit: str | None = None
    effect: str | None = None
    message: str | None = None
    left_out: str | None = None


class ChartRow(BaseModel):
    kpi: str
    by: str | None = None
    group: str | None = None
    chart: str | None = None
    status: str | None = None
    points: int | None = None
    counted: int | None = None
    left_out: str | None = None


class MonitorNote(BaseModel):
    kpi: str
    text: str


class MonitorOut(BaseModel):
    log: str
    period: str
    by: str
    signals: list[Signal]
    notes: list[MonitorNote]
    charts: list[ChartRow]


@router.get(
    "/logs/{log:path}/monitor",
    response_model=MonitorOut,
    responses={404: {"description": "No such log"}},
)
def monitor(
    who: Viewer, desk: DeskDep, log: str, period: Period = "week", by: GroupBy = "auto"
) -> MonitorOut:
    """The current signals of the usual service-desk KPIs across groups, in plain words."""
    if log not in desk.logs():
        raise HTTPException(404, "there is no such log in the store")
    view: dict[str, Any] = monitor_view(desk, log, period=period, by=by)
    return MonitorOut(
        log=log,
        period=period,
        by=by,
        signals=[Signal.model_validate(s) for s in view["signals"]],
        notes=[MonitorNote.model_validate(n) for n in view["notes"]],
        charts=[ChartRow.model_validate(c) for c in view["charts"]],
    )
