"""The improvement register (``/improvement``): initiatives moving through plan → do → check →
act, each with its KPI chart before and after go-live, its verdict in words with the numbers
behind it, and its audit trail; new initiatives, edits, status moves, verification (analyst or
above), adopting the control standard (owner or above), and suggestions to accept.

Handlers call :mod:`pdca.api.improve` with the app's store and records database (the register
lives in the records database, :mod:`pdca.records.register`; every change writes the audit log
there, with the user's name). Visibility: a user who sees only some services or groups sees the
initiatives whose scope lies inside them (and creates only such); suggestions, measured on the
whole desk, are for users who see everything.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from pdca.errors import PdcaError
from pdca.model.schema import Col
from pdca.records import AuditEntry, Role
from pdca.records.users import Scope
from pdca.web.auth import Analyst, Owner, Principal, Viewer
from pdca.web.pages import add_page
from pdca.web.state import state
from pdca.web.templating import page
from pdca.web.views import plain

router = APIRouter(include_in_schema=False)
add_page("improvement", "Improvement", "/improvement")
STATUS_STEPS = {"pdca": ("plan", "do", "check", "act"),
                "dmaic": ("define", "measure", "analyse", "improve", "control")}  # fmt: skip
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
KPIS = ("mttr", "mtta", "fcr", "sla_resolution", "reopen_rate", "multi_hop_rate", "backlog")


# -- shared by the pages and the REST API --------------------------------------------------------
def register_kw(request: Request) -> dict[str, Any]:
    """``store=`` and ``records=`` of the app, for :mod:`pdca.api.improve`."""
    web = state(request)
    return {"store": web.store, "records": web.records}


def improve() -> Any:
    from pdca.api import improve as module  # noqa: PLC0415 (statistics load on first use)

    return module


def inside(scope: Scope, initiative_scope: dict[str, list[str]] | None) -> bool:
    """Whether an initiative whose scope is ``initiative_scope`` lies inside what a user with
    visibility ``scope`` sees (its services, or its assignment groups, all visible to them)."""
    if scope.everything:
        return True
    given = initiative_scope or {}
    services = given.get(Col.SERVICE) or []
    groups = given.get(Col.ASSIGNMENT_GROUP) or []
    return bool(
        (scope.services and services and set(services) <= set(scope.services))
        or (scope.groups and groups and set(groups) <= set(scope.groups))
    )


def visible_record(request: Request, who: Principal, initiative_id: int) -> dict[str, Any]:
    """The initiative, when it exists and ``who`` may see it (else 404)."""
    try:
        record: dict[str, Any] = improve().initiative(initiative_id, **register_kw(request))
    except PdcaError:
        raise HTTPException(404, "There is no such initiative.") from None
    if not inside(who.scope, record.get("scope")):
        raise HTTPException(404, "There is no such initiative.")
    return record


def visible_rows(request: Request, who: Principal, log: str | None) -> list[dict[str, Any]]:
    """The register's rows (:func:`pdca.api.initiatives`) that ``who`` may see, of ``log``."""
    frame = improve().initiatives(**register_kw(request))
    rows = [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    for row in rows:
        row["go_live"] = _day(row.get("go_live")) or None
    if who.scope.everything:
        return [r for r in rows if log is None or r["log"] == log]
    module = improve()
    seen = []
    for row in rows:
        record = module.initiative(int(row["id"]), **register_kw(request))
        if inside(who.scope, record.get("scope")) and (log is None or row["log"] == log):
            seen.append(row)
    return seen


def needs_everything(who: Principal, what: str) -> None:
    if not who.scope.everything:
        raise HTTPException(
            403, f"{what} are measured on the whole desk; your account sees {who.scope.describe()}"
        )


def scope_pairs(text: str) -> list[str]:
    """``COLUMN=VALUE`` pairs, one per line or separated by ``;``."""
    parts = [p.strip() for line in text.splitlines() for p in line.split(";")]
    return [p for p in parts if p]


def check_new_scope(who: Principal, pairs: list[str]) -> dict[str, list[str]]:
    """The scope of a new initiative, which must lie inside what ``who`` sees."""
    from pdca.improve.initiative import parse_scope  # noqa: PLC0415

    scope = parse_scope(pairs) if pairs else {}
    if not inside(who.scope, scope):
        raise HTTPException(
            403, f"your account sees {who.scope.describe()}: give a scope inside it"
        )
    return scope


def check_view(check: Any) -> dict[str, Any]:
    """A verification (:class:`pdca.improve.verify.Check`) for a page: verdict, sentence,
    numbers, windows, counts, assumptions and the chart (pdca's own SVG)."""
    from pdca.render.control_chart import control_chart_svg  # noqa: PLC0415

    evidence = check.evidence.as_dict()
    design = dict(check.design)
    chart = None
    if check.limits is not None and len(check.limits):
        title = f"{check.kpi}: before and after go-live"
        chart = Markup(control_chart_svg(check.limits, title=title, height=220))  # noqa: S704 (pdca's own SVG, built with escaping)
    return {
        "verdict": check.verdict,
        "sentence": check.sentence,
        "method": check.method,
        "reason": check.reason,
        "warnings": list(check.warnings),
        "alerts": list(check.alerts),
        "evidence": {k: _finite(v) for k, v in evidence.items() if not isinstance(v, dict)},
        "before": design.get("before"),
        "after": design.get("after"),
        "comparison": design.get("comparison"),
        "cohorts": design.get("cohorts"),
        "n": design.get("n") or {},
        "proposed": check.proposed,
        "chart": chart,
    }


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def verification(request: Request, initiative_id: int) -> tuple[dict[str, Any] | None, str]:
    """The initiative verified afresh on the data (nothing saved), or why it cannot be yet."""
    try:
        check = improve().verify_initiative(initiative_id, save=False, **register_kw(request))
    except PdcaError as exc:
        return None, str(exc)
    return check_view(check), ""


def trail(
    request: Request, initiative_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The initiative's change log and its audit entries (who, when, what)."""
    frame = improve().initiative_log(initiative_id, **register_kw(request))
    changes = [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    with state(request).records.session() as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object == f"initiative:{initiative_id}")
            .order_by(AuditEntry.id)
        ).all()
        audit = [e.public() for e in entries]
    return changes, audit


def when(text: str) -> date | None:
    """A go-live date from a form (``YYYY-MM-DD``; blank: none)."""
    text = text.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"not a date (YYYY-MM-DD): {text[:40]!r}") from None
    if not 1900 <= day.year <= 2199:
        raise HTTPException(400, "the go-live date must lie between 1900 and 2199")
    return day


