"""The process map (directly-follows graph) as a standalone SVG document.

Input are the plain tables of :mod:`pdca.methods.mining`: ``process_map`` (edges), and
optionally ``start_activities`` and ``end_activities``. Which steps and edges are drawn is
decided by :func:`pdca.render.prune.prune_process_map`; how they are placed by
:func:`pdca.render.layout.layered_layout`. docs/process-map.md describes every option.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET  # building only
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal, get_args

import pandas as pd

from pdca.errors import ConfigError, InputError
from pdca.render import svg
from pdca.render.format import format_count, format_duration
from pdca.render.layout import Extent, Layout, LayoutEdge, Rect, layered_layout
from pdca.render.prune import (
    ACTIVITY,
    CASES,
    FREQUENCY,
    SOURCE,
    TARGET,
    PrunedMap,
    prune_process_map,
)

EdgeLabel = Literal["frequency", "cases", "mean", "median", "min", "max", "p90", "total"]
EDGE_LABELS: Mapping[str, str] = {
    "frequency": "how many times B directly follows A",
    "cases": "how many tickets contain A → B",
    "mean": "mean waiting time from A to B",
    "median": "median waiting time from A to B",
    "min": "shortest waiting time from A to B",
    "max": "longest waiting time from A to B",
    "p90": "90th percentile of the waiting time from A to B",
    "total": "total waiting time from A to B, over all tickets",
}
"""What each ``label`` shows, in the words the caption of the drawing uses."""
DURATIONS = frozenset(get_args(EdgeLabel)) - {FREQUENCY, CASES}

MIN_STROKE = 1.0
MAX_STROKE = 8.0
MAX_LINE_CHARS = 22
_NODE_LIGHT, _NODE_DARK, _NODE_LINE = "#ebf4ff", "#2c5282", "#1a365d"
_FLOW, _WAIT, _TERMINAL = "#2d3748", "#9b2c2c", "#718096"
_HEADER = 64.0
_MARGIN = 16.0
_LABEL_HEIGHT = 15.0
_TERMINAL_SIZE = 30.0
_START, _END = "start", "end"  # layout keys; activities are "a" + name, so never clash


@dataclass(frozen=True)
class _Edge:
    kind: str  # "flow", "start" or "end"
    source: str | None  # None: the artificial start
    target: str | None  # None: the artificial end
    frequency: int
    weight: float
    text: str
    tooltip: str
    stroke: float = MIN_STROKE

    @property
    def keys(self) -> tuple[str, str]:
        s = _START if self.source is None else "a" + self.source
        t = _END if self.target is None else "a" + self.target
        return s, t


def process_map_svg(
    edges: pd.DataFrame,
    start: pd.DataFrame | None = None,
    end: pd.DataFrame | None = None,
    *,
    label: EdgeLabel = "frequency",
    max_activities: int | None = None,
    min_edge_share: float = 0.0,
    title: str = "Process map",
) -> str:
    """Draw a process map; returns a complete SVG document (no XML declaration).

    ``label`` chooses the number written on each edge, which also sets its width: ``frequency``,
    ``cases``, or a waiting time (``mean``, ``median``, ``min``, ``max``, ``p90``, ``total``;
    the edge table must have that column). ``max_activities`` and ``min_edge_share`` prune rare
    activities and edges (see :mod:`pdca.render.prune`). Giving ``start``/``end`` draws the
    artificial start and end nodes.
    """
    if label not in EDGE_LABELS:
        raise ConfigError(f"unknown edge label {label!r}", f"use one of: {', '.join(EDGE_LABELS)}")
    if label not in edges.columns and label != FREQUENCY:
        raise InputError(
            f"the edge table has no {label!r} column",
            "compute the process map with performance=True" if label in DURATIONS else None,
        )
    pruned = prune_process_map(
        edges, start, end, max_activities=max_activities, min_edge_share=min_edge_share
    )
    return _draw(pruned, label, title).to_string()


def _edges(pruned: PrunedMap, label: str) -> list[_Edge]:
    """Start edges, then flow edges, then end edges, each with its weight and label text."""
    out: list[_Edge] = []
    if pruned.start is not None:
        for a, c in zip(pruned.start[ACTIVITY], pruned.start[CASES], strict=True):
            n = int(c)
            tip = f"{format_count(n)} tickets start with {a}"
            out.append(_Edge(_START, None, str(a), n, float(n), format_count(n), tip))
    table = pruned.edges
    column = table[label] if label in table.columns else table[FREQUENCY]
    for row, (s, t, f, value) in enumerate(
        zip(table[SOURCE], table[TARGET], table[FREQUENCY], column, strict=True)
    ):
        n = int(f)
        weight = float(value)
        shown = format_duration(weight) if label in DURATIONS else format_count(weight)
        tip = f"{s} → {t}: {format_count(n)} times"
        if CASES in table.columns:
            tip += f" in {format_count(int(table[CASES].iloc[row]))} tickets"
        if label in DURATIONS:
            tip += f"; {EDGE_LABELS[label].split(' from ')[0]}: {shown}"
        out.append(_Edge("flow", str(s), str(t), n, weight, shown, tip))
    if pruned.end is not None:
        for a, c in zip(pruned.end[ACTIVITY], pruned.end[CASES], strict=True):
            n = int(c)
            tip = f"{format_count(n)} tickets end with {a}"
            out.append(_Edge(_END, str(a), None, n, float(n), format_count(n), tip))
    return out


def stroke_width(weight: float, heaviest: float) -> float:
    """Line width for an edge: from ``MIN_STROKE`` to ``MAX_STROKE`` by √(weight / heaviest)."""
    if not (math.isfinite(weight) and heaviest > 0 and weight > 0):
        return MIN_STROKE
    return MIN_STROKE + (MAX_STROKE - MIN_STROKE) * math.sqrt(min(1.0, weight / heaviest))


def _wrap(name: str) -> list[str]:
    """An activity name on at most two lines of about ``MAX_LINE_CHARS`` characters."""
    lines: list[str] = []
    current = ""
    size = MAX_LINE_CHARS
    for word in (w[i : i + size] for w in name.split() for i in range(0, len(w), size)):
        if current and len(current) + 1 + len(word) > MAX_LINE_CHARS:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current or not lines:
        lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], lines[1][: MAX_LINE_CHARS - 1] + "…"]
    return lines


def _draw(pruned: PrunedMap, label: str, title: str) -> svg.Document:
    timed = label in DURATIONS
    edges = _edges(pruned, label)
    scaled = [e.weight for e in edges if e.kind == "flow" or not timed]
    heaviest = max((w for w in scaled if math.isfinite(w)), default=0.0)
    edges = [
        replace(
            e, stroke=MIN_STROKE if timed and e.kind != "flow" else stroke_width(e.weight, heaviest)
        )
        for e in edges
    ]
    keys, extents, lines = _nodes(pruned, edges)
    layout = layered_layout(
        keys,
        [
            LayoutEdge(
                *e.keys,
                weight=float(e.frequency),
                label=None
                if e.source == e.target
                else (svg.text_width(e.text, svg.SMALL_SIZE), _LABEL_HEIGHT),
            )
            for e in edges
        ],
        extents,
        margin=_MARGIN,
    )
    caption = (
        f"{len(pruned.activities)} of {pruned.all_activities} activities and "
        f"{sum(e.kind == 'flow' for e in edges)} of {pruned.all_edges} edges shown. "
        f"Edge labels and widths: {EDGE_LABELS[label]}."
    )
    width = max(
        layout.width,
        2 * _MARGIN + svg.text_width(title, svg.TITLE_SIZE),
        2 * _MARGIN + svg.text_width(caption, svg.SMALL_SIZE),
    )
    doc = svg.Document(width, layout.height + _HEADER, title=title, description=caption)
    doc.add(
        svg.text(_MARGIN, 28, title, size=svg.TITLE_SIZE, bold=True),
        svg.text(_MARGIN, 48, caption, size=svg.SMALL_SIZE, fill="#4a5568"),
    )
    body = svg.group(attrs={"transform": f"translate(0 {svg.num(_HEADER)})"})
    colour = _WAIT if timed else _FLOW
    drawn = [_edge(k, e, layout, colour) for k, e in enumerate(edges)]
    body.append(svg.group(*(d for d, _ in drawn), attrs={"class": "edges"}))
    top = max((pruned.counts[a] for a in pruned.activities), default=0)
    body.append(
        svg.group(
            *(_node(key, layout, lines.get(key), pruned, top) for key in keys),
            attrs={"class": "nodes"},
        )
    )
    body.append(svg.group(*(t for _, t in drawn), attrs={"class": "labels"}))
    doc.add(body)
    return doc


def _loop_reach(stroke: float) -> float:
    return 26.0 + 2 * stroke


def _nodes(
    pruned: PrunedMap, edges: list[_Edge]
) -> tuple[list[str], dict[str, Extent], dict[str, list[str]]]:
    """Layout keys (start, activities most frequent first, end), their sizes and text lines."""
    loops = {e.source: e for e in edges if e.kind == "flow" and e.source == e.target}
    keys: list[str] = []
    extents: dict[str, Extent] = {}
    lines: dict[str, list[str]] = {}
    terminal = Extent(_TERMINAL_SIZE, _TERMINAL_SIZE)
    if any(e.kind == _START for e in edges):
        keys.append(_START)
        extents[_START] = terminal
    for a in pruned.activities:
        key = "a" + a
        text = _wrap(a)
        count = format_count(pruned.counts[a])
        wide = max(
            [svg.text_width(t, svg.TEXT_SIZE) for t in text]
            + [svg.text_width(count, svg.SMALL_SIZE)]
        )
        pad = 0.0
        if a in loops:
            loop = loops[a]
            pad = _loop_reach(loop.stroke) * 0.75 + 6 + svg.text_width(loop.text, svg.SMALL_SIZE)
        extents[key] = Extent(max(80.0, wide + 24), 18.0 * len(text) + 30, 0.0, pad)
        keys.append(key)
        lines[key] = text
    if any(e.kind == _END for e in edges):
        keys.append(_END)
        extents[_END] = terminal
    return keys, extents, lines


def _edge(k: int, e: _Edge, layout: Layout, colour: str) -> tuple[ET.Element, ET.Element]:
    """The drawn edge (path and arrowhead in a group with data attributes) and its label."""
    sw = e.stroke
    arrow, half = 7 + 1.2 * sw, 3.5 + 0.8 * sw
    route = layout.routes[k]
    ink = colour if e.kind == "flow" else _TERMINAL
    if route.self_loop:
        box = layout.nodes["a" + str(e.source)].box
        reach = _loop_reach(sw)
        xr, yc, dy = box.right, box.y + box.height / 2, box.height / 4
        tip, direction = (xr, yc + dy), (-1.0, 0.0)
        d = svg.PathData().move(xr, yc - dy)
        d.curve((xr + reach, yc - dy - 4), (xr + reach, yc + dy), (xr + arrow * 0.8, yc + dy))
        place = (xr + reach * 0.75 + 6, yc + 4)
    else:
        pts = list(route.points)
        (x0, y0), (x1, y1) = pts[-2], pts[-1]
        down = 1.0 if y1 >= y0 else -1.0
        tip, direction = (x1, y1), (0.0, down)
        pts[-1] = (x1, y1 - down * min(arrow * 0.8, abs(y1 - y0) / 2))
        d = svg.PathData().move(*pts[0])
        for (ax, ay), (bx, by) in itertools.pairwise(pts):
            if ax == bx:
                d.line(bx, by)
            else:
                mid = (by - ay) / 2
                d.curve((ax, ay + mid), (bx, by - mid), (bx, by))
        box = route.label or Rect(x0, y0, 0, 0)
        place = (box.x, box.y + box.height - 3.5)
    data: dict[str, svg.Attr] = {
        "class": "edge",
        "data-kind": e.kind,
        "data-source": e.source,
        "data-target": e.target,
        "data-frequency": e.frequency,
        "data-weight": repr(e.weight),
        "data-edge": k,
    }
    line: dict[str, svg.Attr] = {
        "stroke": ink,
        "stroke-width": sw,
        "stroke-opacity": 0.85,
        "stroke-dasharray": "5 4" if e.kind != "flow" and colour == _WAIT else None,
    }
    drawn = svg.group(
        svg.tooltip(e.tooltip),
        svg.path(d.text, line),
        svg.polygon(svg.arrowhead(tip, direction, arrow, half), {"fill": ink}),
        attrs=data,
    )
    text = svg.text(
        *place,
        e.text,
        size=svg.SMALL_SIZE,
        fill=ink,
        halo=True,
        attrs={"class": "edge-label", "data-edge": k},
    )
    return drawn, text


def _node(
    key: str, layout: Layout, text: list[str] | None, pruned: PrunedMap, top: int
) -> ET.Element:
    box = layout.nodes[key].box
    cx, cy = box.x + box.width / 2, box.y + box.height / 2
    if key in (_START, _END):
        table = pruned.start if key == _START else pruned.end
        n = 0 if table is None else int(table[CASES].sum())
        r = box.width / 2
        if key == _START:
            fill, ink, tip = "#c6f6d5", "#276749", "Start: {} tickets begin with the steps shown"
            mark = svg.polygon([(cx - 4, cy - 7), (cx - 4, cy + 7), (cx + 8, cy)], {"fill": ink})
        else:
            fill, ink, tip = "#fed7d7", "#9b2c2c", "End: {} tickets end with the steps shown"
            mark = svg.rect(cx - 6, cy - 6, 12, 12, {"fill": ink})
        return svg.group(
            svg.tooltip(tip.format(format_count(n))),
            svg.circle(cx, cy, r, {"fill": fill, "stroke": ink, "stroke-width": 2}),
            mark,
            attrs={"class": "node", "data-kind": key, "data-count": n},
        )
    name = key[1:]
    count = pruned.counts[name]
    share = count / top if top else 0.0
    ink = "#ffffff" if share > 0.55 else "#1a202c"
    parts = [
        svg.tooltip(f"{name}: {format_count(count)} times"),
        svg.rect(
            box.x,
            box.y,
            box.width,
            box.height,
            {"rx": 6, "fill": svg.mix(_NODE_LIGHT, _NODE_DARK, share), "stroke": _NODE_LINE},
        ),
    ]
    lines = text or [name]
    y = box.y + 20
    for line in lines:
        parts.append(svg.text(cx, y, line, anchor="middle", fill=ink))
        y += 18
    parts.append(
        svg.text(cx, y, format_count(count), size=svg.SMALL_SIZE, anchor="middle", fill=ink)
    )
    return svg.group(
        *parts,
        attrs={
            "class": "node",
            "data-kind": "activity",
            "data-activity": name,
            "data-count": count,
        },
    )
