"""``/api/logs/{log}/sla/…``: the SLA clocks of a log — the summary per priority and service (as
``pdca sla``), the clocks in one state (running, about to breach, breached) most urgent first,
and compliance by assignment group (the group that stopped the clock) — with the objectives in
force and whether they are pdca's defaults."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from pdca.web.api.mining import check_log
from pdca.web.auth import Viewer
from pdca.web.desk import DeskDep
from pdca.web.views import kept_view, records

router = APIRouter(prefix="/api", tags=["sla"])

STATES = {"running": "running", "urgent": "about_to_breach", "breached": "breached"}
"""The REST names of the clock states and the summary counts they list."""
State = Literal["running", "urgent", "breached"]
CLOCK_COLUMNS = (
    "case_id",
    "service",
    "priority",
    "clock",
    "calendar",
    "target_s",
    "started_at",
    "stopped_at",
    "running",
    "elapsed_s",
    "paused_s",
    "breached",
    "time_to_breach_s",
    "source_met",
)
SUMMARY_COLUMNS = (
    "by",
    "group",
    "clock",
    "clocks",
    "met",
    "breached",
    "running",
    "about_to_breach",
    "compliance",
)
GROUP_KPIS = ("sla_resolution", "sla_response")
GROUP_COLUMN = "assignment_group"
_CELLS = tuple(f"{k}_{v}" for k in GROUP_KPIS for v in ("pct", "n"))


def objectives_of(frame: Any) -> dict[str, Any]:
    """The objectives a result declares, with ``defaults``: the parts that are pdca's built-in
    ones (not set by the file)."""
    found = dict(frame.attrs.get("objectives") or {})
    parts = found.get("parts") or {}
    found["defaults"] = [p for p, origin in parts.items() if origin != "file"]
    return found


def summary_rows(
    desk: Any, log: str, clocks: Any = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``pdca sla --summary`` of the log (or of its ``clocks`` already read) as rows, and the
    objectives in force."""
    if clocks is None:
        return kept_view(desk, "summary_rows", (log,), lambda: _summary_rows(desk, log, None))
    return _summary_rows(desk, log, clocks)


