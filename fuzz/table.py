# ruff: noqa: T201 - a command-line script
"""The Markdown table of a fuzzing run's ``summary.json`` (docs/fuzzing.md, the README).

    python -m fuzz.table /tmp/pdca-fuzz/summary.json [more summary.json files, summed]

One row per target: inputs, imported, clean errors, crashes, CPU seconds, inputs per CPU second,
the full-path sample (stored and queried / clean errors / crashes), and the CPU hours that 10^6
inputs would take on one core at the measured rate.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

COLUMNS = (
    "inputs",
    "imported",
    "clean_errors",
    "crashes",
    "cpu_seconds",
    "full_sampled",
    "full_stored",
    "full_clean_errors",
    "full_crashes",
)


def merged(paths: list[Path]) -> tuple[dict[str, Counter[str]], list[str]]:
    """The runs' per-target counts summed; and the runs' dates."""
    totals: dict[str, Counter[str]] = {}
    dates = []
    for path in paths:
        run: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        dates.append(str(run["date"]))
        for name, row in run["targets"].items():
            counts = totals.setdefault(name, Counter())
            for column in COLUMNS:
                counts[column] += row.get(column) or 0
    return totals, dates


def table(paths: list[Path]) -> str:
    """The Markdown table."""
    totals, dates = merged(paths)
    lines = [
        f"Run(s) of {', '.join(dates)} (UTC).",
        "",
        (
            "| target | inputs | imported | clean errors | crashes | CPU s | inputs / CPU s "
            "| 10^6 inputs, CPU h | full path: stored+queried / clean / crashes |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, c in totals.items():
        rate = c["inputs"] / c["cpu_seconds"] if c["cpu_seconds"] else 0.0
        hours = f"{1e6 / rate / 3600:.1f}" if rate else "-"
        lines.append(
            f"| {name} | {c['inputs']:,} | {c['imported']:,} | {c['clean_errors']:,} "
            f"| {c['crashes']} | {c['cpu_seconds']:.0f} | {rate:.1f} | {hours} "
            f"| {c['full_stored']} / {c['full_clean_errors']} / {c['full_crashes']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print(table([Path(p) for p in sys.argv[1:]]))
