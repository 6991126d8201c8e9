"""``/api/imports`` and ``/api/pulls``: the import history, each import's quarantined rows, and
starting an import (a file upload) or a pull in the background (:mod:`pdca.web.jobs`).

An upload is limited to :func:`upload_limit` bytes (``PDCA_WEB_UPLOAD_MAX``, default 200 MiB):
a request whose Content-Length says more is refused (413) before its body is read, and the file
is copied into ``<store>/.web/uploads/`` in chunks, stopping (413) at the limit. It is then
imported exactly as ``pdca ingest`` would (:func:`pdca.api.ingest`: the connector registry, the
bounded readers, the mapping file, day-first/month-first) and removed.

Who may: the history and the jobs — everyone who may read the app; the quarantined rows (raw
rows of any department) — accounts that see the whole desk; uploading — analyst and above;
pulling — owner and above (a pull names the environment variable holding the tool's token, never
the token itself).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from pdca.web.auth import Analyst, Owner, Principal, Viewer
from pdca.web.jobs import Job, Jobs, jobs_of
from pdca.web.state import state
from pdca.web.views import records

router = APIRouter(prefix="/api", tags=["imports"])

UPLOAD_ENV = "PDCA_WEB_UPLOAD_MAX"
DEFAULT_UPLOAD_MAX = 200 * 2**20
QUARANTINE_PAGE = 100
CHUNK = 2**20
DATES = ("detect", "dayfirst", "monthfirst")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def upload_limit() -> int:
    """The largest upload in bytes (``PDCA_WEB_UPLOAD_MAX``, default 200 MiB)."""
    text = os.environ.get(UPLOAD_ENV, "")
    return int(text) if text.isdigit() and int(text) > 0 else DEFAULT_UPLOAD_MAX


def source_choices() -> list[tuple[str, str]]:
    """``auto`` and every connector of the registry, with its description."""
    from pdca.ingest.sources import connectors  # noqa: PLC0415

    return [("auto", "recognise the file"), *((c.name, c.description) for c in connectors())]


def pull_sources() -> list[str]:
    from pdca.pull import PULLERS  # noqa: PLC0415

    return list(PULLERS)


# -- models ------------------------------------------------------------------------------------
class ImportRow(BaseModel):
    import_id: int
    log: str | None = None
    source: str | None = None
    path: str | None = None
    imported_at: str | None = None
    rows_read: int | None = None
    stored: int | None = None
    quarantined: int | None = None
    duplicates: int | None = None


class QuarantineRow(BaseModel):
    import_id: int
    log: str | None = None
    row: int | None = None
    reason: str | None = None
    raw: str | None = None


class QuarantinePage(BaseModel):
    import_id: int
    total: int
    page: int
    per_page: int
    rows: list[QuarantineRow]


class JobOut(BaseModel):
    id: int
    kind: str
    who: str
    what: str
    state: Literal["queued", "running", "done", "failed"]
    steps: list[str]
    queued_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    report: dict[str, Any] | None = None
    error: str | None = None


class PullIn(BaseModel):
    source: str = Field(max_length=40, description="A pull source (pdca pull --help).")
    url: str = Field(max_length=2000)
    token_env: str = Field(
        max_length=128, description="The NAME of the environment variable holding the token."
    )
    since: str | None = Field(None, max_length=40)
    log: str | None = Field(None, max_length=200)
    user: str | None = Field(None, max_length=200)


# -- reading -----------------------------------------------------------------------------------
def import_rows(jobs: Jobs) -> list[dict[str, Any]]:
    """The import history, newest first (empty before the first import)."""
    from pdca import api  # noqa: PLC0415
    from pdca.engine.store import is_store  # noqa: PLC0415

    if not is_store(jobs.live_root):
        return []
    frame = api.imports(store=jobs.live_root)
    rows = records(frame)
    for row in rows:
        at: Any = row.get("imported_at")
        row["imported_at"] = (
            at.isoformat(timespec="seconds") if hasattr(at, "isoformat") else at and str(at)
        )
    return sorted(rows, key=lambda r: -int(r["import_id"]))


def quarantine_page(jobs: Jobs, import_id: int, page: int) -> dict[str, Any]:
    """One page (:data:`QUARANTINE_PAGE` rows) of an import's quarantined rows."""
    from pdca import api  # noqa: PLC0415

    if import_id not in {int(r["import_id"]) for r in import_rows(jobs)}:
        raise HTTPException(404, "there is no such import")
    frame = api.quarantine(store=jobs.live_root, import_id=import_id)
    page = max(1, min(page, 10_000_000))
    part = frame.iloc[(page - 1) * QUARANTINE_PAGE : page * QUARANTINE_PAGE]
    rows = records(part)
    for row in rows:
        row["raw"] = None if row.get("raw") is None else str(row["raw"])
        row["reason"] = None if row.get("reason") is None else str(row["reason"])
    return {
        "import_id": import_id,
        "total": len(frame),
        "page": page,
        "per_page": QUARANTINE_PAGE,
        "rows": rows,
    }


