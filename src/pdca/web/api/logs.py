"""``/api/logs``: the logs of the store and each one's scorecard."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from pdca.web.api.models import LogInfo, Scorecard, ScorecardRow
from pdca.web.auth import Viewer
from pdca.web.desk import DeskDep
from pdca.web.views import records, scorecard_view

LOG_COLUMNS = tuple(LogInfo.model_fields)

router = APIRouter(prefix="/api", tags=["logs"])


@router.get("/logs", response_model=list[LogInfo])
def logs(who: Viewer, desk: DeskDep) -> list[LogInfo]:
    """The logs in the store with their counts and time span."""
    return [LogInfo.model_validate(row) for row in records(desk.status(), LOG_COLUMNS)]


@router.get(
    "/logs/{log:path}/scorecard",
    response_model=Scorecard,
    responses={404: {"description": "No such log"}},
)
def scorecard(who: Viewer, desk: DeskDep, log: str) -> Scorecard:
    """The scorecard of ``log``: each KPI of the latest period against its target, and the
    objectives in force (whether each part is the file's or pdca's default)."""
    if log not in desk.logs():
        raise HTTPException(404, "there is no such log in the store")
    view = scorecard_view(desk, log)
    return Scorecard(
        log=log,
        objectives=view["objectives"],
        left_out={str(k): str(v) for k, v in view["left_out"].items()},
        rows=[ScorecardRow.model_validate(row) for row in view["rows"]],
    )
