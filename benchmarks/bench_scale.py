"""Scale benchmark: the simulator's log at 1M, 10M and 100M events, stored and analysed.

    .venv/bin/python benchmarks/bench_scale.py                          # 1M and 10M events
    .venv/bin/python benchmarks/bench_scale.py --sizes 1M 10M 100M
    .venv/bin/python benchmarks/bench_scale.py --sizes 100M --memory-limit 3GB --dir /big/tmp

For each size (about 5.4 events per ticket, so 1M events = 185,185 tickets; over ``--days``
days, ten years by default) three fresh Python processes run one after the other on a new store
in a temporary directory (removed afterwards unless ``--keep``), each timing its steps and
reporting its peak RSS (``ru_maxrss``):

1. **ingest** — ``pdca.simulate.simulate(config, store=...)``: generate the log and write it into
   the store in one bulk append (``Store.bulk``: one transaction, the ticket facts built once);
   the hidden per-ticket values are not written (``hidden=False``);
2. **traces** — ``pdca.api.keep_mining_traces``: order every ticket's events for process mining
   and keep the derived tables, as ``pdca simulate`` and ``pdca demo`` do after simulating;
3. **analysis** — what the demo's review shows first: ``api.scorecard`` (every KPI of the last
   month against its target), ``api.mine`` ``dfg``, ``variants`` and ``durations`` (on the kept
   traces) and ``api.monitor`` (control charts of every KPI per service, weekly).

``--memory-limit`` (default 3GB) is handed to DuckDB as its ``memory_limit`` in every child, so
DuckDB spills to its temporary directory beside the store instead of taking up to 80 % of RAM
(its default). pdca has no setting for this yet; the children set it by wrapping
``duckdb.connect``. ``--memory-limit none`` keeps DuckDB's default.

Prints one table (seconds and peak RSS per phase) and, last, one JSON line with every number.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

EVENTS_PER_TICKET = 5.4
LOG = "simulated_incidents"

_PRELUDE = """
import json, resource, sys, time
limit = sys.argv[3]
if limit != "none":
    import duckdb
    _connect = duckdb.connect
    def connect(database=":memory:", read_only=False, config=None, **kw):
        return _connect(database, read_only=read_only,
                        config={**(config or {}), "memory_limit": limit}, **kw)
    duckdb.connect = connect
steps = {}
def step(name, fn):
    began = time.perf_counter()
    out = fn()
    steps[name] = round(time.perf_counter() - began, 2)
    return out
def done(**extra):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"steps": steps, "rss_mb": round(rss), **extra}))
"""

_INGEST = """
from pdca.simulate import SimulationConfig, simulate
tickets, days = (int(v) for v in sys.argv[4].split(","))
config = SimulationConfig(tickets=tickets, days=days)
report = step("simulate", lambda: simulate(config, store=sys.argv[1], hidden=False))
done(events=report.events, tickets=report.tickets, imports=len(report.import_ids))
"""

_TRACES = """
from pdca import api
step("keep_mining_traces", lambda: api.keep_mining_traces(sys.argv[1], sys.argv[2]))
done()
"""

_ANALYSIS = """
from pdca import api
store, log = sys.argv[1], sys.argv[2]
card = step("scorecard", lambda: api.scorecard(store=store, log=log))
dfg = step("mine dfg", lambda: api.mine("dfg", store=store, log=log))
variants = step("mine variants", lambda: api.mine("variants", store=store, log=log))
durations = step("mine durations", lambda: api.mine("durations", store=store, log=log))
signals = step("monitor", lambda: api.monitor(store=store, log=log))
done(kpis=len(card), edges=len(dfg), variants=len(variants), cases=len(durations),
     signals=len(signals))
"""

PHASES = {"ingest": _INGEST, "traces": _TRACES, "analysis": _ANALYSIS}


def parse_size(text: str) -> int:
    """``1M``, ``10m``, ``250k`` or a plain number of events."""
    units = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}
    unit = units.get(text[-1].lower())
    return round(float(text[:-1]) * unit) if unit else int(text)


def _child(phase: str, store: Path, limit: str, sizing: str) -> dict[str, Any]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PRELUDE + PHASES[phase], str(store), LOG, limit, sizing],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {phase} process failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - began, 2)  # start-up included
    return result


def _disk_mb(path: Path) -> int:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20)


def run_size(events: int, days: int, limit: str, parent: Path, keep: bool) -> dict[str, Any]:
    """The three phases on a fresh store; returns their numbers."""
    tickets = round(events / EVENTS_PER_TICKET)
    work = Path(tempfile.mkdtemp(prefix=f"pdca-scale-{events}-", dir=parent))
    store = work / "store"
    try:
        out: dict[str, Any] = {"target_events": events, "tickets": tickets, "days": days}
        for phase in PHASES:
            out[phase] = _child(phase, store, limit, f"{tickets},{days}")
            print(f"  {phase}: {json.dumps(out[phase])}", file=sys.stderr, flush=True)
        out["events"] = out["ingest"]["events"]
        out["store_mb"] = _disk_mb(store)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return out


def _table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'events':>12} {'tickets':>11} | {'ingest s':>8} {'RSS MB':>6} | {'traces s':>8}"
        f" {'RSS MB':>6} | {'analysis s':>10} {'RSS MB':>6} | {'total s':>7} {'store MB':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        total = sum(r[p]["wall_s"] for p in PHASES)
        lines.append(
            f"{r['events']:>12,} {r['tickets']:>11,} | {r['ingest']['wall_s']:>8.1f}"
            f" {r['ingest']['rss_mb']:>6} | {r['traces']['wall_s']:>8.1f}"
            f" {r['traces']['rss_mb']:>6} | {r['analysis']['wall_s']:>10.1f}"
            f" {r['analysis']['rss_mb']:>6} | {total:>7.1f} {r['store_mb']:>8,}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1M", "10M"], help="events, e.g. 1M 10M")
    parser.add_argument("--days", type=int, default=3650, help="simulated days (default 3650)")
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit, or none")
    parser.add_argument("--dir", type=Path, default=None, help="where the stores go (temp)")
    parser.add_argument("--keep", action="store_true", help="keep the stores")
    args = parser.parse_args()
    parent = args.dir or Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(parent).free / 2**30
    print(
        f"{os.cpu_count()} CPUs, {free:.0f} GiB free in {parent}, DuckDB memory_limit"
        f" {args.memory_limit}, {args.days} days",
        file=sys.stderr,
    )
    rows = []
    for size in args.sizes:
        events = parse_size(size)
        print(f"{events:,} events ...", file=sys.stderr, flush=True)
        rows.append(run_size(events, args.days, args.memory_limit, parent, args.keep))
    print(_table(rows))
    print("wall seconds per phase in a fresh process (start-up included); peak RSS per process")
    print(json.dumps({"memory_limit": args.memory_limit, "runs": rows}))


if __name__ == "__main__":
    main()
