"""Bursts: a planted burst is found; on null streams (no burst, 60 seeds) the share of groups
flagged stays at or below the stated false-alarm rate; the simulator's major incidents are
found on their configuration item."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import InputError
from pdca.methods.problems import BurstRule, scan_bursts

GROUPS = {"a": 0.02, "b": 0.05, "c": 0.1}
"""Shares of the desk's tickets of three groups (the rest are other tickets)."""


def _desk(seed: int, per_day: float = 25, days: int = 365) -> tuple[pd.Series, pd.Series]:
    """A desk with a strong daily rhythm (80 % of tickets 8-18 h, fewer at weekends) whose
    groups are a random share of its tickets: no burst anywhere."""
    rng = np.random.default_rng(seed)
    n = int(rng.poisson(per_day * days))
    day = rng.integers(0, days, n)
    weekend = (day % 7) >= 5
    keep = ~weekend | (rng.random(n) < 0.3)
    day = day[keep]
    m = len(day)
    hour = np.where(rng.random(m) < 0.8, rng.uniform(8, 18, m), rng.uniform(0, 24, m))
    opened = pd.Timestamp("2025-01-01") + pd.to_timedelta(day * 24 + hour, unit="h")
    names = [*GROUPS, "other"]
    shares = [*GROUPS.values(), 1 - sum(GROUPS.values())]
    return pd.Series(opened), pd.Series(rng.choice(names, m, p=shares))


def _upper(k: int, n: int, level: float = 0.95) -> float:
    """Upper limit of the two-sided Clopper-Pearson interval of k successes in n."""
    return 1.0 if k == n else float(beta.ppf(1 - (1 - level) / 2, k + 1, n - k))


def _lower(k: int, n: int, level: float = 0.95) -> float:
    return 0.0 if k == 0 else float(beta.ppf((1 - level) / 2, k, n - k + 1))


def test_false_alarm_rate_on_null_streams() -> None:
    rule = BurstRule(false_alarms_per_year=0.2, permutations=199)
    flagged, trials = 0, 0
    for seed in range(60):
        opened, groups = _desk(seed)
        only = groups.where(groups != "other")
        episodes, scanned = scan_bursts(opened, {"cluster": only}, rule)
        assert set(scanned["group"]) == set(GROUPS)
        flagged += episodes["group"].nunique()
        trials += len(scanned)
        alpha = float(scanned["alpha_span"].iloc[0])
    # the stated rate over this span lies at or above the interval's lower end
    assert _lower(flagged, trials) <= alpha, (flagged, trials, alpha)
    assert flagged / trials <= _upper(flagged, trials)


def test_planted_burst_is_found_with_its_window() -> None:
    opened, groups = _desk(101)
    rng = np.random.default_rng(5)
    start = pd.Timestamp("2025-06-04 10:00")
    planted = pd.Series(start + pd.to_timedelta(rng.uniform(0, 2, 10), unit="h"))
    opened = pd.concat([opened, planted], ignore_index=True)
    groups = pd.concat([groups, pd.Series(["a"] * 10)], ignore_index=True)
    only = groups.where(groups != "other")
    episodes, _ = scan_bursts(opened, {"cluster": only}, BurstRule())
    hit = episodes[(episodes["group"] == "a") & (episodes["start"] <= start + pd.Timedelta("2h"))]
    hit = hit[hit["end"] >= start]
    assert len(hit) == 1
    row = hit.iloc[0]
    assert row["tickets"] >= 10
    assert row["expected_in_window"] < 2
    assert row["p_value"] <= row["alpha_span"]


def test_bad_rule_is_an_input_error() -> None:
    opened, groups = _desk(1, days=30)
    with pytest.raises(InputError, match="window"):
        scan_bursts(opened, {"g": groups}, BurstRule(window_hours=0))
    with pytest.raises(InputError, match="false-alarm"):
        scan_bursts(opened, {"g": groups}, BurstRule(false_alarms_per_year=1.5))


@pytest.mark.slow
def test_simulated_major_incidents_are_found_on_their_ci(tmp_path: Path) -> None:
    """The simulator plants major incidents (a CI's outage spawns related tickets within
    hours): the large ones are found on their configuration item."""
    from pdca.api.problems import bursts  # noqa: PLC0415
    from pdca.simulate import SimulationConfig, simulate  # noqa: PLC0415

    store = tmp_path / "store"
    simulate(SimulationConfig(days=90, seed=3), store=store)
    truth = json.loads((store / "simulation.json").read_text())["major_incidents"]
    got = bursts(store, by=["cmdb_ci"], permutations=199)
    big = [m for m in truth if m["tickets"] >= 8]
    assert big
    eps = got.episodes
    for mi in big:
        t0 = pd.Timestamp(mi["start"])
        on_ci = eps[(eps["group"] == mi["cmdb_ci"]) & (eps["end"] >= t0)]
        on_ci = on_ci[on_ci["start"] <= t0 + pd.Timedelta(hours=6)]
        assert len(on_ci) >= 1, mi