def _summary_rows(desk: Any, log: str, clocks: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    summary = desk.sla_summary(clocks, log=log)
    return records(summary, SUMMARY_COLUMNS), objectives_of(summary)


def clock_rows(
    desk: Any, log: str, state: str, limit: int, offset: int, clocks: Any = None
) -> tuple[list[dict[str, Any]], int, dict[str, Any]]:
    """The clocks behind one summary count (``running``, ``about_to_breach``, ``breached``),
    most urgent first: one page of them, how many there are, and the objectives in force."""
    if clocks is None:
        return kept_view(
            desk,
            "clock_rows",
            (log, state, limit, offset),
            lambda: _clock_rows(desk, log, state, limit, offset, None),
        )
    return _clock_rows(desk, log, state, limit, offset, clocks)


def _clock_rows(
    desk: Any, log: str, state: str, limit: int, offset: int, clocks: Any
) -> tuple[list[dict[str, Any]], int, dict[str, Any]]:
    shown = desk.sla_clocks(state, clocks, log=log, limit=limit, offset=offset)
    return records(shown, CLOCK_COLUMNS), int(shown.attrs["total"]), objectives_of(shown)


def group_rows(desk: Any, log: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """SLA compliance (``sla_resolution``, ``sla_response``) per assignment group over the whole
    log: each ticket goes to the group at the event that stopped its clock (docs/kpis.md,
    "Breakdowns by team and agent")."""
    return kept_view(desk, "group_rows", (log,), lambda: _group_rows(desk, log))


def _group_rows(desk: Any, log: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    frame = desk.kpi(list(GROUP_KPIS), log=log, by=[GROUP_COLUMN])
    found = objectives_of(frame)
    by_group: dict[str, dict[str, Any]] = {}
    for row in records(frame, ("kpi", GROUP_COLUMN, "value", "n")):
        name = row[GROUP_COLUMN] if row[GROUP_COLUMN] not in (None, "") else "(none)"
        entry = by_group.setdefault(str(name), {"group": str(name), **dict.fromkeys(_CELLS)})
        entry[f"{row['kpi']}_pct"] = row["value"]
        entry[f"{row['kpi']}_n"] = row["n"]
    rows = sorted(by_group.values(), key=lambda r: str(r["group"]))
    return rows, found


class Objectives(BaseModel):
    model_config = {"extra": "allow"}

    source: str | None = None
    found_by: str | None = None
    note: str | None = None
    parts: dict[str, str] = Field(default_factory=dict)
    defaults: list[str] = Field(description="Parts that are pdca's built-in defaults.")
    sla: list[dict[str, Any]] = Field(default_factory=list, description="The SLA targets.")


class SummaryRow(BaseModel):
    by: str = Field(description="all, priority or service")
    group: str
    clock: str
    clocks: int = Field(description="Measured: with a target and a measurement.")
    met: int
    breached: int
    running: int = Field(description="Still running, within the target.")
    about_to_breach: int = Field(description="Running with less than 20 % of the target left.")
    compliance: float | None = Field(None, description="met / (met + breached), 0-1.")


class SlaSummary(BaseModel):
    log: str
    about_to_breach_share: float = Field(
        description="A running clock is about to breach with less than this share of its "
        "target left."
    )
    objectives: Objectives
    rows: list[SummaryRow]


class ClockRow(BaseModel):
    case_id: str
    service: str | None = None
    priority: str | None = None
    clock: str
    calendar: str | None = None
    target_s: float | None = None
    started_at: str | None = None
    stopped_at: str | None = None
    running: bool | None = None
    elapsed_s: float | None = None
    paused_s: float | None = None
    breached: bool | None = None
    time_to_breach_s: float | None = None
    source_met: bool | None = None


class SlaClocks(BaseModel):
    log: str
    state: str = Field(description="running, urgent (about to breach) or breached")
    total: int = Field(description="Clocks in this state (before limit and offset).")
    objectives: Objectives
    rows: list[ClockRow]


class GroupRow(BaseModel):
    group: str
    sla_resolution_pct: float | None = None
    sla_resolution_n: int | None = None
    sla_response_pct: float | None = None
    sla_response_n: int | None = None


class SlaGroups(BaseModel):
    log: str
    attribution: str
    objectives: Objectives
    rows: list[GroupRow]


ATTRIBUTION = (
    "each ticket's clock goes to the assignment group at the event that stopped it (the "
    "resolving group for the resolution clock, the first responder's for the response clock), "
    "over the whole log"
)


@router.get(
    "/logs/{log:path}/sla/summary",
    response_model=SlaSummary,
    responses={404: {"description": "No such log"}},
)
def summary(who: Viewer, desk: DeskDep, log: str) -> SlaSummary:
    """How the SLA clocks of ``log`` stand per clock, overall, per priority and per service
    (``pdca sla --summary``), with the objectives in force."""
    from pdca.api.measure import ABOUT_TO_BREACH  # noqa: PLC0415

    check_log(desk, log)
    rows, found = summary_rows(desk, log)
    return SlaSummary(
        log=log,
        about_to_breach_share=ABOUT_TO_BREACH,
        objectives=Objectives.model_validate(found),
        rows=[SummaryRow.model_validate(r) for r in rows],
    )


@router.get(
    "/logs/{log:path}/sla/clocks",
    response_model=SlaClocks,
    responses={404: {"description": "No such log"}},
)
def clocks(
    who: Viewer,
    desk: DeskDep,
    log: str,
    state: State = "urgent",
    limit: Annotated[int, Query(ge=0, le=10_000)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> SlaClocks:
    """The clocks of ``log`` in one state — ``running`` (within the target), ``urgent`` (about to
    breach: running with less than 20 % of the target left) or ``breached`` — most urgent first:
    least time to breach first, breached ones by overrun. Times in seconds."""
    check_log(desk, log)
    rows, total, found = clock_rows(desk, log, STATES[state], limit, offset)
    return SlaClocks(
        log=log,
        state=state,
        total=total,
        objectives=Objectives.model_validate(found),
        rows=[ClockRow.model_validate(r) for r in rows],
    )


@router.get(
    "/logs/{log:path}/sla/groups",
    response_model=SlaGroups,
    responses={404: {"description": "No such log"}},
)
def groups(who: Viewer, desk: DeskDep, log: str) -> SlaGroups:
    """SLA compliance per assignment group (KPIs ``sla_resolution`` and ``sla_response`` in %,
    with n), the clock attributed to the group that stopped it."""
    check_log(desk, log)
    rows, found = group_rows(desk, log)
    return SlaGroups(
        log=log,
        attribution=ATTRIBUTION,
        objectives=Objectives.model_validate(found),
        rows=[GroupRow.model_validate(r) for r in rows],
    )
