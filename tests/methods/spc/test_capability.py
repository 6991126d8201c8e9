# ruff: noqa: RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Capability indices, DPMO and sigma level, Pareto analysis (published pistonrings values are
in test_reference_cases)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pdca.errors import ConfigError, InputError
from pdca.methods.spc import Capability, Pareto, dpmo, sigma_level
from pdca.methods.spc.sigma import d2


def test_normal_indices_closed_form() -> None:
    x = np.array([9.0, 10.0, 11.0, 10.5, 9.5, 10.0, 10.2, 9.8])
    fitted = Capability(lsl=7.0, usl=14.0, target=10.5).fit(x, sigma_within=0.5)
    mu, so = x.mean(), x.std(ddof=1)
    assert fitted.cp_ == pytest.approx(7.0 / 3.0)
    assert fitted.cpl_ == pytest.approx((mu - 7) / 1.5)
    assert fitted.cpu_ == pytest.approx((14 - mu) / 1.5)
    assert fitted.cpk_ == pytest.approx(min(mu - 7, 14 - mu) / 1.5)
    assert fitted.pp_ == pytest.approx(7 / (6 * so))
    assert fitted.ppk_ == pytest.approx(min(mu - 7, 14 - mu) / (3 * so))
    # Cpm = (USL − LSL) / (6 √(σ² + (μ − T)²))
    assert fitted.cpm_ == pytest.approx(7 / (6 * math.sqrt(0.25 + (mu - 10.5) ** 2)))
    assert fitted.expected_below_ == pytest.approx(stats.norm.cdf(7, mu, 0.5))
    assert fitted.expected_above_ == pytest.approx(stats.norm.sf(14, mu, 0.5))
    assert fitted.dpmo_ == 0.0
    assert math.isinf(fitted.sigma_level_)


def test_default_within_sigma_is_the_moving_range() -> None:
    x = np.array([4.0, 6.0, 5.0, 8.0, 7.0])
    fitted = Capability(usl=12.0).fit(x)
    assert fitted.sigma_within_ == pytest.approx(np.mean([2, 1, 3, 1]) / d2(2))


def test_one_sided_sla() -> None:
    """Resolution within 8 hours: only an upper limit; Cp needs both limits."""
    hours = np.array([2.0, 3.5, 9.0, 4.0, 6.5, 1.0, 8.0, 5.0, 7.5, 3.0])
    fitted = Capability(usl=8.0).fit(hours, sigma_within=2.0)
    assert math.isnan(fitted.cp_)
    assert math.isnan(fitted.cpl_)
    assert fitted.cpk_ == fitted.cpu_ == pytest.approx((8 - hours.mean()) / 6)
    assert fitted.observed_above_ == pytest.approx(0.1)  # 9.0; 8.0 meets the SLA
    assert fitted.observed_below_ == 0.0
    assert fitted.dpmo_ == pytest.approx(100_000)
    assert fitted.sigma_level_ == pytest.approx(stats.norm.isf(0.1) + 1.5)
    assert fitted.summary()["cpk"] == fitted.cpk_


def test_percentile_method() -> None:
    x = np.arange(10_001, dtype=float)  # quantile q of 0..N is q·N (linear interpolation)
    fitted = Capability(lsl=-50.0, usl=10_100.0, method="percentile").fit(x[::-1])
    lo, mid, hi = 0.0013499 * 10_000, 5_000.0, 0.9986501 * 10_000
    assert fitted.pp_ == pytest.approx(10_150 / (hi - lo), rel=1e-5)
    assert fitted.ppl_ == pytest.approx((mid + 50) / (mid - lo), rel=1e-5)
    assert fitted.ppu_ == pytest.approx((10_100 - mid) / (hi - mid), rel=1e-5)
    assert fitted.ppk_ == min(fitted.ppl_, fitted.ppu_)
    assert math.isnan(fitted.cp_)
    assert math.isnan(fitted.cpk_)


def test_lognormal_method() -> None:
    rng = np.random.default_rng(3)
    x = np.exp(rng.normal(1.0, 0.5, 500))
    fitted = Capability(usl=20.0, method="lognormal").fit(x)
    mu, s = np.log(x).mean(), np.log(x).std(ddof=1)
    # the 0.135 % and 99.865 % points of a lognormal are exp(μ ∓ 3σ)
    assert fitted.ppu_ == pytest.approx((20 - math.exp(mu)) / (math.exp(mu + 3 * s) - math.exp(mu)))
    assert fitted.expected_above_ == pytest.approx(stats.norm.sf((math.log(20) - mu) / s))
    with pytest.raises(InputError, match="positive"):
        Capability(usl=2.0, method="lognormal").fit([0.0, 1.0, 2.0])


@pytest.mark.parametrize(
    ("defects_per_million", "level"),
    [(3.4, 6.0), (233, 5.0), (6_210, 4.0), (66_807, 3.0), (308_538, 2.0), (691_462, 1.0)],
)
def test_sigma_level_table_with_the_15_shift(defects_per_million: float, level: float) -> None:
    """The six-sigma conversion table (long-term DPMO → short-term sigma level, 1.5σ shift)."""
    assert sigma_level(defects_per_million) == pytest.approx(level, abs=2e-3)
    assert sigma_level(defects_per_million, shift=0) == pytest.approx(level - 1.5, abs=2e-3)


def test_dpmo() -> None:
    assert dpmo(5, 1000, opportunities=2) == 2500
    with pytest.raises(InputError):
        dpmo(3, 1, opportunities=2)
    with pytest.raises(InputError):
        sigma_level(2e6)


def test_specification_errors() -> None:
    with pytest.raises(ConfigError, match="needs a specification"):
        Capability().fit([1.0, 2.0])
    with pytest.raises(ConfigError, match="below usl"):
        Capability(lsl=5.0, usl=1.0).fit([1.0, 2.0])
    with pytest.raises(ConfigError, match="unknown method"):
        Capability(usl=1.0, method="weibull").fit([1.0, 2.0])
    with pytest.raises(InputError):
        Capability(usl=1.0).fit([1.0])


def test_pareto() -> None:
    causes = ["network"] * 5 + ["access"] * 3 + ["printer"] * 1 + ["disk"] * 1 + [None]
    fitted = Pareto().fit(causes)
    table = fitted.table_
    assert list(table["cause"]) == ["network", "access", "(missing)", "disk", "printer"]
    assert list(table["count"]) == [5, 3, 1, 1, 1]
    assert table["percent"].tolist() == pytest.approx(
        [500 / 11, 300 / 11, 100 / 11] + [100 / 11] * 2
    )
    assert table["cumulative_percent"].iloc[-1] == pytest.approx(100)
    # 5/11 = 45 % < 80 %; 8/11 = 73 % < 80 %; 9/11 = 82 % reaches it
    assert fitted.vital_few_ == ["network", "access", "(missing)"]


def test_pareto_threshold_reached_exactly() -> None:
    fitted = Pareto(threshold=0.8).fit(["a", "b", "c"], counts=[50, 30, 20])
    assert fitted.vital_few_ == ["a", "b"]  # 80 % reached with b
    with pytest.raises(ConfigError):
        Pareto(threshold=1.5).fit(["a"])
    with pytest.raises(InputError):
        Pareto().fit(["a", "b"], counts=[1])
