"""Process-map layout timings (moved out of tests/render, which assert what is drawn, not how fast).

    .venv/bin/python benchmarks/bench_layout.py              # 100 nodes, 300 edges, best of 5
    .venv/bin/python benchmarks/bench_layout.py --volvo      # also the Volvo log's whole map

The synthetic graph is the one ``tests/render/test_layout.py`` routes (seed 1, 100 nodes, 300
edges with labels). With ``--volvo`` the Volvo incident log (``../shared/data``) is imported into
a temporary store and its whole process map (81 edges) is drawn as SVG. Goal for both: well under
a second (the best of the repeats, so a busy machine does not decide).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pdca.render.layout import Extent, LayoutEdge, layered_layout

VOLVO = Path(__file__).resolve().parents[2] / "shared" / "data" / "bpic2013_volvo_incidents.csv.gz"


def graph(seed: int, n: int, m: int) -> tuple[list[str], list[LayoutEdge], dict[str, Extent]]:
    """The random graph of tests/render/test_layout.py's ``_graph`` (with labels, cycles)."""
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(n)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < m:
        pairs.add((rng.randrange(n), rng.randrange(n)))
    edges = [
        LayoutEdge(
            names[a],
            names[b],
            weight=rng.randint(1, 500),
            label=(rng.randint(10, 60), 14) if a != b else None,
        )
        for a, b in sorted(pairs)
    ]
    extents = {
        v: Extent(rng.randint(40, 160), rng.choice([30, 48]), pad_right=rng.choice([0, 30]))
        for v in names
    }
    order = names[:]
    rng.shuffle(order)
    return order, edges, extents


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--volvo", action="store_true", help="also draw the Volvo log's map")
    args = parser.parse_args()

    nodes, edges, extents = graph(1, 100, 300)
    seconds = best_of(args.repeat, lambda: layered_layout(nodes, edges, extents))
    print(f"layout, 100 nodes / 300 edges: {seconds:.3f} s (best of {args.repeat})")

    if args.volvo:
        import pdca.api  # noqa: PLC0415 (only with --volvo)
        from pdca.engine.store import Store  # noqa: PLC0415
        from pdca.methods import mining  # noqa: PLC0415
        from pdca.render import process_map_svg  # noqa: PLC0415

        with tempfile.TemporaryDirectory() as root:
            log = pdca.api.ingest(VOLVO, store=root).log
            with Store.open(Path(root), read_only=True) as st:
                t = mining.prepare(st.events(log))
                dfg, start, end = (
                    mining.process_map(t),
                    mining.start_activities(t),
                    mining.end_activities(t),
                )
            seconds = best_of(args.repeat, lambda: process_map_svg(dfg, start, end))
        print(f"Volvo process map as SVG ({len(dfg)} edges): {seconds:.3f} s")


if __name__ == "__main__":
    main()
