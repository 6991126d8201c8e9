"""``/api/logs/{log}/review``: the monthly service review (:func:`pdca.reports.review.build_report`,
what ``pdca report`` writes) as one self-contained HTML document.

The review carries its own inline stylesheet, which the app's Content-Security-Policy forbids;
so it is served as a document of its own with a policy fitting it — no script at all, styles
inline only, images as data: URLs, no form, sandboxed, framable by this app only (the review page
shows it in a frame) — and as a download (``?download=1``). The review is computed on the whole
store, so an account that sees only a part of the desk is refused (403).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from pdca.api.common import resolve_objectives
from pdca.errors import PdcaError
from pdca.web.auth import Principal, Viewer
from pdca.web.desk import DeskDep
from pdca.web.jobs import jobs_of
from pdca.web.state import state

router = APIRouter(prefix="/api", tags=["review"])
REVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'; sandbox"
)
"""The review's own policy: its inline styles, nothing else."""
Period = Literal["month", "week"]


def may_read_review(who: Principal) -> None:
    if not who.scope.everything:
        raise HTTPException(403, "the review covers the whole desk: your account sees a part of it")


def review_html(request: Request, log: str, period: str) -> str:
    """Build the review of ``log`` for ``period`` and give its HTML."""
    from pdca.reports.review import build_report  # noqa: PLC0415 (loaded on use)

    web = state(request)
    jobs = jobs_of(web)
    objectives = resolve_objectives(None, store=web.store)
    work = web.store / ".web"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work, prefix="review-") as folder:
        out = Path(folder) / "review.html"
        try:
            build_report(
                store=jobs.live_root,
                log=log,
                objectives=objectives.path,
                period=period,
                out=out,
                force=True,
            )
        except PdcaError as exc:
            raise HTTPException(400, " ".join(str(exc).split())) from None
        return out.read_text(encoding="utf-8")


def review_response(html: str, log: str, period: str, *, download: bool) -> HTMLResponse:
    headers = {"Content-Security-Policy": REVIEW_CSP, "X-Frame-Options": "SAMEORIGIN"}
    if download:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in log)[:80]
        headers["Content-Disposition"] = f'attachment; filename="review-{safe}-{period}.html"'
    return HTMLResponse(html, headers=headers)


@router.get(
    "/logs/{log:path}/review",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "The review (HTML)"},
        403: {"description": "Scoped account"},
        404: {"description": "No such log"},
    },
)
def review(
    request: Request,
    who: Viewer,
    desk: DeskDep,
    log: str,
    period: Period = "month",
    download: bool = False,
) -> HTMLResponse:
    """The service review of ``log`` (scorecard, control charts, process map, findings) as a
    self-contained HTML document; ``download=true`` to save it as a file."""
    may_read_review(who)
    if log not in desk.logs():
        raise HTTPException(404, "there is no such log in the store")
    return review_response(review_html(request, log, period), log, period, download=download)
