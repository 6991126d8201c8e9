"""The layered layout: boxes never overlap, edges run downwards unless they close a cycle,
routes start and end on the right boxes, crossings are removed where a drawing without any
exists, and the same input always gives the same drawing."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdca.render.coordinates import place
from pdca.render.layout import Extent, Layout, LayoutEdge, Rect, layered_layout


def _graph(
    seed: int, n: int, m: int, *, acyclic: bool = False, labels: bool = True
) -> tuple[list[str], list[LayoutEdge], dict[str, Extent]]:
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(n)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < m:
        a, b = rng.randrange(n), rng.randrange(n)
        if acyclic and a >= b:
            continue
        pairs.add((a, b))
    edges = [
        LayoutEdge(
            names[a],
            names[b],
            weight=rng.randint(1, 500),
            label=(rng.randint(10, 60), 14) if labels and a != b else None,
        )
        for a, b in sorted(pairs)
    ]
    extents = {
        v: Extent(rng.randint(40, 160), rng.choice([30, 48]), pad_right=rng.choice([0, 30]))
        for v in names
    }
    order = names[:]
    rng.shuffle(order)  # the given order must not decide the direction
    return order, edges, extents


def _boxes(layout: Layout, extents: dict[str, Extent]) -> list[Rect]:
    """Node boxes widened by the room they asked for, and label boxes."""
    out = [
        Rect(
            p.box.x - extents[v].pad_left,
            p.box.y,
            p.box.width + extents[v].pad_left + extents[v].pad_right,
            p.box.height,
        )
        for v, p in layout.nodes.items()
    ]
    return out + [r.label for r in layout.routes if r.label is not None]


def _crossings(layout: Layout) -> int:
    """Pairs of route segments that swap sides between the same two heights."""
    segments: dict[tuple[float, float], list[tuple[float, float]]] = {}
    for route in layout.routes:
        for (x0, y0), (x1, y1) in itertools.pairwise(route.points):
            if y0 != y1:
                (xa, ya), (xb, yb) = sorted([(x0, y0), (x1, y1)], key=lambda p: p[1])
                segments.setdefault((round(ya, 6), round(yb, 6)), []).append((xa, xb))
    count = 0
    for segs in segments.values():
        for (a0, a1), (b0, b1) in itertools.combinations(segs, 2):
            if (a0 - b0) * (a1 - b1) < 0:
                count += 1
    return count


@pytest.mark.parametrize("seed", range(6))
def test_nothing_overlaps(seed: int) -> None:
    nodes, edges, extents = _graph(seed, 25, 60)
    layout = layered_layout(nodes, edges, extents)
    boxes = _boxes(layout, extents)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    for b in boxes:
        assert b.x >= 0
        assert b.right <= layout.width
        assert b.y >= 0
        assert b.bottom <= layout.height


@pytest.mark.parametrize("seed", range(6))
def test_acyclic_edges_run_downwards(seed: int) -> None:
    nodes, edges, extents = _graph(seed, 20, 40, acyclic=True, labels=seed % 2 == 0)
    layout = layered_layout(nodes, edges, extents)
    for e, route in zip(edges, layout.routes, strict=True):
        s, t = layout.nodes[e.source], layout.nodes[e.target]
        assert s.layer < t.layer
        assert s.box.bottom < t.box.y
        assert not route.reversed
        ys = [y for _, y in route.points]
        assert ys == sorted(ys)


@pytest.mark.parametrize("seed", range(6))
def test_routes_join_their_boxes(seed: int) -> None:
    nodes, edges, extents = _graph(seed, 15, 40)
    layout = layered_layout(nodes, edges, extents)
    for e, route in zip(edges, layout.routes, strict=True):
        s, t = layout.nodes[e.source].box, layout.nodes[e.target].box
        if e.source == e.target:
            assert route.self_loop
            assert route.points == ()
            continue
        (x0, y0), (x1, y1) = route.points[0], route.points[-1]
        assert s.x <= x0 <= s.right
        assert t.x <= x1 <= t.right
        if route.reversed:  # drawn upwards: leaves the top, enters the bottom
            assert (y0, y1) == (s.y, t.bottom)
        else:
            assert (y0, y1) == (s.bottom, t.y)
        assert (route.label is not None) == (e.label is not None)


def test_cycles_turn_round_the_lightest_edges() -> None:
    # A heavy A -> B and a light B -> A: the light one goes upwards, whatever the given order.
    for order in (["A", "B"], ["B", "A"]):
        edges = [LayoutEdge("A", "B", 10), LayoutEdge("B", "A", 1)]
        layout = layered_layout(order, edges, {v: Extent(50, 30) for v in order})
        assert layout.nodes["A"].layer < layout.nodes["B"].layer
        assert [r.reversed for r in layout.routes] == [False, True]
    # A three-cycle needs exactly one edge turned round: the lightest.
    edges = [LayoutEdge("A", "B", 5), LayoutEdge("B", "C", 5), LayoutEdge("C", "A", 2)]
    layout = layered_layout(["C", "B", "A"], edges, {v: Extent(50, 30) for v in "ABC"})
    assert [r.reversed for r in layout.routes] == [False, False, True]


def test_a_tree_is_drawn_without_crossings() -> None:
    rng = random.Random(7)
    names = [f"t{i}" for i in range(31)]
    edges = [LayoutEdge(names[(i - 1) // 2], names[i], label=(20, 14)) for i in range(1, 31)]
    rng.shuffle(edges)
    order = names[:]
    rng.shuffle(order)
    layout = layered_layout(order, edges, {v: Extent(40, 30) for v in names})
    assert _crossings(layout) == 0
    assert layout.layers == 9  # five levels, with a label layer between each two


def test_same_input_same_drawing() -> None:
    nodes, edges, extents = _graph(11, 30, 80)
    assert layered_layout(nodes, edges, extents) == layered_layout(nodes, edges, extents)


def test_hundred_nodes_three_hundred_edges() -> None:
    """Every edge of a large graph is routed (its time: benchmarks/bench_layout.py)."""
    nodes, edges, extents = _graph(1, 100, 300)
    layout = layered_layout(nodes, edges, extents)
    assert len(layout.routes) == 300


def test_empty_and_single() -> None:
    empty = layered_layout([], [], {})
    assert (empty.nodes, empty.routes) == ({}, ())
    one = layered_layout(["A"], [LayoutEdge("A", "A")], {"A": Extent(50, 30)})
    assert one.routes[0].self_loop
    assert one.nodes["A"].box == Rect(16, 16, 50, 30)


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="unique"):
        layered_layout(["A", "A"], [], {"A": Extent(1, 1)})
    with pytest.raises(ValueError, match="unknown node"):
        layered_layout(["A"], [LayoutEdge("A", "B")], {"A": Extent(1, 1)})


@settings(max_examples=150, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.floats(-100, 100), st.floats(0.01, 10), st.floats(0, 30)
        ),  # target, weight, gap to the next
        min_size=1,
        max_size=9,
    )
)
def test_one_layer_is_placed_by_least_squares(data: list[tuple[float, float, float]]) -> None:
    targets = [t for t, _, _ in data]
    weights = [w for _, w, _ in data]
    gaps = [g for _, _, g in data[:-1]]
    x = place(targets, weights, gaps)
    for i, gap in enumerate(gaps):
        assert x[i + 1] - x[i] >= gap - 1e-9
    # The known closed form of the optimum (isotonic regression after removing the gaps):
    # y[i] = max over j <= i of min over k >= i of the weighted mean of y-targets j..k.
    offsets = [sum(gaps[:i]) for i in range(len(data))]
    shifted = [t - o for t, o in zip(targets, offsets, strict=True)]

    def mean(j: int, k: int) -> float:
        w = weights[j : k + 1]
        return sum(a * b for a, b in zip(shifted[j : k + 1], w, strict=True)) / sum(w)

    n = len(data)
    for i in range(n):
        best = max(min(mean(j, k) for k in range(i, n)) for j in range(i + 1))
        assert x[i] - offsets[i] == pytest.approx(best, abs=1e-6)
