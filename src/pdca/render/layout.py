"""A layered (Sugiyama-style) drawing of a directed graph, cycles allowed; top to bottom.

The steps, each small and deterministic (the same input always gives the same drawing):

1. **Cycle breaking.** Nodes are put in one order by the greedy heuristic of Eades, Lin and
   Smyth, weighted: sinks go to the end, sources to the front, otherwise the node whose outgoing
   weight most exceeds its incoming weight goes next (ties: the one given first). Then each node
   in turn moves to the place in the order where the weight of its edges pointing backwards is
   least, until none moves. Edges that point backwards are turned round for the layout and drawn
   back upwards, so heavy flows run downwards. Self-loops are left to the caller (see
   :class:`Route`).
2. **Layers.** Longest path from the sources; then each node moves, within the room its
   neighbours leave, towards the side where its edges weigh more (up when its incoming weight is
   larger, down when its outgoing weight is), which shortens heavy edges. When any edge has a
   label, layers are doubled so that each edge passes an empty layer between its two nodes,
   where its label gets a place of its own.
3. **Dummy nodes.** An edge spanning several layers gets a point in every layer it crosses.
4. **Crossing reduction.** Sweeps down and up the layers ordering each layer by the barycentre
   of its neighbours in the layer just fixed (nodes without neighbours there keep their place);
   the order with the fewest crossings is kept.
5. **Coordinates.** Each layer is placed as close as it can to the weighted mean position of its
   neighbours, keeping its order and minimum gaps (an exact least-squares placement, pool
   adjacent violators), sweeping down and up a fixed number of times; chains of dummy points
   pull hardest so long edges run straight.
6. **Routes.** Edges leave a node's bottom and enter the next node's top at ports spread along
   the side in the order of where the edges go, so they do not cross at the node.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pdca.render.coordinates import coordinates
from pdca.render.ordering import assign_layers, cycle_order, order_layers


@dataclass(frozen=True)
class Extent:
    """Size of a node's box, plus room kept free left and right of it (e.g. for a self-loop)."""

    width: float
    height: float
    pad_left: float = 0.0
    pad_right: float = 0.0


@dataclass(frozen=True)
class LayoutEdge:
    """An edge to lay out; ``label`` is the (width, height) of its label, if it has one."""

    source: str
    target: str
    weight: float = 1.0
    label: tuple[float, float] | None = None


