"""Helpers for the render tests: process-map tables built from traces by hand, a second
implementation of the documented pruning rules, and reading drawn SVG back."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from defusedxml import ElementTree as SafeET

NS = "{http://www.w3.org/2000/svg}"


def tables(traces: Sequence[Sequence[str]]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Edges (source, target, frequency, cases), start and end tables of some traces."""
    freq: Counter[tuple[str, str]] = Counter()
    cases: Counter[tuple[str, str]] = Counter()
    for t in traces:
        pairs = list(itertools.pairwise(t))
        freq.update(pairs)
        cases.update(set(pairs))
    edges = pd.DataFrame(
        [(s, t, freq[(s, t)], cases[(s, t)]) for s, t in sorted(freq)],
        columns=["source", "target", "frequency", "cases"],
    )
    starts = Counter(t[0] for t in traces if t)
    ends = Counter(t[-1] for t in traces if t)
    start = pd.DataFrame(sorted(starts.items()), columns=["activity", "cases"])
    end = pd.DataFrame(sorted(ends.items()), columns=["activity", "cases"])
    return edges, start, end


@dataclass(frozen=True)
class Expected:
    activities: list[str]
    flow: set[tuple[str, str]]
    start: set[str]
    end: set[str]


def expected_pruning(
    edges: pd.DataFrame,
    start: pd.DataFrame | None,
    end: pd.DataFrame | None,
    occurrences: dict[str, int],
    max_activities: int | None,
    min_edge_share: float,
) -> Expected:
    """docs/process-map.md's rules, written again with pandas from the documented text."""
    ranked = sorted(occurrences.items(), key=lambda kv: (-kv[1], kv[0]))
    keep = [a for a, _ in ranked][: max_activities or len(ranked)]
    parts = [edges.assign(kind="flow")[["kind", "source", "target", "frequency"]]]
    if start is not None:
        parts.append(
            pd.DataFrame(
                {
                    "kind": "start",
                    "source": None,
                    "target": start["activity"],
                    "frequency": start["cases"],
                }
            )
        )
    if end is not None:
        parts.append(
            pd.DataFrame(
                {
                    "kind": "end",
                    "source": end["activity"],
                    "target": None,
                    "frequency": end["cases"],
                }
            )
        )
    c = pd.concat(parts, ignore_index=True)
    ok_source = c["source"].isna() | c["source"].isin(keep)
    ok_target = c["target"].isna() | c["target"].isin(keep)
    c = c[ok_source & ok_target].copy()
    top = c["frequency"].max() if len(c) else 0
    c["kept"] = c["frequency"] >= min_edge_share * top
    for a in keep:
        for end_col, other in (("target", "source"), ("source", "target")):
            mine = c[(c[end_col] == a) & (c[other] != a)].copy()
            if mine.empty:
                continue
            mine["tie"] = mine[other].fillna("")  # the artificial ends sort first
            mine["has"] = mine[other].notna()
            best = mine.sort_values(["frequency", "has", "tie"], ascending=[False, True, True])
            c.loc[best.index[0], "kept"] = True
    kept = c[c["kept"]]
    flow = kept[kept["kind"] == "flow"]
    return Expected(
        activities=keep,
        flow=set(zip(flow["source"], flow["target"], strict=True)),
        start=set(kept.loc[kept["kind"] == "start", "target"]),
        end=set(kept.loc[kept["kind"] == "end", "source"]),
    )


def parse(svg_text: str) -> Any:
    """The root element (xml.etree, parsed safely)."""
    return SafeET.fromstring(svg_text)


def groups(root: Any, cls: str) -> list[Any]:
    return [g for g in root.iter(f"{NS}g") if cls in (g.get("class") or "").split()]


def drawn_edges(root: Any) -> list[tuple[str, str | None, str | None]]:
    return [
        (g.get("data-kind"), g.get("data-source"), g.get("data-target"))
        for g in groups(root, "edge")
    ]


def drawn_nodes(root: Any) -> list[tuple[str, str | None]]:
    return [(g.get("data-kind"), g.get("data-activity")) for g in groups(root, "node")]


def node_boxes(root: Any) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) of every drawn node in document coordinates."""
    shift = 0.0
    for g in root.iter(f"{NS}g"):
        transform = g.get("transform")
        if transform:
            shift = float(transform.removeprefix("translate(").rstrip(")").split()[1])
    out = []
    for g in groups(root, "node"):
        r = g.find(f"{NS}rect")
        if r is not None:
            x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
        else:  # start and end: a circle
            c = g.find(f"{NS}circle")
            cx, cy, radius = (float(c.get(k)) for k in ("cx", "cy", "r"))
            x, y, w, h = cx - radius, cy - radius, 2 * radius, 2 * radius
        out.append((x, y + shift, w, h))
    return out


def overlapping(boxes: list[tuple[float, float, float, float]]) -> list[tuple[Any, Any]]:
    """Pairs of boxes that overlap."""
    return [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
    ]
