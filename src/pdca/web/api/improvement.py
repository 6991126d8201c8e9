"""``/api/logs/{log}/initiatives``: the improvement register of a log over REST, with the roles
of the pages (reading: viewer; creating, changing, verifying, accepting a suggestion: analyst;
adopting the control standard: owner). Every change writes the audit log with the user's name
(:mod:`pdca.records.register`)."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from pydantic import BaseModel, Field, field_validator

from pdca.errors import PdcaError
from pdca.web.auth import Analyst, Owner, Principal, Viewer
from pdca.web.pages.improvement import (
    check_new_scope,
    check_view,
    improve,
    inside,
    needs_everything,
    register_kw,
    trail,
    visible_record,
    visible_rows,
)
from pdca.web.views import plain

router = APIRouter(prefix="/api", tags=["improvement"])
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
FIRST_YEAR, LAST_YEAR = 1900, 2199
"""Go-live dates pdca accepts (as for event times, docs/limits.md)."""


def _in_range(value: date | None) -> date | None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"go_live must lie between {FIRST_YEAR} and {LAST_YEAR}")
    return value


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such log or initiative"}}


class InitiativeRow(BaseModel):
    id: int
    title: str
    owner: str | None = None
    cycle: str
    status: str
    kpi: str
    scope: str | None = None
    baseline: float | None = None
    target: float | None = None
    go_live: str | None = None
    verdict: str | None = None
    estimate: float | None = None
    p_value: float | None = None
    alerts: int = 0
    actions: int = 0
    log: str
    problem: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class InitiativeOut(BaseModel):
    initiative_id: int
    log: str
    title: str
    problem: str | None = None
    owner: str | None = None
    cycle: str
    status: str
    kpi: str
    kpi_options: dict[str, Any] | None = None
    scope: dict[str, list[str]] | None = None
    baseline: dict[str, Any] | None = None
    target: float | None = None
    actions: list[dict[str, Any]] | None = None
    go_live: str | None = None
    standard: dict[str, Any] | None = None
    verdict: dict[str, Any] | None = Field(None, description="The last verification kept.")
    created_at: str | None = None
    updated_at: str | None = None


class InitiativeIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    kpi: str = Field(min_length=1, max_length=64)
    problem: str | None = Field(None, max_length=5000)
    owner: str | None = Field(None, max_length=64)
    scope: list[str] = Field(default_factory=list, max_length=50, description="COLUMN=VALUE")
    kpi_options: dict[str, str | float | int | bool] | None = None
    target: float | None = Field(None, allow_inf_nan=False)
    go_live: date | None = None

    _go_live = field_validator("go_live")(_in_range)


class InitiativeChangeIn(BaseModel):
    title: str | None = Field(None, min_length=1, max_length=300)
    problem: str | None = Field(None, max_length=5000)
    owner: str | None = Field(None, max_length=64)
    status: str | None = Field(None, max_length=16)
    target: float | None = Field(None, allow_inf_nan=False)
    go_live: date | None = None
    add_actions: list[str] = Field(default_factory=list, max_length=50)
    done_actions: list[int] = Field(default_factory=list, max_length=50)
    note: str | None = Field(None, max_length=500)

    _go_live = field_validator("go_live")(_in_range)


class ChangeOut(BaseModel):
    initiative_id: int
    entry: int
    changed_at: str | None = None
    who: str
    what: str
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None


class AuditOut(BaseModel):
    id: int
    at: str
    who: str
    action: str
    object: str
    details: dict[str, Any]


class Verification(BaseModel):
    verdict: str
    sentence: str
    method: str
    reason: str | None = None
    warnings: list[str]
    alerts: list[str]
    evidence: dict[str, Any] = Field(description="Estimate, interval, p-value, n, power.")
    before: list[str] | None = None
    after: list[str] | None = None
    comparison: Any = None
    cohorts: str | None = None
    n: dict[str, Any]
    proposed: dict[str, Any] | None = None


class InitiativeDetail(BaseModel):
    initiative: InitiativeOut
    verification: Verification | None = Field(
        None, description="Verified afresh on the data (nothing kept); None: see reason."
    )
    reason: str | None = None
    changes: list[ChangeOut]
    audit: list[AuditOut]


class Accept(BaseModel):
    key: str = Field(min_length=1, max_length=500)


class SuggestionOut(BaseModel):
    key: str
    finding: str | None = None
    gain_hours_per_month: float | None = None
    title: str | None = None
    kpi: str | None = None
    evidence: str | None = None


def _clean(value: Any) -> Any:
    """JSON-safe: NaN → None, timestamps → ISO text, inside dicts and lists too."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return plain(value)


def _out(record: dict[str, Any]) -> InitiativeOut:
    return InitiativeOut.model_validate(_clean(record))


def _of_log(request: Request, who: Principal, log: str, initiative_id: int) -> dict[str, Any]:
    record = visible_record(request, who, initiative_id)
    if record["log"] != log:
        raise HTTPException(404, "there is no such initiative in this log")
    return record


def _known_log(request: Request, who: Principal, log: str) -> None:
    from pdca.web.desk import desk_for  # noqa: PLC0415

    if log not in desk_for(request, who).logs():
        raise HTTPException(404, "there is no such log in the store")


@router.get("/logs/{log}/initiatives", response_model=list[InitiativeRow], responses=NOT_FOUND)
def list_initiatives(request: Request, who: Viewer, log: str) -> list[InitiativeRow]:
    """The register of ``log``: one row per initiative the user may see, latest verdict."""
    _known_log(request, who, log)
    return [InitiativeRow.model_validate(_clean(r)) for r in visible_rows(request, who, log)]