def number_or_none(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise HTTPException(400, f"not a number: {text[:40]!r}") from None
    if not math.isfinite(value):
        raise HTTPException(400, "the target must be a finite number")
    return value


def _day(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return "" if value is None else str(value)[:10]


def _logs(request: Request, who: Principal) -> list[str]:
    from pdca.web.desk import desk_for  # noqa: PLC0415

    try:
        return list(desk_for(request, who).logs())
    except (PdcaError, HTTPException):
        return []


# -- pages -----------------------------------------------------------------------------------
@router.get("/improvement", response_class=HTMLResponse)
def register_page(
    request: Request, who: Viewer, log: str | None = None, error: str = ""
) -> HTMLResponse:
    """The register: every initiative the user may see, with status, KPI, owner and verdict."""
    rows = visible_rows(request, who, log or None)
    return page(
        request, "improvement.html", nav_key="improvement", title="Improvement register",
        rows=rows, log=log or "", logs=_logs(request, who), steps=STATUS_STEPS,
        can_change=who.allows(Role.ANALYST), everything=who.scope.everything, error=error[:300],
    )  # fmt: skip


@router.get("/improvement/new", response_class=HTMLResponse)
def new_form(request: Request, who: Analyst, error: str = "") -> HTMLResponse:
    return page(
        request, "improvement_new.html", nav_key="improvement", title="New initiative",
        logs=_logs(request, who), kpis=KPIS, error=error[:300], form={},
    )  # fmt: skip


@router.post("/improvement/new")
def create(
    request: Request,
    who: Analyst,
    title: Annotated[str, Form(max_length=300)],
    kpi: Annotated[str, Form(max_length=64)],
    log: Annotated[str, Form(max_length=255)] = "",
    problem: Annotated[str, Form(max_length=5000)] = "",
    owner: Annotated[str, Form(max_length=64)] = "",
    scope: Annotated[str, Form(max_length=5000)] = "",
    options: Annotated[str, Form(max_length=5000)] = "",
    target: Annotated[str, Form(max_length=40)] = "",
    go_live: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Create an initiative (its baseline is measured at once) and open it."""
    form = {"title": title, "kpi": kpi, "log": log, "problem": problem, "owner": owner,
            "scope": scope, "options": options, "target": target, "go_live": go_live}  # fmt: skip
    try:
        pairs = check_new_scope(who, scope_pairs(scope))
        record = improve().new_initiative(
            title, kpi=kpi.strip(), log=log or None, problem=problem.strip() or None,
            owner=owner.strip() or None, scope=pairs, kpi_options=parse_options(options),
            target=number_or_none(target), go_live=when(go_live), who=who.name,
            **register_kw(request),
        )  # fmt: skip
    except (PdcaError, HTTPException) as exc:
        if isinstance(exc, HTTPException) and exc.status_code == 403:
            raise
        message = exc.detail if isinstance(exc, HTTPException) else str(exc)
        return page(
            request, "improvement_new.html", status_code=400, nav_key="improvement",
            title="New initiative", logs=_logs(request, who), kpis=KPIS, error=str(message),
            form=form,
        )  # fmt: skip
    return RedirectResponse(f"/improvement/{record['initiative_id']}", status_code=303)


def parse_options(text: str) -> dict[str, Any] | None:
    """KPI options from ``NAME=VALUE`` pairs (one per line or separated by ``;``)."""
    pairs = scope_pairs(text)
    if not pairs:
        return None
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise HTTPException(400, f"a KPI option is NAME=VALUE, got {pair[:40]!r}")
        out[name.strip()] = value.strip()
    return out


@router.get("/improvement/suggestions", response_class=HTMLResponse)
def suggestions_page(request: Request, who: Viewer, log: str | None = None) -> HTMLResponse:
    """Candidate initiatives from the mining results, SPC signals and SLA capability."""
    needs_everything(who, "Suggestions")
    error = ""
    rows: list[dict[str, Any]] = []
    objectives: Any = None
    try:
        frame = improve().suggest_initiatives(log=log or None, store=state(request).store)
        rows = [{k: plain(v) for k, v in r.items()} for r in frame.to_dict("records")]
        objectives = frame.attrs.get("objectives")
    except PdcaError as exc:
        error = str(exc)
    return page(
        request, "improvement_suggestions.html", nav_key="improvement", title="Suggestions",
        rows=rows, log=log or "", objectives=objectives, error=error,
        can_change=who.allows(Role.ANALYST),
    )  # fmt: skip


@router.post("/improvement/suggestions/accept")
def accept(
    request: Request,
    who: Analyst,
    key: Annotated[str, Form(max_length=500)],
    log: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    """Create the initiative a suggestion proposes."""
    needs_everything(who, "Suggestions")
    try:
        record = improve().accept_suggestion(
            key, log=log or None, who=who.name, **register_kw(request)
        )
    except PdcaError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(f"/improvement/{record['initiative_id']}", status_code=303)


@router.get("/improvement/{initiative_id}", response_class=HTMLResponse)
def initiative_page(
    request: Request, who: Viewer, initiative_id: Id, error: str = ""
) -> HTMLResponse:
    """One initiative: fields, chart, verdict in words with its numbers, the audit trail."""
    record = visible_record(request, who, initiative_id)
    checked, reason = verification(request, initiative_id)
    changes, audit = trail(request, initiative_id)
    saved = record.get("verdict") or {}
    return page(
        request, "improvement_initiative.html", nav_key="improvement",
        title=f"Initiative {initiative_id}", record=record, checked=checked, reason=reason,
        saved=saved, changes=changes, audit=audit, steps=STATUS_STEPS[record["cycle"]],
        go_live=_day(record.get("go_live")), baseline=record.get("baseline") or {},
        can_change=who.allows(Role.ANALYST), can_adopt=who.allows(Role.OWNER),
        error=error[:300],
    )  # fmt: skip


def _change(request: Request, who: Principal, initiative_id: int, **changes: Any) -> Response:
    visible_record(request, who, initiative_id)
    try:
        improve().update_initiative(initiative_id, who=who.name, **changes, **register_kw(request))
    except PdcaError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(f"/improvement/{initiative_id}", status_code=303)


@router.post("/improvement/{initiative_id}/edit")
def edit(
    request: Request,
    who: Analyst,
    initiative_id: Id,
    title: Annotated[str, Form(max_length=300)] = "",
    problem: Annotated[str, Form(max_length=5000)] = "",
    owner: Annotated[str, Form(max_length=64)] = "",
    target: Annotated[str, Form(max_length=40)] = "",
    go_live: Annotated[str, Form(max_length=40)] = "",
    action: Annotated[str, Form(max_length=500)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Change the title, problem, owner, target or go-live, or add an action."""
    return _change(
        request, who, initiative_id, title=title.strip() or None,
        problem=problem.strip() or None, owner=owner.strip() or None,
        target=number_or_none(target), go_live=when(go_live),
        add_actions=[action.strip()] if action.strip() else (), note=note.strip() or None,
    )  # fmt: skip


@router.post("/improvement/{initiative_id}/status")
def move(
    request: Request,
    who: Analyst,
    initiative_id: Id,
    status: Annotated[str, Form(max_length=16)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Move the initiative to another step of its cycle."""
    return _change(
        request, who, initiative_id, status=status.strip(),
        note=note.strip() or f"moved to {status.strip()}",
    )  # fmt: skip


@router.post("/improvement/{initiative_id}/verify")
def verify(request: Request, who: Analyst, initiative_id: Id) -> Response:
    """Verify the effect on the data and keep the verdict."""
    visible_record(request, who, initiative_id)
    try:
        improve().verify_initiative(initiative_id, who=who.name, **register_kw(request))
    except PdcaError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(f"/improvement/{initiative_id}", status_code=303)


@router.post("/improvement/{initiative_id}/adopt")
def adopt(request: Request, who: Owner, initiative_id: Id) -> Response:
    """The owner adopts the control standard the last *improved* verdict proposed."""
    visible_record(request, who, initiative_id)
    try:
        improve().adopt_standard(initiative_id, who=who.name, **register_kw(request))
    except PdcaError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(f"/improvement/{initiative_id}", status_code=303)
