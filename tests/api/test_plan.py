"""pdca.forecast / pdca.staff / pdca.capacity on a small simulated store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pdca import api
from pdca.simulate import SimulationConfig, simulate


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("plan") / "store"
    simulate(SimulationConfig(seed=5, start=date(2025, 1, 1), days=120, tickets=3000), store=where)
    (where.parent / "objectives.toml").write_text("[staffing]\nshrinkage = 0.25\n")
    return where


def test_forecast_states_what_it_is(store: Path) -> None:
    got = api.forecast(store, horizon=14, folds=2)
    summary = got.summary()
    assert summary["n"] == 3000
    assert {r["model"] for r in summary["backtest"]} == {"ets", "seasonal_naive"}
    assert len(got.frame) == 2 * 14


def test_staff_takes_shrinkage_from_the_objectives(store: Path) -> None:
    got = api.staff(store, service_level="80/1h", objectives=store.parent / "objectives.toml")
    table = got.plan.table
    assert len(table) == 168
    assert got.plan.shrinkage == 0.25
    staffed = table[table["agents"] > 0]
    assert (staffed["positions"] >= staffed["agents"] / 0.75 - 1e-9).all()
    assert "median time in progress" in got.inputs["aht_from"]


def test_capacity_two_scenarios(store: Path) -> None:
    plan, fewer = api.capacity(store, service_level="80/1h", days=7, replications=5)
    assert plan.service_level > fewer.service_level
    assert len(plan.daily) == 7


def test_public_names() -> None:
    assert {"forecast", "staff", "capacity"} <= set(dir(api))
