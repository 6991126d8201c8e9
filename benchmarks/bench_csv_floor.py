"""The memory floor of reading the mining benchmark's CSV with DuckDB, before any analysis.

    .venv/bin/python benchmarks/bench_csv_floor.py            # the 20x Volvo copy (1.31M events)

Issue 4 asks for peak memory at most 1/10 of PM4Py's on the CSV-to-results path. This script
says how much of that a process spends just to read the file with DuckDB (the embedded engine
pdca is built on), in fresh Python processes that import nothing but DuckDB:

* ``count``: count the rows (one pass over the file, nothing kept);
* ``copy``: copy the three columns process mining needs (ticket, step, time) into a table;

each with DuckDB's default threads and with one thread. It writes the same CSV as
``bench_mining.py`` (20 copies of the Volvo log) and prints each process's peak RSS (``VmHWM``
of /proc/self/status, on Linux) next to a bare Python process's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mining import VOLVO, write_copies

CHILD = """
import json, resource, sys
if sys.argv[1] != "bare":
    import duckdb
    con = duckdb.connect()
    if sys.argv[3] != "default":
        con.execute(f"SET threads = {int(sys.argv[3])}")
    names = json.loads(sys.argv[4])
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    src = f"read_csv('{sys.argv[2]}', header = true, auto_detect = false, columns = {columns})"
    if sys.argv[1] == "count":
        con.execute(f"SELECT count(*) FROM {src}").fetchall()
    else:
        con.execute(
            f'CREATE TABLE t AS SELECT "SR Number", "Activity", "Change Date+Time" FROM {src}'
        )
# VmHWM: this process's own peak; ru_maxrss would keep the parent's peak across fork + exec
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
kib = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(kib / 1024)
"""


def peak(kind: str, csv: Path, threads: str, names: list[str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(csv), threads, json.dumps(names)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "volvo.csv"
        events = write_copies(VOLVO, csv, args.copies)
        names = csv.open(encoding="utf-8").readline().rstrip("\n").split(",")
        print(f"{events:,} events, {csv.stat().st_size / 2**20:.0f} MiB CSV")
        print(f"bare Python: {peak('bare', csv, 'default', names):.0f} MiB")
        for kind in ("count", "copy"):
            for threads in ("default", "1"):
                mib = peak(kind, csv, threads, names)
                print(f"DuckDB {kind:<5} threads={threads:<7}: {mib:.0f} MiB peak")


if __name__ == "__main__":
    main()
