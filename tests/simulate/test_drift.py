"""A desk-wide drift and a seasonal resolution time: the simulated times follow them exactly."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from pdca.simulate import InjectedChange, SimulationConfig, parse_change
from pdca.simulate.config import Timing
from tests.simulate.helpers import Run, median_with_open, run, tickets

BASE = {"seed": 5, "start": date(2025, 1, 1), "days": 180, "tickets": 12_000}
DRIFT = InjectedChange(
    kind="drift", factor=1.5, start=datetime(2025, 2, 1), end=datetime(2025, 5, 1)
)
WEEKDAY = (1.0, 1.0, 1.0, 1.1, 1.3, 1.6, 1.5)
MONTH = (1.0, 1.0, 1.0, 1.2, 1.0, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)


@pytest.fixture(scope="module")
def plain() -> Run:
    return run(SimulationConfig(**BASE))


@pytest.fixture(scope="module")
def drifted() -> Run:
    return run(SimulationConfig(**BASE, inject=(DRIFT,)))


def _own(r: Run) -> pd.DataFrame:
    """Tickets that are not related tickets of a major incident (those follow their parent)."""
    hidden = r.hidden.set_index("case_id")
    return hidden[hidden["major_incident"].isna()]


def _expected_drift(opened: pd.Series) -> np.ndarray:
    start, end = pd.Timestamp(DRIFT.start), pd.Timestamp(DRIFT.end)
    done = ((opened - start) / (end - start)).clip(0.0, 1.0).to_numpy()
    return 1.0 + (DRIFT.factor - 1.0) * done


def test_each_ticket_takes_the_drift_multiplier_of_its_opening_time(
    plain: Run, drifted: Run
) -> None:
    a, b = _own(plain), _own(drifted)
    ratio = (b["resolution_hours"] / a.loc[b.index, "resolution_hours"]).to_numpy()
    expected = _expected_drift(b["opened_at"])
    assert np.allclose(ratio, expected, rtol=1e-9)
    # the same rule, written once more by the change itself
    sample = b.iloc[:: max(1, len(b) // 50)]
    for opened, value in zip(sample["opened_at"], ratio[:: max(1, len(b) // 50)], strict=False):
        assert DRIFT.multiplier(opened.to_pydatetime()) == pytest.approx(value, rel=1e-9)
    # the counterfactual is the run without the drift
    assert np.allclose(b["counterfactual_hours"], a.loc[b.index, "resolution_hours"])
    effect = drifted.truth.changes[0]
    assert effect.tickets == int((drifted.hidden["opened_at"] >= DRIFT.start).sum())
    assert effect.mean_ratio is not None
    assert 1.2 < effect.mean_ratio < 1.5


def test_the_measured_resolution_times_follow_the_drift(plain: Run, drifted: Run) -> None:
    """From the events alone (plain pandas): the median of the tickets opened in a month, over
    the same in the run without the drift, follows the multiplier at mid-month."""
    base, drift = tickets(plain.events), tickets(drifted.events)
    months = ("2025-01", "2025-03", "2025-05")
    for month in months:
        period = pd.Period(month)
        mid = period.start_time + (period.end_time - period.start_time) / 2
        pick_a = base["opened"].dt.to_period("M") == period
        pick_b = drift["opened"].dt.to_period("M") == period
        ratio = median_with_open(drift.loc[pick_b, "resolution_h"]) / median_with_open(
            base.loc[pick_a, "resolution_h"]
        )
        expected = _expected_drift(pd.Series([mid]))[0]
        assert ratio == pytest.approx(expected, rel=0.06), (month, ratio, expected)


def test_seasonal_factors_stretch_by_weekday_and_month(plain: Run) -> None:
    timing = Timing(resolution_weekday_factor=WEEKDAY, resolution_month_factor=MONTH)
    seasonal = run(SimulationConfig(**BASE, timing=timing))
    a, b = _own(plain), _own(seasonal)
    ratio = (b["resolution_hours"] / a.loc[b.index, "resolution_hours"]).to_numpy()
    opened = b["opened_at"]
    expected = np.asarray(WEEKDAY)[opened.dt.day_of_week] * np.asarray(MONTH)[opened.dt.month - 1]
    assert np.allclose(ratio, expected, rtol=1e-9)
    # part of the process: the counterfactual (no injected change) includes it
    assert np.allclose(b["counterfactual_hours"], b["resolution_hours"])


def test_default_timing_has_no_seasonal_resolution() -> None:
    timing = Timing()
    assert set(timing.resolution_weekday_factor) == {1.0}
    assert set(timing.resolution_month_factor) == {1.0}
    with pytest.raises(ValueError, match="7 positive factors"):
        Timing(resolution_weekday_factor=(1.0,) * 6)


def test_parse_a_drift() -> None:
    change = parse_change("drift:1.15:2025-02-01:2025-08-01")
    assert change.kind == "drift"
    assert change.service is None
    assert change.factor == 1.15
    assert change.end == datetime(2025, 8, 1)
    assert change.describe().startswith("from 2025-02-01 to 2025-08-01")
    assert change.multiplier(datetime(2025, 1, 1)) == 1.0
    assert change.multiplier(datetime(2030, 1, 1)) == pytest.approx(1.15)
    one = parse_change("drift:0.9:2025-02-01:2025-08-01:VPN")
    assert one.service == "VPN"


@pytest.mark.parametrize(
    "spec",
    ["drift:1.1:2025-02-01", "drift:1.1:2025-03-01:2025-02-01", "drift:x:2025-02-01:2025-03-01"],
)
def test_bad_drifts_are_refused(spec: str) -> None:
    from pdca.errors import ConfigError  # noqa: PLC0415

    with pytest.raises(ConfigError):
        parse_change(spec)


def test_a_drift_needs_an_end_and_only_a_drift_has_one() -> None:
    with pytest.raises(ValueError, match="needs an end"):
        InjectedChange(kind="drift", factor=1.1, start=datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="an end is for a drift"):
        InjectedChange(
            kind="mttr", service="VPN", start=datetime(2025, 1, 1), end=datetime(2025, 2, 1)
        )
