# ruff: noqa: RUF002, RUF003  (mathematical notation: α, − are meant)
"""The calibration study in small (benchmarks/bench_calibration.py; docs/calibration.md).

Ten null initiatives (nothing planted) on one simulated desk of the demo's volume, and four
planted ones (the service 20 % faster from go-live) on the four largest services, each on its
own desk; every initiative verified with and without the comparison group when ``verify``
offers both.

Bounds, by binomial arithmetic:

* nulls — a verification calibrated at α = 5 % gives a false verdict on 10 nulls 3 or more times
  with probability 1 − P(X ≤ 2 | n = 10, p = 0.05) = 1.2 %; so at most 2 false verdicts per
  design (a method at 10 % still fails this only 7 % of the time: it is a smoke test, the study
  itself measures the rate);
* planted — on a service with 13 or more tickets a day the study detects the 20 % improvement
  far more often than not; if the detection rate were as low as 50 %, all four missing would
  happen 6 % of the time, at 70 % 0.8 %: so at least one of four per design;
* wrong sign — a planted improvement verified as *worsened* needs an error of the estimate
  larger than the effect in the wrong direction beyond the interval; the goal is never, and
  with four planted initiatives any occurrence fails.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from pdca.improve.stats import IMPROVED, WORSENED

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_calibration.py"
LARGEST = ("Email", "Network", "Laptops & Desktops", "Identity & Access")


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_calibration", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    b = _bench()
    tasks = b.plan(["plain"], 10, 0, 7, per_desk=10)
    assert len(tasks) == 1
    days = b.BASELINE_DAYS + b.SPREAD_DAYS + b.AFTER_DAYS
    for k, service in enumerate(LARGEST):
        start = date(2025, 1 + 3 * k, 1)
        go_live = datetime.combine(start, datetime.min.time()) + timedelta(
            days=b.BASELINE_DAYS + 7 * k
        )
        init = b.Initiative(service, go_live, planted=True)
        tasks.append(b.DeskTask("plain", "planted", 500 + k, start, days, 0, (init,)))
    out: list[dict[str, object]] = b.run_tasks(tasks, jobs=1)
    return out


@pytest.mark.slow
def test_null_initiatives_rarely_get_a_verdict(rows: list[dict[str, object]]) -> None:
    nulls = [r for r in rows if r["role"] != "planted"]
    designs = {r["design"] for r in nulls}
    assert designs
    for design in designs:
        mine = [r for r in nulls if r["design"] == design]
        assert len(mine) == 10
        assert not [r["error"] for r in mine if r["verdict"] == "error"]
        false = [r for r in mine if r["verdict"] in (IMPROVED, WORSENED)]
        assert len(false) <= 2, (design, false)


@pytest.mark.slow
def test_planted_improvements_are_found_and_never_called_worse(
    rows: list[dict[str, object]],
) -> None:
    planted = [r for r in rows if r["role"] == "planted"]
    for design in {r["design"] for r in planted}:
        mine = [r for r in planted if r["design"] == design]
        assert len(mine) == len(LARGEST)
        assert not [r for r in mine if r["verdict"] == WORSENED], design
        assert sum(r["verdict"] == IMPROVED for r in mine) >= 1, (design, mine)
        # the truth is known: the planted change made the after cohort faster
        assert all(float(str(r["truth"])) < 0 for r in mine)
