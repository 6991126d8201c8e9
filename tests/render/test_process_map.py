"""The process-map drawing: every kept node and edge exactly once, widths follow weights,
labels formatted and escaped, pruning as documented, standalone and deterministic."""

from __future__ import annotations

import itertools
from collections import Counter

import pandas as pd
import pytest

from pdca.errors import ConfigError, InputError
from pdca.render import process_map_svg
from pdca.render.process_map import MAX_STROKE, MIN_STROKE
from pdca.render.prune import activity_counts
from tests.render.maps import (
    NS,
    drawn_edges,
    drawn_nodes,
    expected_pruning,
    groups,
    node_boxes,
    overlapping,
    parse,
    tables,
)

TRACES = [
    ["Open", "Assign", "Work", "Resolve", "Close"],
    ["Open", "Assign", "Work", "Work", "Resolve", "Close"],
    ["Open", "Work", "Wait", "Work", "Resolve", "Close"],
    ["Open", "Assign", "Assign", "Work", "Resolve", "Reopen", "Work", "Resolve", "Close"],
    ["Open", "Cancel"],
    ["Open", "Assign", "Work", "Wait", "Work", "Resolve"],
]


def _perf(edges: pd.DataFrame) -> pd.DataFrame:
    """Waiting-time columns made up from the row number (seconds)."""
    n = pd.Series(range(1, len(edges) + 1), dtype="float64")
    return edges.assign(
        mean=n * 100, median=n * 90, min=n, max=n * 1000, p90=n * 500, total=n * 10_000
    )


def test_every_edge_and_node_exactly_once() -> None:
    edges, start, end = tables(TRACES)
    root = parse(process_map_svg(edges, start, end))
    drawn = Counter(drawn_edges(root))
    want = Counter(
        [("flow", s, t) for s, t in zip(edges["source"], edges["target"], strict=True)]
        + [("start", None, a) for a in start["activity"]]
        + [("end", a, None) for a in end["activity"]]
    )
    assert drawn == want
    nodes = Counter(drawn_nodes(root))
    activities = {a for t in TRACES for a in t}
    assert nodes == Counter(
        [("activity", a) for a in activities] + [("start", None), ("end", None)]
    )
    counts = {g.get("data-activity"): int(g.get("data-count")) for g in groups(root, "node")}
    assert {a: counts[a] for a in activities} == Counter(a for t in TRACES for a in t)


def test_every_edge_has_one_line_one_arrowhead_one_label() -> None:
    edges, start, end = tables(TRACES)
    root = parse(process_map_svg(edges, start, end))
    labels = Counter(t.get("data-edge") for t in root.iter(f"{NS}text") if t.get("data-edge"))
    for g in groups(root, "edge"):
        assert len(g.findall(f"{NS}path")) == 1
        assert len(g.findall(f"{NS}polygon")) == 1
        assert labels[g.get("data-edge")] == 1
    assert len(labels) == len(groups(root, "edge"))


def test_without_start_and_end_tables_there_are_no_artificial_nodes() -> None:
    edges, _, _ = tables(TRACES)
    root = parse(process_map_svg(edges))
    assert {k for k, _ in drawn_nodes(root)} == {"activity"}
    assert {k for k, _, _ in drawn_edges(root)} == {"flow"}


def test_self_loops_are_drawn() -> None:
    edges, start, end = tables(TRACES)
    root = parse(process_map_svg(edges, start, end))
    loops = {
        g.get("data-source")
        for g in groups(root, "edge")
        if g.get("data-source") == g.get("data-target")
    }
    assert loops == {"Work", "Assign"}


@pytest.mark.parametrize("label", ["frequency", "cases", "mean", "p90", "total"])
def test_stroke_width_grows_with_the_weight(label: str) -> None:
    # A chain whose edges have doubling frequencies, so every weight differs.
    rows = [(f"S{i}", f"S{i + 1}", 2**i, 2**i) for i in range(10)]
    edges = _perf(pd.DataFrame(rows, columns=["source", "target", "frequency", "cases"]))
    root = parse(process_map_svg(edges, label=label))  # type: ignore[arg-type]
    pairs = []
    for g in groups(root, "edge"):
        row = edges[(edges["source"] == g.get("data-source"))]
        weight = float(row[label].iloc[0])
        assert float(g.get("data-weight")) == weight
        pairs.append((weight, float(g.find(f"{NS}path").get("stroke-width"))))
    pairs.sort()
    widths = [w for _, w in pairs]
    assert all(a < b for a, b in itertools.pairwise(widths))
    assert widths[0] >= MIN_STROKE
    assert widths[-1] == MAX_STROKE


def test_duration_labels_read_like_durations() -> None:
    edges = pd.DataFrame(
        {
            "source": ["A", "B", "C"],
            "target": ["B", "C", "D"],
            "frequency": [3, 2, 1],
            "cases": [3, 2, 1],
            "median": [15_000.0, 3.2 * 86_400, 42.0],
        }
    )
    root = parse(process_map_svg(edges, label="median"))
    texts = {t.text for t in root.iter(f"{NS}text") if t.get("class") == "edge-label"}
    assert texts == {"4 h 10 min", "3.2 d", "42 s"}


