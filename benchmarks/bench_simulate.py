"""Simulator benchmark: a year of 50,000 tickets into a store, and the parts on their own.

    .venv/bin/python benchmarks/bench_simulate.py [--tickets 50000] [--days 365] [--repeat 3]

Each measurement runs in a fresh process (so peak RSS is its own): generation alone (chunks
made and dropped), generation written to Parquet, and generation stored in a pdca store (what
`pdca simulate` and `pdca demo` do). Prints seconds, events per second and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from pdca.simulate import SimulationConfig, Simulator, simulate

mode, tickets, days, tmp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
config = SimulationConfig(tickets=tickets, days=days)
began = time.perf_counter()
if mode == "generate":
    events = sum(chunk.events.num_rows for chunk in Simulator(config).chunks())
elif mode == "parquet":
    events = simulate(config, out=tmp / "sim.parquet", fmt="parquet", hidden=False).events
else:
    events = simulate(config, store=tmp / "store").events
seconds = time.perf_counter() - began
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"events": events, "seconds": seconds, "rss_mb": rss}))
"""


def _once(mode: str, tickets: int, days: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, mode, str(tickets), str(days), tmp],
            check=True,
            capture_output=True,
            text=True,
        )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.tickets:,} tickets over {args.days} days, best of {args.repeat}")
    print(f"{'mode':<10} {'events':>10} {'seconds':>8} {'events/s':>10} {'peak RSS':>9}")
    for mode in ("generate", "parquet", "store"):
        runs = [_once(mode, args.tickets, args.days) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["seconds"])
        rss = statistics.median(r["rss_mb"] for r in runs)
        rate = best["events"] / best["seconds"]
        print(
            f"{mode:<10} {int(best['events']):>10,} {best['seconds']:>8.2f} {rate:>10,.0f}"
            f" {rss:>7.0f} MB"
        )


if __name__ == "__main__":
    main()
