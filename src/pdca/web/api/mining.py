"""``/api/logs/{log}/process-map`` and ``/api/logs/{log}/mine/{view}``: the process map (JSON
nodes and edges, or pdca's own SVG) and the process-mining views, under the same filters as the
process map page (:class:`MapFilter`, turned into ``pdca mine --filter`` texts)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from pdca.web.auth import Viewer
from pdca.web.desk import DeskDep
from pdca.web.views import records

router = APIRouter(prefix="/api", tags=["process mining"])

ATTRIBUTES = (
    ("priority", "priority", "Priority"),
    ("service", "service", "Service"),
    ("category", "category", "Category"),
    ("group", "assignment_group", "Assignment group"),
)
"""The attribute filters: form field, canonical column, label."""
LABELS = {
    "frequency": "count (how often B directly follows A)",
    "cases": "tickets (how many tickets contain A → B)",
    "median": "median waiting time from A to B",
    "mean": "mean waiting time from A to B",
}
"""The edge labels the explorer offers (frequency and performance)."""
EdgeLabel = Literal["frequency", "cases", "median", "mean"]
VIEWS = ("pingpong", "escalation", "bottlenecks", "conformance")
"""The analyses shown beside the map (each a view of :func:`pdca.api.mine`)."""
MineView = Literal[
    "dfg",
    "variants",
    "durations",
    "handover",
    "start",
    "end",
    "pingpong",
    "escalation",
    "chains",
    "rework",
    "bottlenecks",
    "conformance",
]
By = Literal["assignment_group", "resource", "service", "category", "priority"]
DURATION_COLUMNS = frozenset(
    {
        "total_away",
        "mean_away",
        "total_cost",
        "mean_cost",
        "median_cost",
        "cost",
        "total",
        "mean",
        "median",
        "min",
        "max",
        "p90",
        "stdev",
        "mean_duration",
        "median_duration",
        "duration",
    }
)
"""Columns of the mining tables that hold seconds (docs/mining.md: all times in seconds)."""
TEXT_MAX = 200


def _text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


@dataclass(frozen=True)
class MapFilter:
    """The explorer's filters, applied in this order: time frame, attributes, start step, end
    step, passes through, then the most frequent variants of what is left."""

    start: date | None = None
    end: date | None = None
    priority: str | None = None
    service: str | None = None
    category: str | None = None
    group: str | None = None
    starts: str | None = None
    ends: str | None = None
    through: str | None = None
    variants: int | None = None

    @classmethod
    def of(cls, **values: Any) -> MapFilter:
        """From query values (blank text is no filter)."""
        clean: dict[str, Any] = {
            k: (_text(v) if isinstance(v, str) else v) for k, v in values.items()
        }
        return cls(**clean)

    def query(self) -> dict[str, str]:
        """The filter as query parameters of the page (``from``/``to`` for the frame)."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            key = {"start": "from", "end": "to"}.get(f.name, f.name)
            out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def texts(self) -> list[str]:
        """The filters as ``pdca mine --filter`` texts, in the order they apply (a value holding
        a comma cannot be written there: HTTP 400)."""
        out = []
        if self.start is not None:
            out.append(f"from={self.start.isoformat()}")
        if self.end is not None:
            out.append(f"to={self.end.isoformat()}")
        for field, column, _ in ATTRIBUTES:
            value = getattr(self, field)
            if value is not None:
                out.append(f"{column}={_one(value)}")
        for name in ("starts", "ends", "through"):
            value = getattr(self, name)
            if value is not None:
                out.append(f"{name}={_one(value)}")
        if self.variants is not None:
            out.append(f"top-variants={self.variants}")
        return out

    def words(self) -> str:
        """The filter in words, as the page states it."""
        parts = []
        if self.start is not None or self.end is not None:
            since = self.start.isoformat() if self.start else "the first event"
            until = f"before {self.end.isoformat()}" if self.end else "to the last event"
            parts.append(f"whose life overlaps {since} {until} (UTC)")
        for field, _, label in ATTRIBUTES:
            value = getattr(self, field)
            if value is not None:
                parts.append(f"with {label.lower()} {value!r} on at least one event")
        if self.starts is not None:
            parts.append(f"starting with step {self.starts!r}")
        if self.ends is not None:
            parts.append(f"ending with step {self.ends!r}")
        if self.through is not None:
            parts.append(f"passing through step {self.through!r}")
        if self.variants is not None:
            parts.append(f"of the {self.variants} most frequent variants of those")
        if not parts:
            return "All tickets of the log (no filter)."
        return "Tickets " + "; ".join(parts) + "."


