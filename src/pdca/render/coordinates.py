"""Horizontal positions in a layered layout: each layer as close as it can be to the weighted
mean position of its neighbours, in order and with its least gaps, sweeping down and up.

Placing one layer is an exact least-squares problem with ordering constraints, solved by pool
adjacent violators (:func:`place`).
"""

from __future__ import annotations

import itertools

from pdca.render.ordering import Adjacency

PASSES = 12
"""Most down-and-up passes; they stop once no point moves by more than 0.01 px."""
_CHAIN_PULL = 8.0  # dummy points pull each other harder, so long edges run straight
_EPS = 1e-3
_SETTLED = 0.01


def coordinates(
    rows: list[list[int]], gaps: list[list[float]], up: Adjacency, down: Adjacency, real: int
) -> list[float]:
    """x of every vertex, keeping the least distance ``gaps[layer][i]`` between the i-th and the
    next vertex of each layer; vertices from ``real`` on are dummy points."""
    x = [0.0] * (max((v for row in rows for v in row), default=-1) + 1)
    for row, row_gaps in zip(rows, gaps, strict=True):
        at = 0.0
        for i, v in enumerate(row):
            x[v] = at
            at += row_gaps[i] if i < len(row_gaps) else 0.0
        for v in row:
            x[v] -= at / 2
    pull = [
        [(u, _CHAIN_PULL if u >= real and v >= real else 1.0) for u, _ in up[v] + down[v]]
        for v in range(len(x))
    ]
    order = list(range(len(rows)))
    for _ in range(PASSES):
        shift = 0.0
        for lay in order + order[::-1]:
            row = rows[lay]
            targets, weights = [], []
            for v in row:
                total = weight = 0.0
                for u, w in pull[v]:
                    total += w * x[u]
                    weight += w
                targets.append(total / weight if weight else x[v])
                weights.append(weight or _EPS)
            for v, placed in zip(row, place(targets, weights, gaps[lay]), strict=True):
                shift = max(shift, abs(placed - x[v]))
                x[v] = placed
        if shift < _SETTLED:
            break
    return x


def place(targets: list[float], weights: list[float], gaps: list[float]) -> list[float]:
    """Minimise sum w[i] (x[i] - t[i])^2 with x[i+1] - x[i] >= gap[i] (pool adjacent violators).

    Weights must be positive."""
    offsets = list(itertools.accumulate(gaps, initial=0.0))
    # Blocks of neighbours placed together: their weight, weighted sum and size.
    block_w: list[float] = []
    block_s: list[float] = []
    block_n: list[int] = []
    for t, w, o in zip(targets, weights, offsets, strict=True):
        bw, bs, bn = w, w * (t - o), 1
        while block_w and block_s[-1] * bw > bs * block_w[-1]:  # the block before lies right
            bw += block_w.pop()
            bs += block_s.pop()
            bn += block_n.pop()
        block_w.append(bw)
        block_s.append(bs)
        block_n.append(bn)
    out: list[float] = []
    for bw, bs, bn in zip(block_w, block_s, block_n, strict=True):
        out.extend([bs / bw] * bn)
    return [y + o for y, o in zip(out, offsets, strict=True)]
