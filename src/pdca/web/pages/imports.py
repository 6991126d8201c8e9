"""Imports (``/imports``): the import history with each import's report and quarantined rows;
uploading a file (analyst and above) and starting a pull (owner and above), both run in the
background (:mod:`pdca.web.jobs`) while the pages keep answering; a progress page reloads itself
(the HTTP ``Refresh`` header: no script) until the import report is there."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from pdca.records import Role
from pdca.web.api.imports import (
    DATES,
    PullIn,
    import_rows,
    may_read_quarantine,
    pull_sources,
    quarantine_page,
    read_upload,
    source_choices,
    start_pull,
    start_upload,
    upload_limit,
)
from pdca.web.auth import Analyst, Owner, Viewer, current
from pdca.web.jobs import jobs_of
from pdca.web.pages import add_page
from pdca.web.state import state
from pdca.web.templating import page

router = APIRouter(include_in_schema=False)
add_page("imports", "Imports", "/imports")
REFRESH_SECONDS = 2


def _imports_page(request: Request, *, error: str = "", status: int = 200) -> HTMLResponse:
    jobs = jobs_of(state(request))
    who = current(request)
    return page(
        request,
        "imports.html",
        status_code=status,
        nav_key="imports",
        title="Imports",
        imports=import_rows(jobs),
        jobs=[j.public() for j in jobs.all()[:20]],
        sources=source_choices(),
        pull_sources=pull_sources(),
        dates=DATES,
        limit=upload_limit(),
        error=error,
        can_upload=who is not None and who.allows(Role.ANALYST),
        can_pull=who is not None and who.allows(Role.OWNER),
    )


@router.get("/imports", response_class=HTMLResponse)
def imports(request: Request, who: Viewer) -> HTMLResponse:
    """The import history, the recent uploads and pulls, and the forms that start them."""
    return _imports_page(request)


@router.post("/imports/upload")
async def upload(request: Request, who: Analyst) -> Response:
    """Upload a file; the import runs in the background (303 to its progress page)."""
    try:
        fields, paths = await read_upload(request)
        job = start_upload(request, who, fields, paths)
    except HTTPException as exc:
        if exc.status_code == 403:
            raise
        return _imports_page(request, error=str(exc.detail), status=exc.status_code)
    return RedirectResponse(f"/imports/jobs/{job.id}", status_code=303)


@router.post("/imports/pull")
def pull(
    request: Request,
    who: Owner,
    source: Annotated[str, Form(max_length=40)],
    url: Annotated[str, Form(max_length=2000)],
    token_env: Annotated[str, Form(max_length=128)],
    since: Annotated[str, Form(max_length=40)] = "",
    log: Annotated[str, Form(max_length=200)] = "",
    user: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Start a pull; the token is read on the server from the variable ``token_env`` names."""
    try:
        body = PullIn(
            source=source,
            url=url,
            token_env=token_env,
            since=since or None,
            log=log or None,
            user=user or None,
        )
        job = start_pull(request, who, body)
    except ValidationError as exc:
        return _imports_page(request, error=exc.errors()[0]["msg"], status=400)
    except HTTPException as exc:
        return _imports_page(request, error=str(exc.detail), status=exc.status_code)
    return RedirectResponse(f"/imports/jobs/{job.id}", status_code=303)


@router.get("/imports/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, who: Viewer, job_id: int) -> HTMLResponse:
    """A job's progress; it reloads itself every few seconds until the report is there."""
    job = jobs_of(state(request)).get(job_id)
    if job is None:
        raise HTTPException(404, "There is no such job.")
    response = page(
        request,
        "imports_job.html",
        nav_key="imports",
        title=f"Import job {job_id}",
        job=job.public(),
    )
    if not job.finished:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@router.get("/imports/{import_id}", response_class=HTMLResponse)
def import_page(request: Request, who: Viewer, import_id: int, page_no: int = 1) -> HTMLResponse:
    """One import's counts and (for accounts that see the whole desk) its quarantined rows."""
    jobs = jobs_of(state(request))
    found = [r for r in import_rows(jobs) if int(r["import_id"]) == import_id]
    if not found:
        raise HTTPException(404, "There is no such import.")
    quarantine = None
    if who.scope.everything:
        may_read_quarantine(who)
        quarantine = quarantine_page(jobs, import_id, page_no)
    return page(
        request,
        "imports_detail.html",
        nav_key="imports",
        title=f"Import {import_id}",
        row=found[0],
        quarantine=quarantine,
        can_upload=who.allows(Role.ANALYST),
    )