def _one(value: str) -> str:
    if any(ord(c) < 32 or c == "\x7f" for c in value):
        raise HTTPException(400, "a filter value holds a control character: choose another value")
    if "," in value:
        raise HTTPException(
            400, f"{value!r} holds a comma, which a mining filter cannot name: choose another value"
        )
    return value


def map_filter(
    start: Annotated[date | None, Query(alias="from", description="Tickets from (UTC).")] = None,
    end: Annotated[date | None, Query(alias="to", description="Tickets before (UTC).")] = None,
    priority: Annotated[str | None, Query(max_length=TEXT_MAX)] = None,
    service: Annotated[str | None, Query(max_length=TEXT_MAX)] = None,
    category: Annotated[str | None, Query(max_length=TEXT_MAX)] = None,
    group: Annotated[
        str | None, Query(max_length=TEXT_MAX, description="An assignment group.")
    ] = None,
    starts: Annotated[
        str | None, Query(max_length=TEXT_MAX, description="First step of the ticket.")
    ] = None,
    ends: Annotated[
        str | None, Query(max_length=TEXT_MAX, description="Last step of the ticket.")
    ] = None,
    through: Annotated[
        str | None, Query(max_length=TEXT_MAX, description="A step the ticket passes through.")
    ] = None,
    variants: Annotated[
        int | None,
        Query(ge=1, le=10_000, description="Only the tickets of the N most frequent variants."),
    ] = None,
) -> MapFilter:
    """The filter from the query (a FastAPI dependency shared by the page and the API)."""
    return MapFilter.of(
        start=start,
        end=end,
        priority=priority,
        service=service,
        category=category,
        group=group,
        starts=starts,
        ends=ends,
        through=through,
        variants=variants,
    )


def check_log(desk: Any, log: str) -> None:
    """404 unless ``log`` is a log this user sees."""
    if log not in desk.logs():
        raise HTTPException(404, "there is no such log in the store")


def tickets_in(desk: Any, log: str, texts: list[str]) -> int:
    """How many tickets the filter keeps (each kept ticket starts once: the start table's
    tickets add up to them)."""
    start = desk.mine("start", log=log, filters=texts)
    return int(start["cases"].sum()) if len(start) else 0


@dataclass(frozen=True)
class MapTables:
    """The process map as tables: what is drawn after pruning and how much there was."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    start: list[dict[str, Any]]
    end: list[dict[str, Any]]
    all_activities: int
    all_edges: int


def map_tables(
    desk: Any, log: str, texts: list[str], max_activities: int | None, min_edge_share: float
) -> MapTables:
    """The nodes and edges the SVG draws (the same pruning rules: pdca.render.prune_process_map)
    from the desk's ``dfg``, ``start`` and ``end`` views."""
    from pdca.render import prune_process_map  # noqa: PLC0415

    edges = desk.mine("dfg", log=log, filters=texts)
    start = desk.mine("start", log=log, filters=texts)
    end = desk.mine("end", log=log, filters=texts)
    pruned = prune_process_map(
        edges, start, end, max_activities=max_activities, min_edge_share=min_edge_share
    )
    nodes = [{"activity": a, "count": int(pruned.counts[a])} for a in pruned.activities]
    return MapTables(
        nodes=nodes,
        edges=records(pruned.edges),
        start=records(pruned.start) if pruned.start is not None else [],
        end=records(pruned.end) if pruned.end is not None else [],
        all_activities=pruned.all_activities,
        all_edges=pruned.all_edges,
    )


def draw(
    desk: Any,
    log: str,
    texts: list[str],
    *,
    label: str,
    max_activities: int | None,
    min_edge_share: float,
) -> str:
    """pdca's own SVG of the map (:func:`pdca.api.process_map` on the desk)."""
    return str(
        desk.process_map(
            log=log,
            filters=texts,
            label=label,
            max_activities=max_activities,
            min_edge_share=min_edge_share,
        )
    )


def svg_response(svg: str, log: str, *, download: bool) -> Response:
    """The SVG as ``image/svg+xml`` (an attachment when ``download``)."""
    headers = {}
    if download:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in log)[:80] or "log"
        headers["Content-Disposition"] = f'attachment; filename="process-map-{safe}.svg"'
    return Response(svg, media_type="image/svg+xml", headers=headers)


class MapNode(BaseModel):
    activity: str
    count: int = Field(description="How many times the step occurs (docs/process-map.md rule 1).")


class MapEdge(BaseModel):
    model_config = {"extra": "allow"}

    source: str
    target: str
    frequency: int
    cases: int | None = None
    median: float | None = Field(None, description="Median waiting time, seconds.")
    mean: float | None = Field(None, description="Mean waiting time, seconds.")


class MapEnd(BaseModel):
    activity: str
    cases: int