@dataclass(frozen=True)
class Rect:
    """An axis-aligned box, top-left corner (``x``, ``y``)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def overlaps(self, other: Rect) -> bool:
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.bottom
            and other.y < self.bottom
        )


@dataclass(frozen=True)
class Placement:
    """Where a node went: its ``box`` and its ``layer`` (0 at the top)."""

    box: Rect
    layer: int


@dataclass(frozen=True)
class Route:
    """How to draw one edge.

    ``points`` run from the source's port to the target's port, through a top and a bottom point
    in every layer crossed; every point should be passed going straight up or down, so curves
    between them join smoothly. ``reversed`` edges run upwards. A self-loop has no points (the
    caller draws it beside its node, in the node's ``pad_right``). ``label`` is the place kept
    for the edge's label.
    """

    points: tuple[tuple[float, float], ...]
    reversed: bool = False
    self_loop: bool = False
    label: Rect | None = None


@dataclass(frozen=True)
class Layout:
    """The drawing: ``nodes`` by name, ``routes`` in the order the edges were given."""

    nodes: Mapping[str, Placement]
    routes: tuple[Route, ...]
    width: float
    height: float
    layers: int = 0


@dataclass
class _Graph:
    """The layered graph: real nodes 0..n-1, then dummy points."""

    layer: list[int]
    extent: list[Extent]
    up: list[list[tuple[int, int]]]  # (neighbour in the layer above, edge index)
    down: list[list[tuple[int, int]]]
    real: int

    def add(self, layer: int, extent: Extent) -> int:
        self.layer.append(layer)
        self.extent.append(extent)
        self.up.append([])
        self.down.append([])
        return len(self.layer) - 1

    def link(self, a: int, b: int, edge: int) -> None:
        self.down[a].append((b, edge))
        self.up[b].append((a, edge))


def layered_layout(
    nodes: Sequence[str],
    edges: Sequence[LayoutEdge],
    extents: Mapping[str, Extent],
    *,
    node_gap: float = 28.0,
    layer_gap: float = 24.0,
    label_gap: float = 4.0,
    margin: float = 16.0,
) -> Layout:
    """Lay out ``nodes`` (in this order, which breaks ties) joined by ``edges``.

    ``node_gap`` is the least horizontal room between boxes, ``layer_gap`` the least vertical room
    between layers (more where edges run far sideways), ``label_gap`` the room between an edge and
    its label, ``margin`` the border around everything.
    """
    index = {name: i for i, name in enumerate(nodes)}
    if len(index) != len(nodes):
        raise ValueError("node names must be unique")
    for e in edges:
        if e.source not in index or e.target not in index:
            raise ValueError(f"edge {e.source!r} -> {e.target!r} names an unknown node")
    n = len(nodes)
    arcs = [(index[e.source], index[e.target], e.weight) for e in edges]
    order = cycle_order(n, [a for a in arcs if a[0] != a[1]])
    rank_of = {v: i for i, v in enumerate(order)}
    flipped = [rank_of[s] > rank_of[t] for s, t, _ in arcs]
    dag = [(t, s) if f else (s, t) for (s, t, _), f in zip(arcs, flipped, strict=True)]
    layer = assign_layers(
        order, [(u, v, a[2]) for (u, v), a in zip(dag, arcs, strict=True) if u != v]
    )
    step = 2 if any(e.label for e in edges) else 1
    g = _Graph(
        layer=[x * step for x in layer],
        extent=[extents[name] for name in nodes],
        up=[[] for _ in range(n)],
        down=[[] for _ in range(n)],
        real=n,
    )
    label_vertex: dict[int, int] = {}
    for k, ((u, v), e) in enumerate(zip(dag, edges, strict=True)):
        if u == v:
            continue
        chain = [u]
        span = range(g.layer[u] + 1, g.layer[v])
        odd = [lay for lay in span if lay % 2 == 1]
        label_layer = odd[(len(odd) - 1) // 2] if e.label and odd else None
        for lay in span:
            pad = label_gap + e.label[0] if e.label and lay == label_layer else 0.0
            height = e.label[1] if e.label and lay == label_layer else 0.0
            chain.append(g.add(lay, Extent(0.0, height, label_gap, pad)))
            if lay == label_layer:
                label_vertex[k] = chain[-1]
        chain.append(v)
        for a, b in itertools.pairwise(chain):
            g.link(a, b, k)
    rows = order_layers(g.layer, g.up, g.down)
    xs = coordinates(rows, _gaps(g, rows, node_gap), g.up, g.down, g.real)
    return _assemble(
        g,
        rows,
        xs,
        dag,
        flipped=flipped,
        labels=label_vertex,
        names=nodes,
        layer_gap=layer_gap,
        margin=margin,
    )


def _gaps(g: _Graph, rows: list[list[int]], node_gap: float) -> list[list[float]]:
    """Least distance between neighbours in each layer: half boxes, pads and a gap (a third of
    ``node_gap`` next to a dummy point)."""
    out = []
    for row in rows:
        row_gaps = []
        for a, b in itertools.pairwise(row):
            ea, eb = g.extent[a], g.extent[b]
            sep = node_gap if a < g.real and b < g.real else node_gap / 3
            row_gaps.append(ea.width / 2 + ea.pad_right + sep + eb.width / 2 + eb.pad_left)
        out.append(row_gaps)
    return out


def _assemble(
    g: _Graph,
    rows: list[list[int]],
    x: list[float],
    dag: list[tuple[int, int]],
    *,
    flipped: list[bool],
    labels: dict[int, int],
    names: Sequence[str],
    layer_gap: float,
    margin: float,
) -> Layout:
    """Layer heights and positions, ports, routes and label boxes, shifted into the margin."""
    left = min(
        (x[v] - g.extent[v].width / 2 - g.extent[v].pad_left for v in range(len(x))), default=0.0
    )
    right = max(
        (x[v] + g.extent[v].width / 2 + g.extent[v].pad_right for v in range(len(x))),
        default=0.0,
    )
    x = [xv - left + margin for xv in x]
    tops: list[float] = []
    y = margin
    for i, row in enumerate(rows):
        if i:
            sideways = max(
                (abs(x[v] - x[u]) for v in row for u, _ in g.up[v]),
                default=0.0,
            )
            y += max(layer_gap, min(3 * layer_gap, 0.2 * sideways))
        tops.append(y)
        y += max((g.extent[v].height for v in row), default=0.0)
    heights = [max((g.extent[v].height for v in row), default=0.0) for row in rows]
    box: dict[int, Rect] = {}
    for v in range(g.real):
        e = g.extent[v]
        lay = g.layer[v]
        box[v] = Rect(
            x[v] - e.width / 2, tops[lay] + (heights[lay] - e.height) / 2, e.width, e.height
        )
    ports = _ports(g, x, box)
    routes: list[Route] = []
    for k, (u, v) in enumerate(dag):
        if u == v:
            routes.append(Route((), self_loop=True))
            continue
        pts = [ports[(u, k, "down")]]
        w = u
        while True:
            w = next(b for b, edge in g.down[w] if edge == k)
            if w == v:
                break
            lay = g.layer[w]
            pts += [(x[w], tops[lay]), (x[w], tops[lay] + heights[lay])]
        pts.append(ports[(v, k, "up")])
        label = None
        if k in labels:
            d = labels[k]
            e = g.extent[d]
            lay = g.layer[d]
            label = Rect(
                x[d] + e.pad_left,
                tops[lay] + (heights[lay] - e.height) / 2,
                e.pad_right - e.pad_left,
                e.height,
            )
        routes.append(Route(tuple(pts[::-1] if flipped[k] else pts), flipped[k], label=label))
    return Layout(
        nodes={names[v]: Placement(box[v], g.layer[v]) for v in range(g.real)},
        routes=tuple(routes),
        width=right - left + 2 * margin,
        height=y + margin,
        layers=len(rows),
    )


def _ports(
    g: _Graph, x: list[float], box: dict[int, Rect]
) -> dict[tuple[int, int, str], tuple[float, float]]:
    """Where each edge meets each real node: spread along the bottom (down) or top (up)."""
    ports: dict[tuple[int, int, str], tuple[float, float]] = {}
    for v, b in box.items():
        for side, near, y in (("down", g.down[v], b.bottom), ("up", g.up[v], b.y)):
            ends = sorted(near, key=lambda ue: (x[ue[0]], ue[1]))
            count = len(ends)
            span = min(b.width * 0.7, 10.0 * (count - 1))
            for i, (_, k) in enumerate(ends):
                offset = span * (i / (count - 1) - 0.5) if count > 1 else 0.0
                ports[(v, k, side)] = (x[v] + offset, y)
    return ports
