"""The scorecard of each log (``/`` and ``/logs/{log}/scorecard``): every KPI of the latest
period against its target, red/amber/green, and the objectives in force."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from pdca.web.auth import Viewer
from pdca.web.desk import DeskDep
from pdca.web.pages import add_page
from pdca.web.templating import page
from pdca.web.views import scorecard_view

router = APIRouter(include_in_schema=False)
add_page("scorecard", "Scorecard", "/")


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: Viewer, desk: DeskDep) -> HTMLResponse:
    """The scorecard of every log in the store."""
    logs = desk.logs()
    cards = [scorecard_view(desk, name) for name in logs]
    return page(request, "scorecard.html", nav_key="scorecard", title="Scorecard", cards=cards)


@router.get("/logs/{log:path}/scorecard", response_class=HTMLResponse)
def log_scorecard(request: Request, who: Viewer, desk: DeskDep, log: str) -> HTMLResponse:
    """The scorecard of one log."""
    known = desk.logs()
    if log not in known:
        raise HTTPException(404, "There is no such log in the store.")
    card: dict[str, Any] = scorecard_view(desk, log)
    return page(
        request, "scorecard.html", nav_key="scorecard", title=f"Scorecard: {log}", cards=[card]
    )
