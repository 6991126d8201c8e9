"""The process map explorer (``/process-map``): pdca's own SVG map of a log under filters (time
frame, most frequent variants, a step passed through, start and end steps, priority, service,
category, assignment group), with frequency or performance labels and the pruning thresholds,
and beside it the ping-pong, escalation, bottleneck and conformance views as tables — each
stating how many tickets the filter keeps and the filter in words. ``/process-map.svg`` gives
the drawing as a file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from pdca.web.api.mining import (
    ATTRIBUTES,
    DURATION_COLUMNS,
    LABELS,
    VIEWS,
    MapFilter,
    draw,
    mined,
    svg_response,
    tickets_in,
)
from pdca.web.auth import Viewer
from pdca.web.desk import DeskDep
from pdca.web.pages import add_page
from pdca.web.templating import page
from pdca.web.views import records

router = APIRouter(include_in_schema=False)
add_page("process-map", "Process map", "/process-map")

VIEW_TITLES = {
    "map": "Map",
    "pingpong": "Ping-pong",
    "escalation": "Escalation",
    "bottlenecks": "Bottlenecks",
    "conformance": "Conformance",
}
HIDDEN_PARTS = {"tickets", "deviations"}
"""Per-ticket tables are not shown on the page (the API gives them)."""
ROWS_SHOWN = 50
VALUES_OFFERED = 50
SHARE_COLUMNS = frozenset(
    {"share", "escalation_share", "push_to_front_share", "mean_fitness", "fitness"}
)
Text = Annotated[str, Query(max_length=200)]


@dataclass(frozen=True)
class Settings:
    """What the form asks besides the filter: the log, the view, the label and the pruning."""

    log: str
    view: str
    label: str
    max_activities: int | None
    min_edge_pct: int


def _date(name: str, text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise HTTPException(400, f"{name}: {text!r} is not a date (write 2025-03-01)") from None


def _whole(name: str, text: str, low: int, high: int) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit() or not low <= int(text) <= high:
        raise HTTPException(400, f"{name}: give a whole number from {low} to {high}")
    return int(text)


def _filter(params: dict[str, str]) -> MapFilter:
    return MapFilter.of(
        start=_date("from", params.get("from", "")),
        end=_date("to", params.get("to", "")),
        priority=params.get("priority"),
        service=params.get("service"),
        category=params.get("category"),
        group=params.get("group"),
        starts=params.get("starts"),
        ends=params.get("ends"),
        through=params.get("through"),
        variants=_whole("variants", params.get("variants", ""), 1, 10_000),
    )


def _settings(desk: Any, params: dict[str, str]) -> Settings:
    logs = desk.logs()
    log = params.get("log") or (logs[0] if logs else "")
    if log not in logs:
        raise HTTPException(404, "there is no such log in the store")
    view = params.get("view") or "map"
    if view not in VIEW_TITLES:
        raise HTTPException(400, f"unknown view {view!r}: use {', '.join(VIEW_TITLES)}")
    label = params.get("label") or "frequency"
    if label not in LABELS:
        raise HTTPException(400, f"unknown label {label!r}: use {', '.join(LABELS)}")
    share = _whole("min_edge_share", params.get("min_edge_share", ""), 0, 100)
    return Settings(
        log=log,
        view=view,
        label=label,
        max_activities=_whole("max_activities", params.get("max_activities", ""), 1, 1000),
        min_edge_pct=share or 0,
    )


def _params(request: Request) -> dict[str, str]:
    params = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
    if any(len(v) > 200 for v in params.values()):
        raise HTTPException(400, "a filter value is longer than 200 characters")
    return params


def _query(chosen: MapFilter, settings: Settings, **changes: Any) -> str:
    values: dict[str, Any] = {"log": settings.log, **chosen.query()}
    values.update(
        label=settings.label,
        min_edge_share=settings.min_edge_pct,
        view=settings.view,
    )
    if settings.max_activities is not None:
        values["max_activities"] = settings.max_activities
    values.update(changes)
    return urlencode({k: v for k, v in values.items() if v is not None})


def _options(desk: Any, log: str, chosen: MapFilter) -> dict[str, list[str]]:
    """The values offered for each attribute and step (most frequent first; the chosen value
    stays offered even when it is not among them)."""
    offered = {}
    for field, column, _ in ATTRIBUTES:
        values = desk.column_values(column, log=log, limit=VALUES_OFFERED)
        offered[field] = _with(values, getattr(chosen, field))
    steps = desk.column_values("activity", log=log, limit=200)
    for name in ("starts", "ends", "through"):
        offered[name] = _with(steps, getattr(chosen, name))
    return offered


def _with(values: list[str], chosen: str | None) -> list[str]:
    return values if chosen is None or chosen in values else [*values, chosen]


def show(column: str, value: Any) -> Any:
    """A cell of a mining table as the page shows it: seconds as durations, shares in %,
    sequences joined by arrows."""
    from pdca.render import format_duration  # noqa: PLC0415

    if value is None:
        return ""
    if isinstance(value, (tuple, list)) or (
        hasattr(value, "tolist") and not isinstance(value, (int, float))
    ):
        items = value.tolist() if hasattr(value, "tolist") else value
        return " → ".join(str(v) for v in items)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column in DURATION_COLUMNS and isinstance(value, (int, float)):
        return format_duration(float(value))
    if column in SHARE_COLUMNS and isinstance(value, float):
        return f"{value:.1%}"
    return value


def _tables(desk: Any, log: str, view: str, texts: list[str]) -> list[dict[str, Any]]:
    parts = mined(desk, log, view, texts, by="assignment_group", top=None)
    out = []
    for name, frame in parts.items():
        if name in HIDDEN_PARTS:
            continue
        rows = records(frame.head(ROWS_SHOWN))
        out.append(
            {
                "name": name,
                "columns": list(frame.columns),
                "rows": [{c: show(c, v) for c, v in r.items()} for r in rows],
                "total": len(frame),
            }
        )
    return out


@router.get("/process-map", response_class=HTMLResponse)
def process_map(request: Request, who: Viewer, desk: DeskDep) -> HTMLResponse:
    """The explorer: the filter form, n and the filter in words, then the map or a view."""
    params = _params(request)
    logs = desk.logs()
    if not logs:
        return page(
            request, "process_map.html", nav_key="process-map", title="Process map", empty=True
        )
    settings = _settings(desk, params)
    chosen = _filter(params)
    texts = chosen.texts()
    log = settings.log
    context: dict[str, Any] = {
        "empty": False,
        "logs": logs,
        "log": log,
        "settings": settings,
        "chosen": chosen,
        "texts": texts,
        "words": chosen.words(),
        "tickets": tickets_in(desk, log, texts),
        "options": _options(desk, log, chosen),
        "attributes": ATTRIBUTES,
        "labels": LABELS,
        "views": [
            (key, title, _query(chosen, settings, view=key)) for key, title in VIEW_TITLES.items()
        ],
        "svg": None,
        "tables": [],
        "query": _query(chosen, settings),
        "api_query": urlencode(chosen.query()),
    }
    share = settings.min_edge_pct / 100
    if settings.view == "map" and context["tickets"]:
        svg = draw(
            desk,
            log,
            texts,
            label=settings.label,
            max_activities=settings.max_activities,
            min_edge_share=share,
        )
        context["svg"] = Markup(svg)  # noqa: S704 (pdca's own SVG: every name in it is escaped)
    elif settings.view != "map" and context["tickets"]:
        context["tables"] = _tables(desk, log, settings.view, texts)
    return page(
        request,
        "process_map.html",
        nav_key="process-map",
        title=f"Process map: {log}",
        **context,
    )


@router.get("/process-map.svg")
def process_map_svg(request: Request, who: Viewer, desk: DeskDep) -> Response:
    """The map of the page's filters as an SVG file to download."""
    params = _params(request)
    settings = _settings(desk, params)
    chosen = _filter(params)
    svg = draw(
        desk,
        settings.log,
        chosen.texts(),
        label=settings.label,
        max_activities=settings.max_activities,
        min_edge_share=settings.min_edge_pct / 100,
    )
    return svg_response(svg, settings.log, download=True)


__all__ = ["VIEWS", "process_map", "process_map_svg", "router"]
