"""Scorecard benchmark on the public ServiceNow log.

    .venv/bin/python benchmarks/bench_scorecard.py [--repeat 5]

Imports the log once into a temporary store, then times `pdca scorecard` end to end in a fresh
process (start-up included) and the scorecard computation alone inside one process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pdca
from pdca.api import scorecard

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT.parent / "shared" / "data" / "servicenow_incident_event_log.csv.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not LOG.exists():
        raise SystemExit(f"{LOG} not found (the public logs live in ../shared/data)")
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        pdca.ingest(LOG, store=store)
        cli, inproc = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "pdca.interfaces.cli", "scorecard", "--store", str(store)],
                check=True,
                capture_output=True,
            )
            cli.append(time.perf_counter() - start)
            start = time.perf_counter()
            scorecard(store=store)
            inproc.append(time.perf_counter() - start)
    print(f"pdca scorecard (CLI, fresh process): median {statistics.median(cli):.2f} s")
    print(f"scorecard computation (in process):  median {statistics.median(inproc):.2f} s")


if __name__ == "__main__":
    main()
