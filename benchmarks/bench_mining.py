"""Process-mining benchmark: pdca vs PM4Py on a 20x copy of the Volvo log, side by side.

    .venv/bin/python benchmarks/bench_mining.py                     # 20 copies, 1.31M events
    .venv/bin/python benchmarks/bench_mining.py --copies 5          # a quicker look
    .venv/bin/python benchmarks/bench_mining.py --events 10000000   # pdca alone, 10M events

The log is written as a plain CSV in a temporary directory: copy k of every ticket gets the case
id ``<SR Number>-k``, so the copies are distinct tickets with the same paths and times.

Each side runs in its own fresh Python process, timing each step and reporting the process's
peak RSS (``ru_maxrss``):

* pdca: ``pdca.ingest`` the CSV into a new store (the import also orders every ticket's events
  once and keeps them, see ``pdca.methods.mining.materialize``); then, on the imported data, open
  the kept traces, the process map with start/end steps, the process map with waiting times
  (again with start/end steps), the variants and the case durations.
* PM4Py: ``pandas.read_csv`` + timestamp parsing + ``pm4py.format_dataframe``; then
  ``discover_dfg``, ``discover_performance_dfg``, ``get_variants`` and
  ``get_all_case_durations`` on its DataFrame.

A third process runs pdca's analysis alone on the store the first one wrote, to show the memory
the analysis itself needs (the first process's peak is the import's).

A fourth process takes pdca's direct path — the CSV file to results without a store
(``pdca.api.analyse.file_events``): DuckDB reads the columns the analyses need straight from the
file into a temporary table (one parallel pass, dates parsed with the connector's format), then
the same mining functions order the traces once (``mining.prepare``) and compute the same four
results. ``--threads`` and ``--memory-limit`` are passed to its DuckDB.

Ratios printed: analysis on imported data (PM4Py's four analysis calls vs pdca's opening its
kept traces plus its four), CSV file to all results (each side's in-process steps summed: for
the direct path its read, ordering and four results), and peak memory. Every process's peak
includes its Python imports: ``import pdca`` alone (pandas, pyarrow, Ibis, DuckDB) is about
170 MiB of RSS, the floor of any pdca run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOLVO = ROOT.parent / "shared" / "data" / "bpic2013_volvo_incidents.csv.gz"
ANALYSIS = ("dfg", "performance", "variants", "durations")

PDCA = """
import json, resource, sys, time
steps = {}
t = time.perf_counter()
import pdca
from pdca.engine.store import Store
from pdca.methods import mining
from pdca.methods.mining.materialize import kept_traces
steps["python imports"] = time.perf_counter() - t
csv, store, do_import = sys.argv[1], sys.argv[2], sys.argv[3] == "1"

def step(name, fn):
    t = time.perf_counter()
    out = fn()
    steps[name] = time.perf_counter() - t
    return out

if do_import:
    step("read + import", lambda: pdca.ingest(csv, store=store))
with Store.open(store, read_only=True) as st:
    log = str(st.logs()["log"].iloc[0])
    events = st.events(log)
    t = step("open kept traces", lambda: kept_traces(events, lambda n: st.derived(n, log)))
    sizes = {"events": int(events.count().to_pyarrow().as_py())}
    def dfg():
        edges = mining.process_map(t, performance=False)
        return edges, mining.start_activities(t), mining.end_activities(t)
    def perf():
        edges = mining.process_map(t)
        return edges, mining.start_activities(t), mining.end_activities(t)
    edges, _, _ = step("dfg", dfg)
    step("performance", perf)
    v = step("variants", lambda: mining.variant_table(t))
    d = step("durations", lambda: mining.case_durations(t))
    sizes |= {"edges": len(edges), "variants": len(v), "cases": len(d)}
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"steps": steps, "rss_mib": rss, "sizes": sizes}))
"""

DIRECT = """
import json, resource, sys, time
from contextlib import ExitStack
steps = {}
t = time.perf_counter()
from pdca.api.analyse import file_events
from pdca.methods import mining
steps["python imports"] = time.perf_counter() - t
csv, settings = sys.argv[1], json.loads(sys.argv[2])
rss_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def step(name, fn):
    t = time.perf_counter()
    out = fn()
    steps[name] = time.perf_counter() - t
    return out

