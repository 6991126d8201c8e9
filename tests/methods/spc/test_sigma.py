# ruff: noqa: RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Control-chart constants against closed forms and published tables, and the σ estimators."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pdca.errors import ConfigError, InputError
from pdca.methods.spc.sigma import c4, d2, d3, individuals_sigma, subgroup_sigma

# ASTM E2587 / Montgomery Appendix VI (4 decimals; d3 to 3-4)
TABLE = {
    2: (0.7979, 1.128, 0.853),
    3: (0.8862, 1.693, 0.888),
    5: (0.9400, 2.326, 0.864),
    10: (0.9727, 3.078, 0.797),
    25: (0.9896, 3.931, 0.708),
}


def test_closed_forms_for_two_and_three_values() -> None:
    # |X1 − X2| with X1 − X2 ~ N(0, 2): mean 2/√π, variance 2 − 4/π; E max of 3 = 3/(2√π)
    assert d2(2) == pytest.approx(2 / math.sqrt(math.pi), rel=1e-10)
    assert d3(2) == pytest.approx(math.sqrt(2 - 4 / math.pi), rel=1e-7)
    assert d2(3) == pytest.approx(3 / math.sqrt(math.pi), rel=1e-10)
    assert c4(2) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-12)
    assert c4(3) == pytest.approx(math.sqrt(math.pi) / 2, rel=1e-12)


@pytest.mark.parametrize(("n", "want"), TABLE.items())
def test_published_table(n: int, want: tuple[float, float, float]) -> None:
    assert c4(n) == pytest.approx(want[0], abs=5e-5)
    assert d2(n) == pytest.approx(want[1], abs=5e-4)
    assert d3(n) == pytest.approx(want[2], abs=5e-4)


def test_constants_by_simulation() -> None:
    """E(range) and sd(range) of 7 normal values, by 400,000 simulated samples."""
    rng = np.random.default_rng(2024)
    samples = rng.standard_normal((400_000, 7))
    ranges = samples.max(axis=1) - samples.min(axis=1)
    assert d2(7) == pytest.approx(ranges.mean(), rel=2e-3)
    assert d3(7) == pytest.approx(ranges.std(), rel=5e-3)
    assert c4(7) == pytest.approx(samples.std(axis=1, ddof=1).mean(), rel=2e-3)


def test_subgroups_of_one_have_no_constants() -> None:
    with pytest.raises(InputError, match="at least 2 values"):
        d2(1)


def test_estimators() -> None:
    x = np.array([1.0, 3.0, 2.0, 5.0])
    assert individuals_sigma(x, "moving-range") == pytest.approx((2 + 1 + 3) / 3 / d2(2))
    assert individuals_sigma(x, "sd") == pytest.approx(np.std(x, ddof=1) / c4(4))
    n = np.array([2.0, 4.0])
    ranges, sds = np.array([1.0, 3.0]), np.array([0.5, 1.5])
    assert subgroup_sigma(n, ranges, sds, "mean-range") == pytest.approx(
        (1 / d2(2) + 3 / d2(4)) / 2
    )
    w = np.array([(d2(2) / d3(2)) ** 2, (d2(4) / d3(4)) ** 2])
    assert subgroup_sigma(n, ranges, sds, "mvlue-range") == pytest.approx(
        (w[0] / d2(2) + 3 * w[1] / d2(4)) / w.sum()
    )
    assert subgroup_sigma(n, ranges, sds, "mean-sd") == pytest.approx(
        (0.5 / c4(2) + 1.5 / c4(4)) / 2
    )
    k = np.array([c4(2), c4(4)])
    v = k**2 / (1 - k**2)
    assert subgroup_sigma(n, ranges, sds, "mvlue-sd") == pytest.approx(
        (v[0] * 0.5 / k[0] + v[1] * 1.5 / k[1]) / v.sum()
    )
    pooled = math.sqrt((1 * 0.25 + 3 * 2.25) / 4) / c4(5)
    assert subgroup_sigma(n, ranges, sds, "pooled") == pytest.approx(pooled)
    with pytest.raises(ConfigError):
        subgroup_sigma(n, ranges, sds, "median")
    with pytest.raises(InputError, match="no variation"):
        individuals_sigma(np.ones(5), "moving-range")
