"""Time and accuracy of the default forecast model (ETS) against the seasonal-naive baseline on
a two-year simulated desk: `python benchmarks/bench_forecast.py`. No other backend is added
unless it beats both here (docs/forecast.md)."""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

import pdca
from pdca.methods.forecast import backtest, daily_counts
from pdca.simulate import SimulationConfig, simulate


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        simulate(
            SimulationConfig(seed=11, start=date(2025, 1, 1), days=730, tickets=20_000), store=store
        )
        with pdca.open(store) as desk:
            days = daily_counts(desk.tickets()["opened_at"])
    for model in ("ets", "seasonal_naive"):
        start = time.perf_counter()
        (result,) = backtest(days, horizon=14, folds=12, models=(model,))
        took = time.perf_counter() - start
        print(
            f"{model:15s} MASE {result.mase:.3f}  cov80 {result.coverage80:.1%}  "
            f"cov95 {result.coverage95:.1%}  {took / result.folds * 1000:.0f} ms per fit"
        )


if __name__ == "__main__":
    main()