class ProcessMap(BaseModel):
    log: str
    tickets: int = Field(description="Tickets in the filter (n).")
    filters: list[str] = Field(description="The filters as pdca mine --filter texts, in order.")
    filter_words: str
    label: str
    max_activities: int | None
    min_edge_share: float
    activities_shown: int
    activities_all: int
    edges_shown: int
    edges_all: int
    nodes: list[MapNode]
    edges: list[MapEdge]
    start: list[MapEnd] = Field(description="Kept edges from the artificial start.")
    end: list[MapEnd] = Field(description="Kept edges to the artificial end.")


class MinedTable(BaseModel):
    log: str
    view: str
    part: str
    parts: list[str] = Field(description="Every table of the view.")
    tickets: int = Field(description="Tickets in the filter (n).")
    filters: list[str]
    filter_words: str
    total: int = Field(description="Rows of the table (before limit and offset).")
    rows: list[dict[str, Any]] = Field(description="Times in seconds.")


Filter = Annotated[MapFilter, Depends(map_filter)]


@router.get(
    "/logs/{log:path}/process-map",
    response_model=ProcessMap,
    responses={
        200: {"content": {"image/svg+xml": {}}},
        400: {"description": "A filter that cannot be applied"},
        404: {"description": "No such log"},
    },
)
def process_map(
    who: Viewer,
    desk: DeskDep,
    chosen: Filter,
    log: str,
    label: EdgeLabel = "frequency",
    max_activities: Annotated[int | None, Query(ge=1, le=1000)] = None,
    min_edge_share: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    format: Literal["json", "svg"] = "json",
) -> Any:
    """The process map of ``log`` under the filters: nodes and edges as drawn (after pruning),
    or with ``format=svg`` pdca's own SVG drawing."""
    check_log(desk, log)
    texts = chosen.texts()
    if format == "svg":
        svg = draw(
            desk,
            log,
            texts,
            label=label,
            max_activities=max_activities,
            min_edge_share=min_edge_share,
        )
        return svg_response(svg, log, download=False)
    tables = map_tables(desk, log, texts, max_activities, min_edge_share)
    return ProcessMap(
        log=log,
        tickets=tickets_in(desk, log, texts),
        filters=texts,
        filter_words=chosen.words(),
        label=label,
        max_activities=max_activities,
        min_edge_share=min_edge_share,
        activities_shown=len(tables.nodes),
        activities_all=tables.all_activities,
        edges_shown=len(tables.edges),
        edges_all=tables.all_edges,
        nodes=[MapNode.model_validate(n) for n in tables.nodes],
        edges=[MapEdge.model_validate(e) for e in tables.edges],
        start=[MapEnd.model_validate(e) for e in tables.start],
        end=[MapEnd.model_validate(e) for e in tables.end],
    )


def mined(
    desk: Any, log: str, view: str, texts: list[str], *, by: str, top: int | None
) -> dict[str, Any]:
    """Every table of a mining view (``desk.mine_parts``) as the page and the API show it."""
    return dict(desk.mine_parts(view, log=log, by=by, top=top, filters=texts))


@router.get(
    "/logs/{log:path}/mine/{view}",
    response_model=MinedTable,
    responses={
        400: {"description": "A filter or part that cannot be applied"},
        404: {"description": "No such log"},
    },
)
def mine(
    who: Viewer,
    desk: DeskDep,
    chosen: Filter,
    log: str,
    view: MineView,
    part: Annotated[str | None, Query(max_length=40)] = None,
    by: By = "assignment_group",
    top: Annotated[int | None, Query(ge=1, le=1000)] = None,
    limit: Annotated[int, Query(ge=0, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> MinedTable:
    """One table (``part``; default the view's main one) of a process-mining view of ``log``
    (:func:`pdca.api.mine`) under the filters, at most ``limit`` rows after ``offset``."""
    check_log(desk, log)
    texts = chosen.texts()
    parts = mined(desk, log, view, texts, by=by, top=top)
    name = part or next(iter(parts))
    if name not in parts:
        raise HTTPException(400, f"the {view} view has no part {name!r}: use {', '.join(parts)}")
    table = parts[name]
    return MinedTable(
        log=log,
        view=view,
        part=name,
        parts=list(parts),
        tickets=tickets_in(desk, log, texts),
        filters=texts,
        filter_words=chosen.words(),
        total=len(table),
        rows=[_jsonable(r) for r in records(table.iloc[offset : offset + limit])],
    )


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """Sequences (variants, paths) as lists of text; NaN already None."""
    return {k: (list(map(str, v)) if isinstance(v, (tuple, list)) else v) for k, v in row.items()}
