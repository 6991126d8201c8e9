"""The KPI pages: ``/kpis`` (the catalogue with the log's current values, and what is left out)
``/kpis/{kpi}`` (trend per period with n and notes, the control chart, breakdowns, options) and
``/kpis/{kpi}/tickets`` (the tickets behind one value).

Every number comes from the desk (``desk.kpi``, ``desk.monitor_details``, ``desk.kpi_tickets``);
the functions below only shape those answers for the templates and for the REST API
(:mod:`pdca.web.api.kpis` returns the same views as JSON).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from pdca.web.auth import Viewer
from pdca.web.desk import DeskDep
from pdca.web.pages import add_page
from pdca.web.templating import page
from pdca.web.views import kept_view, plain, records

router = APIRouter(include_in_schema=False)
add_page("kpis", "KPIs", "/kpis")

Period = Literal["day", "week", "month"]
Statistic = Literal["mean", "median"]
View = Literal["resolution", "cohort"]
BREAKDOWNS = ("service", "priority", "category", "assignment_group", "assignee")
"""The breakdowns the KPI page offers (those a KPI allows)."""
BREAKDOWN_TITLES = {
    "service": "Service",
    "priority": "Priority",
    "category": "Category",
    "assignment_group": "Assignment group",
    "assignee": "Agent",
}
TICKETS_SHOWN = 500
"""Rows the drill-down page lists (the REST API pages through all of them)."""
_TEXT_MAX = 200


def choose_log(desk: Any, log: str | None) -> tuple[str | None, list[str]]:
    """The log a page shows (``log``, else the store's first) and every log; 404 for a log the
    desk does not hold (or does not let this user see)."""
    logs = desk.logs()
    if log is None:
        return (logs[0] if logs else None), logs
    if log not in logs:
        raise HTTPException(404, "There is no such log in the store.")
    return log, logs


def catalogue(desk: Any) -> dict[str, dict[str, Any]]:
    """The KPI catalogue by id (name, unit, better, definition, follows)."""
    from pdca import api  # noqa: PLC0415 (the analytics stack loads on first use)

    return {str(row["kpi"]): row for row in records(api.kpi_catalogue())}


def known_kpi(desk: Any, kpi: str) -> dict[str, Any]:
    """The catalogue entry of ``kpi``, or 404."""
    found = catalogue(desk).get(kpi)
    if found is None:
        raise HTTPException(404, "There is no such KPI.")
    return found


def kpi_options(kpi: str) -> dict[str, list[str]]:
    """The options of ``kpi`` the page offers as form fields (``statistic``, ``view``), each
    with its choices, the default first."""
    from pdca.methods.kpi.catalogue import get_kpi  # noqa: PLC0415

    fields = get_kpi(kpi).options.model_fields
    offered: dict[str, list[str]] = {}
    if "statistic" in fields:
        default = str(fields["statistic"].default)
        offered["statistic"] = [default, *(s for s in ("mean", "median") if s != default)]
    if "view" in fields:
        offered["view"] = ["resolution", "cohort"]
    return offered


def chosen_options(
    kpi: str, statistic: str | None, view: str | None
) -> dict[str, dict[str, Any]] | None:
    """``options=`` for the desk from the page's form fields (only those the KPI has)."""
    offered = kpi_options(kpi)
    picked: dict[str, Any] = {}
    if statistic and "statistic" in offered:
        picked["statistic"] = statistic
    if view and "view" in offered:
        picked["view"] = view
    return {kpi: picked} if picked else None


def allowed_breakdowns(kpi: str) -> list[str]:
    """Of :data:`BREAKDOWNS`, those ``kpi`` can be broken down by."""
    from pdca.methods.kpi.attribution import ATTRIBUTION_BREAKDOWNS  # noqa: PLC0415
    from pdca.methods.kpi.catalogue import ATTRIBUTION, get_kpi  # noqa: PLC0415

    definition = get_kpi(kpi)
    out = []
    for name in BREAKDOWNS:
        if name in ATTRIBUTION_BREAKDOWNS:
            if kpi in ATTRIBUTION or name in definition.breakdowns or kpi == "time_in_state":
                out.append(name)
        elif definition.ticket_breakdowns or name in definition.breakdowns:
            out.append(name)
    return out


def catalogue_view(desk: Any, log: str) -> dict[str, Any]:
    """``desk.kpi(log=…)`` (every KPI over the whole log, as ``pdca kpi``) with the catalogue,
    the KPIs left out and why, and the objectives in force."""
    return kept_view(desk, "catalogue_view", (log,), lambda: _catalogue_view(desk, log))


def _catalogue_view(desk: Any, log: str) -> dict[str, Any]:
    frame = desk.kpi(log=log)
    names = catalogue(desk)
    rows = []
    for row in records(frame):
        entry = names.get(str(row["kpi"]), {})
        rows.append({**row, **{k: entry.get(k) for k in ("name", "better", "definition")}})
    left_out = {str(k): str(v) for k, v in (frame.attrs.get("left_out") or {}).items()}
    by_reason: dict[str, list[str]] = {}
    for kpi, reason in left_out.items():
        by_reason.setdefault(reason, []).append(kpi)
    return {
        "log": log,
        "rows": rows,
        "left_out": left_out,
        "left_out_by_reason": by_reason,
        "objectives": dict(frame.attrs.get("objectives") or {}),
    }


def trend_view(
    desk: Any,
    log: str,
    kpi: str,
    *,
    period: str | None,
    by: str | None = None,
    options: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``desk.kpi([kpi], period=…, by=…)`` (no period: over the whole log) as rows: ``period``
    (ISO date or None), ``group`` (the breakdown's value, None for the empty label), value, n,
    note, previous, change, statistic."""
    frame = desk.kpi([kpi], log=log, by=[by] if by else [], period=period, options=options)
    rows = [
        {
            "period": _day(row.get("period")),
            "group": _label(row.get(by)) if by else None,
            "value": row.get("value"),
            "n": row.get("n"),
            "note": row.get("note") or "",
            "previous": row.get("previous"),
            "change": row.get("change"),
            "statistic": row.get("statistic"),
            "censored": row.get("censored"),
        }
        for row in records(frame)
    ]
    return {"rows": rows, "unit": _first(frame, "unit"), "statistic": _first(frame, "statistic")}


def breakdown_view(
    desk: Any,
    log: str,
    kpi: str,
    by: str,
    options: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """``desk.kpi([kpi], by=[by])`` over the whole log: one row per value of ``by``."""
    frame = desk.kpi([kpi], log=log, by=[by], options=options)
    return [
        {"group": _label(row.get(by)), "value": row.get("value"), "n": row.get("n")}
        for row in records(frame)
    ]


def chart_view(desk: Any, log: str, kpi: str, period: str) -> dict[str, Any]:
    """The KPI's control chart for the whole desk (``desk.monitor_details(kpis=[kpi],
    by=None)``): pdca's own SVG with n per point and hollow points left out, or why there is
    none; the chart's binding, status, the periods left out and the minimum n."""
    from pdca.render.control_chart import control_chart_svg  # noqa: PLC0415

    found = desk.monitor_details(log=log, kpis=[kpi], by=None, period=period)
    charts = records(found.charts)
    row = charts[0] if charts else {}
    panel = found.panels.get((kpi, "all"))
    svg = None
    if panel is not None and len(panel):
        name = catalogue(desk).get(kpi, {}).get("name") or kpi
        svg = Markup(  # noqa: S704 (pdca's own SVG: every text in it is escaped)
            control_chart_svg(
                panel,
                title=f"{name}, per {period}",
                subtitle=f"{row.get('chart') or ''} chart (default options)",
                y_label=str(name),
                unit=str(row.get("unit") or ""),
                height=240,
            )
        )
    return {
        "svg": svg,
        "chart": row.get("chart"),
        "reason": row.get("reason"),
        "status": row.get("status"),
        "points": row.get("points"),
        "counted": row.get("counted"),
        "centre": row.get("centre"),
        "lcl": row.get("lcl"),
        "ucl": row.get("ucl"),
        "left_out": row.get("left_out") or "",
        "incomplete": found.incomplete.get(kpi, ""),
        "min_n": found.min_n.get(kpi, 0),
        "signals": records(found.signals, ("period", "n", "rule", "effect", "message")),
    }


def tickets_view(
    desk: Any,
    log: str,
    kpi: str,
    *,
    period: str | None,
    start: str | None,
    by: str | None,
    value: str | None,
    options: dict[str, dict[str, Any]] | None,
    limit: int | None = TICKETS_SHOWN,
    offset: int = 0,
) -> dict[str, Any]:
    """``desk.kpi_tickets(…)``: the tickets behind one value, and what the value is."""
    frame = desk.kpi_tickets(
        kpi,
        start,
        period,
        by,
        value,
        log=log,
        options=(options or {}).get(kpi),
    )
    about = dict(frame.attrs)
    total = len(frame)
    end = None if limit is None else offset + limit
    shown = frame.iloc[offset:end]
    return {
        "tickets": [{k: _cell(v) for k, v in row.items()} for row in records(shown)],
        "total": total,
        "offset": offset,
        "value": plain(about.get("value")),
        "n": plain(about.get("n")),
        "unit": about.get("unit"),
        "aggregation": about.get("aggregation"),
        "scale": plain(about.get("scale")),
        "rule": about.get("rule"),
    }


def attribution_rule(kpi: str, by: str | None) -> dict[str, Any] | None:
    """For a team or agent breakdown: whose group and agent ``kpi``'s tickets go to and the
    rules it names, word for word (:func:`pdca.api.measure.kpi_attribution`); else None."""
    from pdca.api.measure import kpi_attribution  # noqa: PLC0415

    return kpi_attribution(kpi, by)


def _cell(value: Any) -> Any:
    """A cell as JSON has it (pandas' missing value ``NA`` too: None)."""
    if value is not None and type(value).__name__ == "NAType":
        return None
    return plain(value)


def _first(frame: Any, column: str) -> Any:
    return plain(frame[column].iloc[0]) if column in frame and len(frame) else None


def _day(value: Any) -> str | None:
    text = plain(value)
    return None if text is None else str(text)[:10]


def _label(value: Any) -> str | None:
    text = plain(value)
    return None if text is None else str(text)


def bounded_text(value: str | None) -> str | None:
    if value is not None and len(value) > _TEXT_MAX:
        raise HTTPException(400, "That value is too long.")
    return value


def check_by(kpi: str, by: str | None) -> str | None:
    if not by:
        return None
    if by not in allowed_breakdowns(kpi):
        raise HTTPException(400, f"This KPI is not broken down by {by}.")
    return by


@router.get("/kpis", response_class=HTMLResponse)
def kpis(request: Request, who: Viewer, desk: DeskDep, log: str | None = None) -> HTMLResponse:
    """The catalogue of the log's KPIs with their current values, and what was left out."""
    name, logs = choose_log(desk, log)
    view = catalogue_view(desk, name) if name is not None else None
    return page(request, "kpis.html", nav_key="kpis", title="KPIs", view=view, logs=logs)


@router.get("/kpis/{kpi}/tickets", response_class=HTMLResponse)
def kpi_tickets(
    request: Request,
    who: Viewer,
    desk: DeskDep,
    kpi: str,
    log: str | None = None,
    period: Period | None = None,
    start: str | None = None,
    by: str | None = None,
    value: str | None = None,
    statistic: Statistic | None = None,
    view: View | None = None,
) -> HTMLResponse:
    """The tickets behind one value of the KPI: one period (``period`` + ``start``) and/or one
    breakdown row (``by`` + ``value``; no ``value``: the empty label)."""
    name, _logs = choose_log(desk, log)
    entry = known_kpi(desk, kpi)
    if name is None:
        raise HTTPException(404, "The store holds no log yet.")
    by = check_by(kpi, by)
    options = chosen_options(kpi, statistic, view)
    found = tickets_view(
        desk,
        name,
        kpi,
        period=period,
        start=bounded_text(start),
        by=by,
        value=bounded_text(value),
        options=options,
    )
    return page(
        request,
        "kpi_tickets.html",
        nav_key="kpis",
        title=f"{entry.get('name') or kpi}: tickets",
        log=name,
        kpi=kpi,
        entry=entry,
        period=period,
        start=start,
        by=by,
        by_title=BREAKDOWN_TITLES.get(by or "", by),
        value=value,
        statistic=statistic,
        view=view,
        found=found,
        shown=TICKETS_SHOWN,
    )


@router.get("/kpis/{kpi}", response_class=HTMLResponse)
def kpi_page(
    request: Request,
    who: Viewer,
    desk: DeskDep,
    kpi: str,
    log: str | None = None,
    period: Period = "week",
    by: str | None = None,
    statistic: Statistic | None = None,
    view: View | None = None,
) -> HTMLResponse:
    """One KPI: its trend per period with n and notes, its control chart, a breakdown, options."""
    name, logs = choose_log(desk, log)
    entry = known_kpi(desk, kpi)
    if name is None:
        raise HTTPException(404, "The store holds no log yet.")
    offered = allowed_breakdowns(kpi)
    by = check_by(kpi, by) or default_breakdown(kpi)
    trend, chart, breakdown = kpi_page_views(desk, name, kpi, period, by, statistic, view)
    return page(
        request,
        "kpi.html",
        nav_key="kpis",
        title=str(entry.get("name") or kpi),
        log=name,
        logs=logs,
        kpi=kpi,
        entry=entry,
        period=period,
        by=by,
        breakdowns=[(b, BREAKDOWN_TITLES[b]) for b in offered],
        by_title=BREAKDOWN_TITLES.get(by or "", by),
        rule=attribution_rule(kpi, by),
        options=kpi_options(kpi),
        statistic=statistic,
        view=view,
        trend=trend,
        chart=chart,
        breakdown=breakdown,
        drillable=drillable(kpi, view),
    )


def kpi_page_views(
    desk: Any,
    name: str,
    kpi: str,
    period: str,
    by: str | None,
    statistic: str | None = None,
    view: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """What the KPI page shows of ``kpi``: its trend, its control chart and its breakdown by
    ``by`` (the page's handler and the app's warm-up, :mod:`pdca.web.warm`, both ask this),
    kept by the desk (:func:`pdca.web.views.kept_view`)."""
    return kept_view(
        desk,
        "kpi_page_views",
        (name, kpi, period, by, statistic, view),
        lambda: _kpi_page_views(desk, name, kpi, period, by, statistic, view),
    )


def _kpi_page_views(
    desk: Any,
    name: str,
    kpi: str,
    period: str,
    by: str | None,
    statistic: str | None,
    view: str | None,
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    options = chosen_options(kpi, statistic, view)
    trend = trend_view(desk, name, kpi, period=period, options=options)
    chart = chart_view(desk, name, kpi, period)
    breakdown = breakdown_view(desk, name, kpi, by, options) if by else []
    return trend, chart, breakdown


def default_breakdown(kpi: str) -> str | None:
    """The breakdown the KPI page shows when none is asked for."""
    offered = allowed_breakdowns(kpi)
    return offered[0] if offered else None


def drillable(kpi: str, view: str | None) -> bool:
    """Whether the tickets behind a value can be listed (not for stocks or the cohort view)."""
    from pdca.methods.kpi.catalogue import get_kpi  # noqa: PLC0415

    return not get_kpi(kpi).snapshot and view != "cohort"