@router.post(
    "/logs/{log}/initiatives",
    response_model=InitiativeOut,
    status_code=201,
    responses={**NOT_FOUND, 400: {"description": "Invalid initiative"}},
)
def create_initiative(
    request: Request, who: Analyst, log: str, body: InitiativeIn
) -> InitiativeOut:
    """Create an initiative in ``log`` (its baseline is measured at once)."""
    _known_log(request, who, log)
    scope = check_new_scope(who, body.scope)
    try:
        record = improve().new_initiative(
            body.title, kpi=body.kpi, log=log, problem=body.problem, owner=body.owner,
            scope=scope, kpi_options=body.kpi_options, target=body.target,
            go_live=body.go_live, who=who.name, **register_kw(request),
        )  # fmt: skip
    except PdcaError as exc:
        raise HTTPException(400, str(exc)) from None
    return _out(record)


@router.get(
    "/logs/{log}/initiatives/{initiative_id}",
    response_model=InitiativeDetail,
    responses=NOT_FOUND,
)
def get_initiative(request: Request, who: Viewer, log: str, initiative_id: Id) -> InitiativeDetail:
    """One initiative, verified afresh on the data, with its change log and audit entries."""
    record = _of_log(request, who, log, initiative_id)
    try:
        check = improve().verify_initiative(initiative_id, save=False, **register_kw(request))
        view: dict[str, Any] | None = check_view(check)
        reason = None
    except PdcaError as exc:
        view, reason = None, str(exc)
    changes, audit = trail(request, initiative_id)
    verification = None
    if view is not None:
        view.pop("chart", None)
        verification = Verification.model_validate(_clean(view))
    return InitiativeDetail(
        initiative=_out(record),
        verification=verification,
        reason=reason,
        changes=[ChangeOut.model_validate(_clean(c)) for c in changes],
        audit=[AuditOut.model_validate(_clean(a)) for a in audit],
    )


@router.patch(
    "/logs/{log}/initiatives/{initiative_id}",
    response_model=InitiativeOut,
    responses={**NOT_FOUND, 400: {"description": "Invalid change"}},
)
def change_initiative(
    request: Request, who: Analyst, log: str, initiative_id: Id, body: InitiativeChangeIn
) -> InitiativeOut:
    """Change fields, move the status, add or finish actions (each change is logged)."""
    _of_log(request, who, log, initiative_id)
    try:
        record = improve().update_initiative(
            initiative_id, who=who.name, note=body.note, title=body.title,
            problem=body.problem, owner=body.owner, status=body.status, target=body.target,
            go_live=body.go_live, add_actions=body.add_actions, done_actions=body.done_actions,
            **register_kw(request),
        )  # fmt: skip
    except PdcaError as exc:
        raise HTTPException(400, str(exc)) from None
    return _out(record)


@router.post(
    "/logs/{log}/initiatives/{initiative_id}/verify",
    response_model=Verification,
    responses={**NOT_FOUND, 400: {"description": "Cannot be verified yet"}},
)
def verify_initiative(request: Request, who: Analyst, log: str, initiative_id: Id) -> Verification:
    """Verify the effect (before vs after go-live) and keep the verdict."""
    _of_log(request, who, log, initiative_id)
    try:
        check = improve().verify_initiative(initiative_id, who=who.name, **register_kw(request))
    except PdcaError as exc:
        raise HTTPException(400, str(exc)) from None
    view = check_view(check)
    view.pop("chart", None)
    return Verification.model_validate(_clean(view))


@router.post(
    "/logs/{log}/initiatives/{initiative_id}/adopt",
    response_model=InitiativeOut,
    responses={**NOT_FOUND, 400: {"description": "No standard to adopt"}},
)
def adopt_standard(request: Request, who: Owner, log: str, initiative_id: Id) -> InitiativeOut:
    """The owner adopts the control standard the last *improved* verdict proposed."""
    _of_log(request, who, log, initiative_id)
    try:
        record = improve().adopt_standard(initiative_id, who=who.name, **register_kw(request))
    except PdcaError as exc:
        raise HTTPException(400, str(exc)) from None
    return _out(record)


@router.get(
    "/logs/{log}/suggestions",
    response_model=list[SuggestionOut],
    responses={**NOT_FOUND, 403: {"description": "Scoped accounts"}},
)
def list_suggestions(request: Request, who: Viewer, log: str) -> list[SuggestionOut]:
    """Candidate initiatives for ``log`` (for accounts that see the whole desk)."""
    needs_everything(who, "Suggestions")
    _known_log(request, who, log)
    try:
        frame = improve().suggest_initiatives(log=log, store=register_kw(request)["store"])
    except PdcaError as exc:
        raise HTTPException(400, str(exc)) from None
    return [SuggestionOut.model_validate(_clean(r)) for r in frame.to_dict("records")]


@router.post(
    "/logs/{log}/suggestions/accept",
    response_model=InitiativeOut,
    status_code=201,
    responses={**NOT_FOUND, 400: {"description": "No such suggestion"}},
)
def accept_suggestion(request: Request, who: Analyst, log: str, body: Accept) -> InitiativeOut:
    """Create the initiative a suggestion proposes (``key`` from the suggestions)."""
    needs_everything(who, "Suggestions")
    _known_log(request, who, log)
    try:
        record = improve().accept_suggestion(
            body.key, log=log, who=who.name, **register_kw(request)
        )
    except PdcaError as exc:
        raise HTTPException(400, str(exc)) from None
    return _out(record)


__all__ = ["inside", "router"]
