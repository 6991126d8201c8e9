"""Import benchmark: pdca vs PM4Py on the public ServiceNow log, side by side in one run.

    .venv/bin/python benchmarks/bench_ingest.py [--repeat 3] [--file PATH]

Each measurement runs in a fresh Python process (start-up and imports included, as a user
experiences it) and reports wall time and that process's peak RSS.

* pdca: ``pdca ingest FILE`` into a new store — parse, validate, quarantine, de-duplicate,
  derive ticket facts, commit to DuckDB.
* PM4Py: ``pandas.read_csv`` + ``pm4py.format_dataframe`` with the day-first format — PM4Py's
  way to get an event log in memory (it has no store, so it does less work).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data" / "servicenow_incident_event_log.csv.gz"

PDCA = """
import resource, sys, json
from pdca.interfaces.cli.app import app
try:
    app(["ingest", sys.argv[1], "--store", sys.argv[2], "--format", "json"], standalone_mode=False)
finally:
    print("RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""

PM4PY = """
import resource, sys
import pandas as pd
import pm4py
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
df["sys_updated_at"] = pd.to_datetime(df["sys_updated_at"], format="%d/%m/%Y %H:%M")
log = pm4py.format_dataframe(df, case_id="number", activity_key="incident_state",
                             timestamp_key="sys_updated_at")
assert len(log) > 0
print("RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def _run(code: str, *args: str) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{proc.stderr[-2000:]}")
    rss_kib = next(
        int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("RSS ")
    )
    return wall, rss_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.file.exists():
        raise SystemExit(f"{args.file} not found (the public logs live in ../shared/data)")
    results: dict[str, list[tuple[float, float]]] = {"pdca": [], "pm4py": []}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            results["pdca"].append(_run(PDCA, str(args.file), str(Path(tmp) / "store")))
        results["pm4py"].append(_run(PM4PY, str(args.file)))
    summary = {
        name: {
            "median_s": round(statistics.median(w for w, _ in runs), 2),
            "peak_rss_mib": round(max(r for _, r in runs)),
        }
        for name, runs in results.items()
    }
    print(f"file: {args.file.name}   repeats: {args.repeat}")
    print(f"{'tool':<8}{'median wall (s)':>18}{'peak RSS (MiB)':>18}")
    for name, row in summary.items():
        print(f"{name:<8}{row['median_s']:>18}{row['peak_rss_mib']:>18}")
    ratio_t = summary["pm4py"]["median_s"] / summary["pdca"]["median_s"]
    ratio_m = summary["pm4py"]["peak_rss_mib"] / summary["pdca"]["peak_rss_mib"]
    print(f"pm4py/pdca: time {ratio_t:.2f}x, memory {ratio_m:.2f}x")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