def may_read_quarantine(who: Principal) -> None:
    """Quarantined rows belong to no department: only accounts seeing everything read them."""
    if not who.scope.everything:
        raise HTTPException(
            403, "quarantined rows may hold any department's tickets: your account sees a part"
        )


# -- starting jobs -----------------------------------------------------------------------------
async def save_upload(part: UploadFile, folder: Path, limit: int) -> Path:
    """Copy an uploaded file into ``folder`` in chunks, stopping (413) beyond ``limit`` bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(part.filename or "upload").name or "upload"
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[-120:].lstrip(".") or "upload"
    target = folder / uuid.uuid4().hex / safe
    target.parent.mkdir()
    written = 0
    with target.open("wb") as out:
        while chunk := await part.read(CHUNK):
            written += len(chunk)
            if written > limit:
                out.close()
                shutil.rmtree(target.parent, ignore_errors=True)
                raise HTTPException(413, f"the file is larger than the limit ({limit:,} bytes)")
            out.write(chunk)
    return target


def start_upload(
    request: Request, who: Principal, form: dict[str, Any], paths: dict[str, Path]
) -> Job:
    """Queue the import of an uploaded file (``form``: source, log, dates, timezone)."""
    from pdca.ingest.options import LoadOptions  # noqa: PLC0415

    source = str(form.get("source") or "auto")
    if source not in {name for name, _ in source_choices()}:
        raise HTTPException(400, f"unknown source {source!r}")
    dates = str(form.get("dates") or "detect")
    if dates not in DATES:
        raise HTTPException(400, f"dates must be one of: {', '.join(DATES)}")
    log = str(form.get("log") or "").strip() or None
    zone = str(form.get("timezone") or "").strip() or None
    dayfirst = {"detect": None, "dayfirst": True, "monthfirst": False}[dates]
    data, mapping = paths["file"], paths.get("mapping")
    options = LoadOptions(log=log, mapping=mapping, dayfirst=dayfirst, timezone=zone)

    def work(stage: Path, progress: Any) -> dict[str, Any]:
        from pdca import api  # noqa: PLC0415

        try:
            report = api.ingest(
                data, source=source, store=stage, options=options, progress=progress
            )
        finally:
            shutil.rmtree(data.parent, ignore_errors=True)
            if mapping is not None:
                shutil.rmtree(mapping.parent, ignore_errors=True)
        out: dict[str, Any] = report.to_dict()
        out["path"] = data.name
        return out

    return jobs_of(state(request)).submit("import", who.name, f"upload {data.name}", work)


def start_pull(request: Request, who: Principal, body: PullIn) -> Job:
    """Queue a pull (:func:`pdca.api.pull`); the token is read from ``body.token_env``."""
    if body.source.lower() not in {*pull_sources(), "otrs"}:
        raise HTTPException(400, f"pdca cannot pull from {body.source!r}")
    if not ENV_NAME.match(body.token_env):
        raise HTTPException(400, "token_env is the NAME of an environment variable")
    if body.token_env not in os.environ:
        raise HTTPException(400, f"the environment variable {body.token_env} is not set")

    def work(stage: Path, progress: Any) -> dict[str, Any]:
        from pdca import api  # noqa: PLC0415

        report = api.pull(
            body.source,
            body.url,
            body.token_env,
            body.since or None,
            stage,
            body.log or None,
            user=body.user or None,
            progress=progress,
        )
        out: dict[str, Any] = report.to_dict()
        if report.imported is not None:
            out.update({k: v for k, v in report.imported.to_dict().items() if k != "path"})
        return out

    return jobs_of(state(request)).submit("pull", who.name, f"pull {body.source} {body.url}", work)


async def read_upload(request: Request) -> tuple[dict[str, Any], dict[str, Path]]:
    """The form fields and the saved files (``file``, optional ``mapping``) of an upload."""
    limit = upload_limit()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + CHUNK:
        raise HTTPException(413, f"the upload is larger than the limit ({limit:,} bytes)")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(415, "send the file as multipart/form-data (field 'file')")
    form = await request.form(max_files=2, max_fields=20)
    folder = state(request).store / ".web" / "uploads"
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    paths: dict[str, Path] = {}
    try:
        for key in ("file", "mapping"):
            part = form.get(key)
            if isinstance(part, UploadFile) and part.filename:
                paths[key] = await save_upload(part, folder, limit)
    except BaseException:
        for path in paths.values():
            shutil.rmtree(path.parent, ignore_errors=True)
        raise
    finally:
        await form.close()
    if "file" not in paths:
        raise HTTPException(400, "choose a file to import (field 'file')")
    return fields, paths


# -- routes ------------------------------------------------------------------------------------
@router.get("/imports", response_model=list[ImportRow])
def list_imports(request: Request, who: Viewer) -> list[ImportRow]:
    """The import history of the store, newest first, with each import's counts."""
    return [ImportRow.model_validate(r) for r in import_rows(jobs_of(state(request)))]


