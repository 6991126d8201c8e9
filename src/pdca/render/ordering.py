"""The combinatorial steps of the layered layout: cycle breaking, layers, crossing reduction.

Vertices are numbers; every function is deterministic (ties are broken by vertex number or by
the order given). :mod:`pdca.render.layout` describes the steps in words.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence

Adjacency = list[list[tuple[int, int]]]
"""For each vertex, its neighbours in the next layer up (or down) and the edge joining them."""

SWEEPS = 24
"""Most crossing-reduction sweeps; they stop early after 4 sweeps without improvement."""


def cycle_order(n: int, arcs: Sequence[tuple[int, int, float]]) -> list[int]:
    """An order of the vertices with little weight on edges pointing backwards (no self-loops):
    the greedy order, improved by sifting."""
    return _sift(_greedy_order(n, arcs), arcs)


def _greedy_order(n: int, arcs: Sequence[tuple[int, int, float]]) -> list[int]:
    """Eades-Lin-Smyth vertex order (weighted); edges against it are the ones to turn round."""
    succ: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    pred: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for s, t, w in arcs:
        succ[s].append((t, w))
        pred[t].append((s, w))
    out_deg = [len(x) for x in succ]
    in_deg = [len(x) for x in pred]
    out_w = [sum(w for _, w in x) for x in succ]
    in_w = [sum(w for _, w in x) for x in pred]
    alive = [True] * n
    front: list[int] = []
    back: list[int] = []

    def remove(v: int) -> None:
        alive[v] = False
        for t, w in succ[v]:
            in_deg[t] -= 1
            in_w[t] -= w
        for s, w in pred[v]:
            out_deg[s] -= 1
            out_w[s] -= w

    left = n
    while left:
        changed = True
        while changed:
            changed = False
            for v in range(n):
                if alive[v] and out_deg[v] == 0:
                    remove(v)
                    back.append(v)
                    changed = True
            for v in range(n):
                if alive[v] and in_deg[v] == 0:
                    remove(v)
                    front.append(v)
                    changed = True
        left = sum(alive)
        if left:
            best = max((v for v in range(n) if alive[v]), key=lambda v: (out_w[v] - in_w[v], -v))
            remove(best)
            front.append(best)
            left -= 1
    return front + back[::-1]


def _sift(order: list[int], arcs: Sequence[tuple[int, int, float]]) -> list[int]:
    """Improve a vertex order by moving each vertex, in turn, to the place in the order where
    the weight of its edges pointing backwards is least (ties: it stays); until nothing moves."""
    weight: dict[tuple[int, int], float] = defaultdict(float)
    for s, t, w in arcs:
        weight[(s, t)] += w
    order = order[:]
    for _ in range(len(order)):
        moved = False
        for v in sorted(order):
            rest = [u for u in order if u != v]
            here = order.index(v)
            cost = sum(weight.get((u, v), 0.0) for u in rest)  # v first: every in-edge is back
            best, best_cost = here, math.inf
            for p in range(len(rest) + 1):
                if cost < best_cost or (cost == best_cost and p == here):
                    best, best_cost = p, cost
                if p < len(rest):
                    u = rest[p]
                    cost += weight.get((v, u), 0.0) - weight.get((u, v), 0.0)
            if best != here:
                moved = True
            order = [*rest[:best], v, *rest[best:]]
        if not moved:
            break
    return order


def assign_layers(order: list[int], arcs: Sequence[tuple[int, int, float]]) -> list[int]:
    """Layers for edges that all point forwards in ``order``: longest path first; then each
    vertex moves, within the room its neighbours leave, to the end that shortens its heavier
    side (up when its incoming weight is larger, down when its outgoing weight is), until none
    moves. This lowers the total of weight times layers spanned at every move."""
    n = len(order)
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    pull = [0.0] * n
    for s, t, w in arcs:
        succ[s].append(t)
        pred[t].append(s)
        pull[t] += w
        pull[s] -= w
    layer = [0] * n
    for u in order:
        for v in succ[u]:
            layer[v] = max(layer[v], layer[u] + 1)
    for _ in range(n):
        moved = False
        for u in reversed(order):
            if pull[u] > 0:
                target = max((layer[p] + 1 for p in pred[u]), default=0)
            elif pull[u] < 0 and succ[u]:
                target = min(layer[s] - 1 for s in succ[u])
            else:
                continue
            if target != layer[u]:
                layer[u], moved = target, True
        if not moved:
            break
    low = min(layer, default=0)
    return [x - low for x in layer]


def order_layers(layer: list[int], up: Adjacency, down: Adjacency) -> list[list[int]]:
    """Vertices of each layer, left to right, after barycentre sweeps; ``up``/``down`` list
    each vertex's neighbours in the layer above/below (with the edge they belong to)."""
    rows: list[list[int]] = [[] for _ in range(max(layer, default=-1) + 1)]
    for v, lay in enumerate(layer):
        rows[lay].append(v)
    _sweep(up, down, rows, downward=True)
    best = [r[:] for r in rows]
    best_count = count_crossings(rows, down)
    stale = 0
    for i in range(SWEEPS):
        if best_count == 0 or stale >= 4:
            break
        _sweep(up, down, rows, downward=i % 2 == 1)
        count = count_crossings(rows, down)
        if count < best_count:
            best, best_count, stale = [r[:] for r in rows], count, 0
        else:
            stale += 1
    return best


def _sweep(up: Adjacency, down: Adjacency, rows: list[list[int]], *, downward: bool) -> None:
    indices = range(1, len(rows)) if downward else range(len(rows) - 2, -1, -1)
    for lay in indices:
        fixed = rows[lay - 1] if downward else rows[lay + 1]
        where = {v: i for i, v in enumerate(fixed)}
        row = rows[lay]
        keyed = []
        for v in row:
            near = up[v] if downward else down[v]
            if near:
                keyed.append((sum(where[u] for u, _ in near) / len(near), v))
        keyed.sort(key=lambda kv: kv[0])
        moved = iter(v for _, v in keyed)
        movable = {v for _, v in keyed}
        rows[lay] = [next(moved) if v in movable else v for v in row]


def count_crossings(rows: list[list[int]], down: Adjacency) -> int:
    """Edge crossings between neighbouring layers (inversions, counted with a Fenwick tree)."""
    total = 0
    for top, bottom in itertools.pairwise(rows):
        where = {v: i for i, v in enumerate(bottom)}
        ends = sorted((i, where[w]) for i, v in enumerate(top) for w, _ in down[v])
        tree = [0] * (len(bottom) + 1)
        for seen, (_, b) in enumerate(ends):
            j, below = b + 1, 0
            while j > 0:
                below += tree[j]
                j -= j & -j
            total += seen - below
            j = b + 1
            while j <= len(bottom):
                tree[j] += 1
                j += j & -j
    return total
