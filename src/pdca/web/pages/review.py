"""The review (``/review``): the monthly service review of the chosen log and period, shown in
a frame (the document is served by ``/api/logs/{log}/review`` with a policy of its own: it holds
inline styles) and downloadable as the self-contained HTML file ``pdca report`` writes."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from pdca.web.api.review import may_read_review
from pdca.web.auth import Viewer
from pdca.web.desk import DeskDep
from pdca.web.pages import add_page
from pdca.web.templating import page

router = APIRouter(include_in_schema=False)
add_page("review", "Review", "/review")
PERIODS = ("month", "week")


@router.get("/review", response_class=HTMLResponse)
def review(
    request: Request, who: Viewer, desk: DeskDep, log: str | None = None, period: str = "month"
) -> HTMLResponse:
    """Choose a log and a period; the review is shown below and can be downloaded."""
    may_read_review(who)
    logs = desk.logs()
    if period not in PERIODS:
        raise HTTPException(400, f"period must be one of: {', '.join(PERIODS)}")
    if log is not None and log not in logs:
        raise HTTPException(404, "There is no such log in the store.")
    chosen = log or (logs[0] if len(logs) == 1 else None)
    return page(
        request,
        "review.html",
        nav_key="review",
        title="Review",
        logs=logs,
        chosen=chosen,
        period=period,
        periods=PERIODS,
        objectives=desk.objectives.note(),
    )