with ExitStack() as stack:
    events = step("read CSV (direct)", lambda: stack.enter_context(
        file_events(csv, columns=["activity"], settings=settings)))
    t = step("order traces", lambda: mining.prepare(events))
    sizes = {"events": int(events.count().to_pyarrow().as_py())}
    def dfg():
        edges = mining.process_map(t, performance=False)
        return edges, mining.start_activities(t), mining.end_activities(t)
    def perf():
        edges = mining.process_map(t)
        return edges, mining.start_activities(t), mining.end_activities(t)
    edges, _, _ = step("dfg", dfg)
    step("performance", perf)
    v = step("variants", lambda: mining.variant_table(t))
    d = step("durations", lambda: mining.case_durations(t))
    sizes |= {"edges": len(edges), "variants": len(v), "cases": len(d)}
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"steps": steps, "rss_mib": rss, "rss_imports_mib": rss_imports, "sizes": sizes}))
"""

PM4PY = """
import json, resource, sys, time
steps = {}
t = time.perf_counter()
import pandas as pd
import pm4py
steps["python imports"] = time.perf_counter() - t
csv = sys.argv[1]

def step(name, fn):
    t = time.perf_counter()
    out = fn()
    steps[name] = time.perf_counter() - t
    return out

def load():
    df = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    ts = pd.to_datetime(df["Change Date+Time"], format="ISO8601", utc=True)
    df["Change Date+Time"] = ts.dt.tz_localize(None)
    return pm4py.format_dataframe(df, case_id="SR Number", activity_key="Activity",
                                  timestamp_key="Change Date+Time")

log = step("read + import", load)
dfg, _, _ = step("dfg", lambda: pm4py.discover_dfg(log))
step("performance", lambda: pm4py.discover_performance_dfg(log))
v = step("variants", lambda: pm4py.get_variants(log))
d = step("durations", lambda: pm4py.get_all_case_durations(log))
sizes = {"events": len(log), "edges": len(dfg), "variants": len(v), "cases": len(d)}
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"steps": steps, "rss_mib": rss, "sizes": sizes}))
"""


def write_copies(source: Path, target: Path, copies: int) -> int:
    """Write ``copies`` copies of the log, case ids suffixed per copy; return the event count."""
    with gzip.open(source, "rt", encoding="utf-8-sig", newline="") as f:
        header, *lines = f.read().splitlines()
    if any('"' in line.split(",", 1)[0] for line in lines):
        raise SystemExit("unexpected quoting in the case id column")
    width = len(str(copies - 1))
    split = _split(lines)
    with target.open("w", encoding="utf-8", newline="\n") as out:
        out.write(header + "\n")
        for k in range(copies):
            suffix = f"-{k:0{width}d},"
            out.writelines(case + suffix + rest + "\n" for case, rest in split)
    return len(lines) * copies


def _split(lines: list[str]) -> list[tuple[str, str]]:
    """(case id, rest of the line) of each CSV line; the case id is the first column."""
    return [(case, rest) for case, _, rest in (line.partition(",") for line in lines)]


def run(code: str, *args: str) -> dict[str, object]:
    """Run one side in a fresh interpreter; return its report plus the process wall time."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{proc.stderr[-3000:]}")
    report: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    report["process_s"] = wall
    return report


def _steps(report: dict[str, object]) -> dict[str, float]:
    steps = report["steps"]
    assert isinstance(steps, dict)
    return {str(k): float(v) for k, v in steps.items()}


def _table(reports: dict[str, dict[str, object]]) -> None:
    names: list[str] = []
    for r in reports.values():
        names += [n for n in _steps(r) if n not in names]
    print(f"{'step (seconds)':<22}" + "".join(f"{k:>20}" for k in reports))
    for n in names:
        cells = [_steps(r).get(n) for r in reports.values()]
        print(f"{n:<22}" + "".join(f"{c:>20.3f}" if c is not None else f"{'—':>20}" for c in cells))
    print(
        f"{'process wall':<22}"
        + "".join(f"{float(r['process_s']):>20.2f}" for r in reports.values())
    )  # type: ignore[arg-type]
    print(
        f"{'peak RSS (MiB)':<22}"
        + "".join(f"{float(r['rss_mib']):>20.0f}" for r in reports.values())
    )  # type: ignore[arg-type]
    for name, r in reports.items():
        print(f"{name}: {r['sizes']}")


def _sum(report: dict[str, object], names: tuple[str, ...]) -> float:
    steps = _steps(report)
    return sum(steps[n] for n in names if n in steps)