@router.get("/imports/jobs", response_model=list[JobOut])
def list_jobs(request: Request, who: Viewer) -> list[JobOut]:
    """Uploads and pulls started in this app (newest first), queued, running or finished."""
    return [JobOut.model_validate(j.public()) for j in jobs_of(state(request)).all()]


@router.get(
    "/imports/jobs/{job_id}", response_model=JobOut, responses={404: {"description": "No job"}}
)
def get_job(request: Request, who: Viewer, job_id: int) -> JobOut:
    """One job: its state and steps, and when done its import report."""
    job = jobs_of(state(request)).get(job_id)
    if job is None:
        raise HTTPException(404, "there is no such job")
    return JobOut.model_validate(job.public())


@router.get(
    "/imports/{import_id}", response_model=ImportRow, responses={404: {"description": "No import"}}
)
def get_import(request: Request, who: Viewer, import_id: int) -> ImportRow:
    """One import of the history."""
    for row in import_rows(jobs_of(state(request))):
        if int(row["import_id"]) == import_id:
            return ImportRow.model_validate(row)
    raise HTTPException(404, "there is no such import")


@router.get(
    "/imports/{import_id}/quarantine",
    response_model=QuarantinePage,
    responses={403: {"description": "Scoped account"}, 404: {"description": "No import"}},
)
def get_quarantine(request: Request, who: Viewer, import_id: int, page: int = 1) -> QuarantinePage:
    """The rows an import quarantined, with the reason, :data:`QUARANTINE_PAGE` a page."""
    may_read_quarantine(who)
    return QuarantinePage.model_validate(quarantine_page(jobs_of(state(request)), import_id, page))


@router.post(
    "/imports",
    response_model=JobOut,
    status_code=202,
    responses={413: {"description": "Too large"}, 400: {"description": "Bad form"}},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "mapping": {"type": "string", "format": "binary"},
                            "source": {"type": "string"},
                            "log": {"type": "string"},
                            "dates": {"type": "string", "enum": list(DATES)},
                            "timezone": {"type": "string"},
                        },
                    }
                }
            },
            "required": True,
        }
    },
)
async def upload(request: Request, who: Analyst) -> JobOut:
    """Upload a file and import it in the background (poll ``/api/imports/jobs/{id}``)."""
    fields, paths = await read_upload(request)
    try:
        job = start_upload(request, who, fields, paths)
    except BaseException:
        for path in paths.values():
            shutil.rmtree(path.parent, ignore_errors=True)
        raise
    return JobOut.model_validate(job.public())


@router.post("/pulls", response_model=JobOut, status_code=202)
def pull(request: Request, who: Owner, body: PullIn) -> JobOut:
    """Start a pull from a helpdesk's API in the background (``token_env`` names the
    environment variable of the server holding the token)."""
    return JobOut.model_validate(start_pull(request, who, body).public())
