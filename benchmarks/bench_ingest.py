"""Import benchmark: pdca's usual path, pdca's bulk path and PM4Py, side by side in one run.

    .venv/bin/python benchmarks/bench_ingest.py [--repeat 3] [--scale 10] [--file PATH]

Files: the public ServiceNow log and a copy ``--scale`` times its size, generated into the
system's temporary folder (each copy of the rows gets its own incident numbers, ``INC<k>…``, so
no row repeats another; ``--scale 0`` skips it). The larger copy is beyond the default size limit
for one file (256 MiB decompressed), so pdca runs with ``PDCA_MAX_EXPANDED_BYTES=8GiB``.

Each measurement runs in a fresh Python process (start-up and imports included, as a user
experiences it) and reports wall time and that process's peak RSS (``ru_maxrss``). The three are
interleaved in every repeat, so a change of the machine's load hits them alike.

* pdca: ``pdca ingest FILE`` into a new store — parse, validate, quarantine, de-duplicate,
  derive ticket facts and the analyses' tables, commit to DuckDB (everything in pandas).
* pdca --bulk: the same through the bulk path (docs/bulk-import.md): Arrow record batches into
  DuckDB, validation and keys in SQL; the same events and quarantine.
* PM4Py: ``pandas.read_csv`` + ``pm4py.format_dataframe`` with the day-first format — PM4Py's
  way to get an event log in memory (it has no store, so it does less work).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
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
args = ["ingest", sys.argv[1], "--store", sys.argv[2], "--format", "json", *sys.argv[3:]]
try:
    app(args, standalone_mode=False)
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
print("ROWS", len(log), file=sys.stderr)
print("RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""

TOOLS = ("pdca", "pdca --bulk", "pm4py")


def _run(code: str, *args: str) -> tuple[float, float, str]:
    env = {**os.environ, "PDCA_MAX_EXPANDED_BYTES": "8GiB"}
    env.pop("PDCA_BULK", None)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env=env
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{proc.stderr[-2000:]}")
    rss_kib = next(
        int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("RSS ")
    )
    return wall, rss_kib / 1024, proc.stdout


def _scaled(source: Path, times: int, folder: Path) -> Path:
    """``source`` repeated ``times`` times, each copy with its own incident numbers (gzip)."""
    target = folder / f"servicenow_x{times}.csv.gz"
    with gzip.open(source, "rt", encoding="utf-8", newline="") as handle:
        header = handle.readline()
        lines = handle.read().splitlines(keepends=True)
    with gzip.open(target, "wt", encoding="utf-8", newline="", compresslevel=1) as out:
        out.write(header)
        for k in range(times):
            prefix = f"INC{k}"
            out.write("".join(prefix + ln[3:] if ln.startswith("INC") else ln for ln in lines))
    return target


def _measure(path: Path, repeat: int) -> dict[str, dict[str, float]]:
    runs: dict[str, list[tuple[float, float]]] = {tool: [] for tool in TOOLS}
    stored: dict[str, int] = {}
    for _ in range(repeat):
        for tool in TOOLS:
            if tool == "pm4py":
                wall, rss, _ = _run(PM4PY, str(path))
            else:
                with tempfile.TemporaryDirectory() as tmp:
                    extra = ["--bulk"] if tool.endswith("--bulk") else ["--no-bulk"]
                    wall, rss, out = _run(PDCA, str(path), str(Path(tmp) / "store"), *extra)
                # (the usual path's stdout may also hold DuckDB's progress bar)
                found = re.search(r'"stored": (\d+)', out)
                stored[tool] = int(found.group(1)) if found else -1
            runs[tool].append((wall, rss))
    if len(set(stored.values())) != 1:
        raise SystemExit(f"the two pdca paths stored different counts: {stored}")
    return {
        tool: {
            "median_s": round(statistics.median(w for w, _ in rows), 2),
            "min_s": round(min(w for w, _ in rows), 2),
            "peak_rss_mib": round(max(r for _, r in rows)),
            "events": stored.get(tool, 0),
        }
        for tool, rows in runs.items()
    }


def _print(name: str, summary: dict[str, dict[str, float]], repeat: int) -> None:
    print(f"\nfile: {name}   repeats: {repeat}")
    print(f"{'tool':<14}{'median wall (s)':>17}{'min (s)':>10}{'peak RSS (MiB)':>16}")
    for tool, row in summary.items():
        print(f"{tool:<14}{row['median_s']:>17}{row['min_s']:>10}{row['peak_rss_mib']:>16}")
    usual, bulk, pm4py = (summary[t] for t in TOOLS)
    print(
        f"bulk / usual: time {bulk['median_s'] / usual['median_s']:.2f}x, "
        f"peak memory {bulk['peak_rss_mib'] / usual['peak_rss_mib']:.2f}x; "
        f"bulk / pm4py: time {bulk['median_s'] / pm4py['median_s']:.2f}x, "
        f"peak memory {bulk['peak_rss_mib'] / pm4py['peak_rss_mib']:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=10, help="size of the copy (0: none)")
    args = parser.parse_args()
    if not args.file.exists():
        raise SystemExit(f"{args.file} not found (the public logs live in ../shared/data)")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        files = [args.file]
        if args.scale > 1:
            files.append(_scaled(args.file, args.scale, Path(folder)))
        for path in files:
            results[path.name] = _measure(path, args.repeat)
            _print(path.name, results[path.name], args.repeat)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
