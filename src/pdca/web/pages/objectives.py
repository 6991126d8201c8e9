"""Objectives (``/objectives``): the targets, calendars, SLA rows, clock (pause states) and KPI
targets in force, each part beside pdca's built-in default; owners edit the store's objectives
file part by part (TOML, validated exactly like the file; errors next to their part)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pdca.model.objectives import PARTS
from pdca.records import Role
from pdca.web.api.objectives import GENERAL, MAX_TEXT, save, split_parts, view
from pdca.web.auth import Owner, Viewer, current
from pdca.web.pages import add_page
from pdca.web.state import db
from pdca.web.templating import page

router = APIRouter(include_in_schema=False)
add_page("objectives", "Objectives", "/objectives")
FIELDS = (*PARTS, GENERAL)


def _page(
    request: Request,
    texts: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    found = view(request)
    texts = texts if texts is not None else split_parts(found["text"])
    who = current(request)
    parts = [
        {
            "key": key,
            "title": PARTS.get(key, "other lines"),
            "from_file": found["parts"].get(key) == "file",
            "text": texts.get(key, ""),
            "default": json.dumps(found["defaults"].get(key), indent=1, default=str)
            if key in PARTS
            else "",
            "errors": (errors or {}).get(key, []),
        }
        for key in FIELDS
        if key in PARTS or texts.get(key)
    ]
    return page(
        request,
        "objectives.html",
        status_code=status,
        nav_key="objectives",
        title="Objectives",
        found=found,
        parts=parts,
        errors=errors or {},
        can_edit=who is not None and who.allows(Role.OWNER),
        general_errors=(errors or {}).get(GENERAL, []),
    )


@router.get("/objectives", response_class=HTMLResponse)
def objectives(request: Request, who: Viewer) -> HTMLResponse:
    """The objectives in force, part by part, with the defaults."""
    return _page(request)


@router.post("/objectives")
async def save_objectives(
    request: Request, who: Owner, records: Annotated[Session, Depends(db)]
) -> Response:
    """Save the parts as the store's objectives file (errors: the form again, 400)."""
    form = await request.form(max_fields=30, max_part_size=MAX_TEXT)
    texts: dict[str, Any] = {k: str(form.get(f"part_{k}") or "") for k in FIELDS}
    text = "\n".join(t.strip() + "\n" for k in FIELDS if (t := texts[k]).strip())
    with records.begin_nested():
        errors = save(request, records, who.name, text)
    if errors:
        return _page(request, texts, errors, status=400)
    return RedirectResponse("/objectives", status_code=303)
