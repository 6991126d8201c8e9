"""``/api/objectives``: the objectives in force (GET) and the store's objectives file (PUT).

The file is ``<store>/objectives.toml`` (:data:`pdca.api.common.STORE_OBJECTIVES`), which
:func:`pdca.api.common.resolve_objectives` reads when neither ``--objectives`` nor
``$PDCA_OBJECTIVES`` names another. A new text is validated exactly as the file is when read
(TOML, then :class:`pdca.model.objectives.Objectives`); each error is one line, said against the
part (``sla``, ``calendars``, ``clock``, …) it is about. Saving (owner and above) writes the file
atomically and the audit log, and the app's desk is reopened so every page uses the new targets.
A text that sets no part removes the file (back to the built-in defaults).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from pdca.api.common import STORE_OBJECTIVES, resolve_objectives
from pdca.model.objectives import PARTS, Objectives
from pdca.records import audit
from pdca.web.auth import Owner, Viewer
from pdca.web.jobs import jobs_of
from pdca.web.state import db, state

router = APIRouter(prefix="/api", tags=["objectives"])
MAX_TEXT = 200_000
GENERAL = "file"
"""The key of errors that belong to no one part."""
_HEADER = re.compile(r"^\s*\[\[?\s*\"?([A-Za-z_][A-Za-z0-9_-]*)")


class ObjectivesOut(BaseModel):
    source: str = Field(description="The file in force, or 'built-in defaults'.")
    found_by: str
    store_file: str = Field(description="The store's objectives file (what PUT writes).")
    store_file_in_force: bool
    parts: dict[str, str] = Field(description="Each part: 'file' or 'built-in'.")
    note: str
    text: str = Field(description="The store file's text ('' when there is none).")
    objectives: dict[str, Any] = Field(description="The objectives in force, as data.")
    defaults: dict[str, Any] = Field(description="pdca's built-in defaults, as data.")


class ObjectivesIn(BaseModel):
    text: str = Field(max_length=MAX_TEXT, description="The whole objectives file (TOML).")


class ObjectivesErrors(BaseModel):
    errors: dict[str, list[str]]


def store_file(request: Request) -> Path:
    return state(request).store / STORE_OBJECTIVES


def split_parts(text: str) -> dict[str, str]:
    """A file's text cut into its parts by their section headers (``[sla]``, ``[[sla]]``,
    ``[calendars.x]`` …); lines before the first header go with the first part."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    lead: list[str] = []
    for line in text.splitlines():
        found = _HEADER.match(line)
        if found:
            current = found.group(1)
            out.setdefault(current, [])
            if lead:
                out[current] = [*lead, *out[current]]
                lead = []
        if current is None:
            lead.append(line)
        else:
            out[current].append(line)
    if lead and any(line.strip() and not line.strip().startswith("#") for line in lead):
        out.setdefault(GENERAL, []).extend(lead)
    return {k: "\n".join(v).strip() + "\n" for k, v in out.items()}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def validate(text: str) -> tuple[Objectives | None, dict[str, list[str]]]:
    """The objectives of ``text``, or the errors by part (one line each)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, {GENERAL: [f"not TOML: {_one_line(str(exc))}"]}
    try:
        return Objectives.model_validate(raw), {}
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for item in exc.errors():
            loc = [str(p) for p in item["loc"]]
            message = _one_line(item["msg"]).removeprefix("Value error, ")
            part = loc[0] if loc and loc[0] in PARTS else None
            if part is None:
                head = re.match(r"([a-z_]+)", message)
                part = head.group(1) if head and head.group(1) in PARTS else GENERAL
            where = ".".join(loc)
            errors.setdefault(part, []).append(f"{where}: {message}" if where else message)
        return None, errors


def view(request: Request) -> dict[str, Any]:
    """What GET answers: the objectives in force, the store file and the defaults."""
    path = store_file(request)
    resolved = resolve_objectives(None, store=state(request).store)
    meta = resolved.metadata()
    return {
        "source": resolved.source,
        "found_by": resolved.found_by,
        "store_file": str(path),
        "store_file_in_force": resolved.found_by == "store",
        "parts": meta["parts"],
        "note": resolved.note(),
        "text": path.read_text(encoding="utf-8") if path.is_file() else "",
        "objectives": json.loads(resolved.objectives.model_dump_json()),
        "defaults": json.loads(Objectives().model_dump_json()),
    }


def save(request: Request, records: Session, who: str, text: str) -> dict[str, list[str]]:
    """Validate and write ``text`` as the store's file (removed when it sets no part); the
    errors by part when it is not valid (nothing written then)."""
    goals, errors = validate(text)
    if goals is None:
        return errors
    path = store_file(request)
    before = path.read_text(encoding="utf-8") if path.is_file() else ""
    if goals.model_fields_set:
        tmp = path.with_name(f".{path.name}.new")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    else:
        path.unlink(missing_ok=True)
    audit(
        records,
        who,
        "objectives.save",
        f"objectives:{path.name}",
        {"parts": sorted(goals.model_fields_set), "before": before, "after": text},
    )
    if (state(request).store / "pdca.duckdb").is_file():  # else there is no desk to renew
        jobs_of(state(request)).swap_desk(warm_first=False)
    return {}


@router.get("/objectives", response_model=ObjectivesOut)
def get_objectives(request: Request, who: Viewer) -> ObjectivesOut:
    """The objectives in force, where they come from, and which parts are defaults."""
    return ObjectivesOut.model_validate(view(request))


@router.put(
    "/objectives",
    response_model=ObjectivesOut,
    responses={422: {"model": ObjectivesErrors, "description": "Not valid"}},
)
def put_objectives(
    request: Request,
    who: Owner,
    body: ObjectivesIn,
    records: Annotated[Session, Depends(db)],
) -> ObjectivesOut:
    """Replace the store's objectives file (validated like the file; errors by part)."""
    errors = save(request, records, who.name, body.text)
    if errors:
        raise HTTPException(422, {"errors": errors})
    return ObjectivesOut.model_validate(view(request))
