"""Start-up of the `pdca` command: wall time of fresh processes, the median of N.

    .venv/bin/python benchmarks/bench_startup.py            # 15 processes per case
    .venv/bin/python benchmarks/bench_startup.py --runs 31

Cases: `pdca --help`, `pdca --version` and a usage error (`pdca --no-such-option`), which import
no command module (so none of pandas, NumPy, Ibis, DuckDB, SciPy); `pdca kpi --help`, which loads
the measure commands and what they import; and `python -c "import pdca.interfaces.cli.measure"`,
a real command's import cost on its own. Goal: `pdca --help` under 0.3 s. Each process is the
console script next to this interpreter, run with its output discarded. (`pdca` ends with
``os._exit`` once its output is flushed; `python -c` also pays for tearing the modules down.)

Measured 2026-12-07 on the 2-core machine, busy (load 4.8), 11 runs: --help 0.107 s, --version
0.072 s, usage error 0.075 s, kpi --help 0.755 s, the measure import 0.874 s (before: --help
1.67 s, as every command module and the analytics stack loaded at start-up).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

PDCA = str(Path(sys.executable).with_name("pdca"))

CASES: list[tuple[str, list[str], int]] = [
    ("pdca --help", [PDCA, "--help"], 0),
    ("pdca --version", [PDCA, "--version"], 0),
    ("usage error (pdca --no-such-option)", [PDCA, "--no-such-option"], 2),
    ("pdca kpi --help (loads the measure commands)", [PDCA, "kpi", "--help"], 0),
    (
        "import pdca.interfaces.cli.measure",
        [sys.executable, "-c", "import pdca.interfaces.cli.measure"],
        0,
    ),
    ("python -c pass (the interpreter alone)", [sys.executable, "-c", "pass"], 0),
]


def wall(command: list[str], code: int) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != code:
        sys.exit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per case")
    args = parser.parse_args()
    for _, command, code in CASES:  # warm the file cache and bytecode once
        wall(command, code)
    width = max(len(label) for label, _, _ in CASES)
    print(f"{'case':<{width}}  median   min      max      ({args.runs} fresh processes each)")
    for label, command, code in CASES:
        times = [wall(command, code) for _ in range(args.runs)]
        print(
            f"{label:<{width}}  {statistics.median(times):.3f} s  "
            f"{min(times):.3f} s  {max(times):.3f} s"
        )


if __name__ == "__main__":
    main()