def test_count_labels_have_thousands_separators() -> None:
    edges = pd.DataFrame({"source": ["A"], "target": ["B"], "frequency": [12345], "cases": [678]})
    root = parse(process_map_svg(edges))
    texts = {t.text for t in root.iter(f"{NS}text") if t.get("class") == "edge-label"}
    assert texts == {"12,345"}
    root = parse(process_map_svg(edges, label="cases"))
    texts = {t.text for t in root.iter(f"{NS}text") if t.get("class") == "edge-label"}
    assert texts == {"678"}


def test_user_text_is_escaped() -> None:
    nasty = ["<b>bold</b>", "A & B", "say \"hi\" 'there'", "bell\x07"]
    traces = [nasty, nasty[::-1]]
    edges, start, end = tables(traces)
    out = process_map_svg(edges, start, end, title="<title> & 'x'")
    assert "<b>" not in out
    assert "\x07" not in out
    root = parse(out)
    got = {a for _, a in drawn_nodes(root) if a is not None}
    assert got == {n.replace("\x07", "\ufffd") for n in nasty}
    sources = {s for _, s, _ in drawn_edges(root) if s is not None}
    assert sources == got
    assert root.find(f"{NS}title").text == "<title> & 'x'"


def test_pruning_keeps_what_the_rules_say() -> None:
    edges, start, end = tables(TRACES)
    occurrences = activity_counts(edges, start, end)
    for max_activities, share in [(None, 0.0), (5, 0.0), (None, 0.5), (4, 0.3), (2, 1.0)]:
        want = expected_pruning(edges, start, end, occurrences, max_activities, share)
        svg_text = process_map_svg(
            edges, start, end, max_activities=max_activities, min_edge_share=share
        )
        root = parse(svg_text)
        drawn = drawn_edges(root)
        assert len(drawn) == len(set(drawn))
        assert {(s, t) for k, s, t in drawn if k == "flow"} == want.flow
        assert {t for k, _, t in drawn if k == "start"} == want.start
        assert {s for k, s, _ in drawn if k == "end"} == want.end
        activities = [str(a) for k, a in drawn_nodes(root) if k == "activity"]
        assert sorted(activities) == sorted(want.activities)
        caption = root.find(f"{NS}desc").text
        assert f"{len(want.activities)} of {len(occurrences)} activities" in caption
        assert f"{len(want.flow)} of {len(edges)} edges shown" in caption
        kinds = {k for k, _ in drawn_nodes(root)}
        assert ("start" in kinds) == bool(want.start)
        assert ("end" in kinds) == bool(want.end)


def test_node_shade_follows_the_count() -> None:
    edges, start, end = tables(TRACES)
    root = parse(process_map_svg(edges, start, end))
    shades = []
    for g in groups(root, "node"):
        if g.get("data-kind") == "activity":
            fill = g.find(f"{NS}rect").get("fill")
            light = sum(int(fill[i : i + 2], 16) for i in (1, 3, 5))
            shades.append((int(g.get("data-count")), light))
    shades.sort()
    assert all(b[1] <= a[1] for a, b in itertools.pairwise(shades))  # more → darker
    assert shades[0][1] > shades[-1][1]


def test_boxes_do_not_overlap_and_fit_the_view() -> None:
    edges, start, end = tables(TRACES)
    root = parse(process_map_svg(edges, start, end))
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    boxes = node_boxes(root)
    for x, y, w, h in boxes:
        assert x >= 0
        assert x + w <= width
        assert y >= 0
        assert y + h <= height
    assert not overlapping(boxes)


def test_standalone_and_deterministic() -> None:
    edges, start, end = tables(TRACES)
    a = process_map_svg(_perf(edges), start, end, label="p90", min_edge_share=0.2)
    b = process_map_svg(_perf(edges), start, end, label="p90", min_edge_share=0.2)
    assert a == b
    root = parse(a)
    tags = {el.tag.removeprefix(NS) for el in root.iter()}
    assert tags <= {"svg", "title", "desc", "g", "rect", "circle", "path", "polygon", "text"}
    for el in root.iter():
        for name in el.attrib:
            assert not name.startswith("on")
            assert "href" not in name
            assert name != "style"


def test_empty_map() -> None:
    edges = pd.DataFrame({"source": [], "target": [], "frequency": [], "cases": []})
    root = parse(process_map_svg(edges))
    assert drawn_edges(root) == []
    assert drawn_nodes(root) == []
    assert float(root.get("width")) > 0


def test_unknown_label_and_missing_columns() -> None:
    edges, _, _ = tables(TRACES)
    with pytest.raises(ConfigError, match="unknown edge label"):
        process_map_svg(edges, label="stdev")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="performance=True"):
        process_map_svg(edges, label="median")
    with pytest.raises(InputError, match="'cases'"):
        process_map_svg(edges.drop(columns="cases"), label="cases")
