"""Scorecard benchmark on the public ServiceNow log.

    .venv/bin/python benchmarks/bench_scorecard.py [--repeat 5]

Imports the log once into a temporary store, then times `pdca scorecard` end to end in a fresh
process (start-up included): first with no kept result (as right after an import: everything is
computed), then asked again (the result kept beside the store is read). Also times the scorecard
computation alone inside one process.
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
from pdca.engine.cache import ResultCache

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
        command = [sys.executable, "-m", "pdca.interfaces.cli", "scorecard", "--store", str(store)]
        cold, warm, inproc = [], [], []
        for _ in range(args.repeat):
            ResultCache(store).clear()
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            warm.append(time.perf_counter() - start)
            ResultCache(store).clear()
            start = time.perf_counter()
            scorecard(store=store)
            inproc.append(time.perf_counter() - start)
    print(f"pdca scorecard, computed (CLI, fresh process): median {statistics.median(cold):.2f} s")
    print(f"pdca scorecard, asked again (CLI):            median {statistics.median(warm):.2f} s")
    print(f"scorecard computation (in process):           median {statistics.median(inproc):.2f} s")


if __name__ == "__main__":
    main()
