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


def test_review_plan_reads_once_and_fits_each_forecast_once(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pdca.api.plan as plan_api  # noqa: PLC0415

    fits: list[str] = []
    opens: list[object] = []
    real_fit, real_open = plan_api.forecast_volume, plan_api.open_desk

    def counted_fit(*args: object, **kwargs: object) -> object:
        fits.append(str(kwargs["interval"]))
        return real_fit(*args, **kwargs)  # type: ignore[arg-type]

    def counted_open(*args: object, **kwargs: object) -> object:
        opens.append(args)
        return real_open(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plan_api, "forecast_volume", counted_fit)
    monkeypatch.setattr(plan_api, "open_desk", counted_open)
    got = plan_api.review_plan(
        store, horizon=14, folds=2, service_level="80/1h", staff_folds=2,
        objectives=store.parent / "objectives.toml",
    )  # fmt: skip
    assert sorted(fits) == ["day", "hour"]  # the daily and the hourly forecast, once each
    assert len(opens) == 1
    assert got.staffing is not None
    assert got.staffing_error is None
    assert len(got.forecast.frame) == 2 * 14
    # the same plan as pdca.staff makes on its own
    alone = api.staff(
        store, service_level="80/1h", objectives=store.parent / "objectives.toml", folds=2
    )
    assert got.staffing.plan.table["agents"].tolist() == alone.plan.table["agents"].tolist()
    assert got.staffing.plan.shrinkage == 0.25


def test_capacity_reads_the_store_once(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pdca.api.plan as plan_api  # noqa: PLC0415

    fits: list[str] = []
    real_fit = plan_api.forecast_volume

    def counted_fit(*args: object, **kwargs: object) -> object:
        fits.append(str(kwargs["interval"]))
        return real_fit(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plan_api, "forecast_volume", counted_fit)
    api.capacity(store, service_level="80/1h", days=7, replications=2)
    assert fits == ["hour"]


def test_the_reviews_plan_section(store: Path) -> None:
    from pdca.reports.plan import plan  # noqa: PLC0415
    from pdca.reports.review import Context  # noqa: PLC0415

    log = str(api.status(store)["log"].iloc[0])
    section = plan(Context(store, log, store.parent / "objectives.toml", "month"))
    assert section.body.count("<svg") == 2  # the forecast chart and the staffing heat map
    assert "agent-hours" in section.body
    assert "n = 3,000" in section.body