def _direct_ratios(direct: dict[str, object], theirs: dict[str, object]) -> None:
    ours_e = _sum(direct, ("read CSV (direct)", "order traces", *ANALYSIS))
    theirs_e = _sum(theirs, ("read + import", *ANALYSIS))
    rss_d, rss_t = float(direct["rss_mib"]), float(theirs["rss_mib"])  # type: ignore[arg-type]
    floor = float(direct["rss_imports_mib"])  # type: ignore[arg-type]
    print()
    print(
        f"CSV file to all results, direct path (no store): pdca {ours_e:.2f} s, "
        f"PM4Py {theirs_e:.2f} s -> {theirs_e / ours_e:.1f}x faster (goal >= 8x)"
    )
    print(
        f"peak memory, direct path: pdca {rss_d:.0f} MiB, PM4Py {rss_t:.0f} MiB "
        f"-> {rss_d / rss_t:.2f} of PM4Py's (goal <= 0.10); of which Python imports "
        f"{floor:.0f} MiB ({floor / rss_t:.2f} of PM4Py's)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=VOLVO)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument(
        "--events",
        type=int,
        default=None,
        help="pdca alone, with at least this many events (whole copies of the log)",
    )
    parser.add_argument("--keep", type=Path, default=None, help="work here instead of a temp dir")
    parser.add_argument("--threads", type=int, default=None, help="direct path: DuckDB threads")
    parser.add_argument(
        "--memory-limit", default=None, help="direct path: DuckDB memory_limit, e.g. 500MB"
    )
    parser.add_argument(
        "--direct-only", action="store_true", help="the direct path and PM4Py, no import"
    )
    args = parser.parse_args()
    if not args.file.exists():
        raise SystemExit(f"{args.file} not found (the public logs live in ../shared/data)")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        csv = work / "volvo_copies.csv"
        with gzip.open(args.file, "rt", encoding="utf-8-sig") as f:
            per_copy = sum(1 for _ in f) - 1
        copies = math.ceil(args.events / per_copy) if args.events else args.copies
        t = time.perf_counter()
        n = write_copies(args.file, csv, copies)
        mib = csv.stat().st_size / 2**20
        print(f"{copies} copies, {n:,} events, {mib:.0f} MiB CSV ({time.perf_counter() - t:.1f} s)")
        print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()}")
        store = work / "store"
        settings: dict[str, object] = {}
        if args.threads:
            settings["threads"] = args.threads
        if args.memory_limit:
            settings["memory_limit"] = args.memory_limit
        reports: dict[str, dict[str, object]] = {}
        if not args.direct_only:
            reports["pdca"] = run(PDCA, str(csv), str(store), "1")
            reports["pdca analysis only"] = run(PDCA, str(csv), str(store), "0")
        reports["pdca direct (no store)"] = run(DIRECT, str(csv), json.dumps(settings))
        if args.events is None:
            reports["pm4py"] = run(PM4PY, str(csv))
        print()
        _table(reports)
        if "pm4py" not in reports:
            return
        theirs = reports["pm4py"]
        _direct_ratios(reports["pdca direct (no store)"], theirs)
        if args.direct_only:
            return
        ours = reports["pdca"]
        ours_a = _sum(ours, ("open kept traces", *ANALYSIS))
        theirs_a = _sum(theirs, ANALYSIS)
        ours_e = _sum(ours, ("read + import", "open kept traces", *ANALYSIS))
        theirs_e = _sum(theirs, ("read + import", *ANALYSIS))
        rss_o, rss_t = float(ours["rss_mib"]), float(theirs["rss_mib"])  # type: ignore[arg-type]
        rss_a = float(reports["pdca analysis only"]["rss_mib"])  # type: ignore[arg-type]
        print()
        print(
            f"analysis on imported data: pdca {ours_a:.2f} s, PM4Py {theirs_a:.2f} s "
            f"-> {theirs_a / ours_a:.1f}x faster (goal >= 20x)"
        )
        print(
            f"CSV file to all results:   pdca {ours_e:.2f} s, PM4Py {theirs_e:.2f} s "
            f"-> {theirs_e / ours_e:.1f}x faster (goal >= 8x)"
        )
        print(
            f"peak memory:               pdca {rss_o:.0f} MiB, PM4Py {rss_t:.0f} MiB "
            f"-> {rss_o / rss_t:.2f} of PM4Py's (goal <= 0.10); "
            f"pdca analysis alone {rss_a:.0f} MiB = {rss_a / rss_t:.2f}"
        )


if __name__ == "__main__":
    main()
