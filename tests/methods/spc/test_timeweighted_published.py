# ruff: noqa: RUF002, RUF003  (mathematical notation: σ, −, λ are meant)
"""CUSUM and EWMA with non-default k, h, λ and L: Montgomery's Examples 9.1 and 9.2.

Data: Montgomery, *Introduction to Statistical Quality Control*, Table 9.1 — 30 observations,
the first 20 from N(10, 1), the last 10 after the mean shifted to 11 (μ0 = 10, σ = 1). The same
30 values are transcribed in several public test suites (for example process_improve's CUSUM
tests and an R course script), which agree with each other.

Oracles:
- CUSUM (Example 9.1, k = 0.5, h = 5): the upper sums C⁺ of Table 9.2 as printed (two decimals,
  periods 1–30; the chart first signals at period 29). The lower sums and the charts with other
  k and h are recomputed here from the textbook recursion, by a plain loop, not by pdca.
- EWMA (Example 9.2, λ = 0.1, L = 2.7): the published table is not in
  ../shared/data/spc_reference, so zᵢ and the exact limits μ0 ± L·σ·√(λ/(2 − λ)·(1 − (1 − λ)²ⁱ))
  are recomputed here from the textbook formula.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pdca.errors import ConfigError
from pdca.methods.spc import CUSUM, EWMA

TABLE_9_1 = [
    9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34,
    9.03, 11.47, 10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84,
    10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52,
]  # fmt: skip
TABLE_9_2_UPPER = [
    0.0, 0.0, 0.0, 1.16, 2.82, 2.50, 0.04, 1.00, 0.0, 0.0,
    0.0, 0.97, 0.98, 0.0, 0.0, 0.0, 0.12, 0.0, 0.0, 0.34,
    0.74, 0.0, 1.79, 2.79, 2.89, 3.47, 3.35, 4.47, 5.28, 5.30,
]  # fmt: skip
MU0, SIGMA = 10.0, 1.0


def _tabular_cusum(x: list[float], k: float) -> tuple[list[float], list[float]]:
    """C⁺ and C⁻ by the textbook recursion in σ units (no pdca code)."""
    hi = lo = 0.0
    upper, lower = [], []
    for xi in x:
        z = (xi - MU0) / SIGMA
        hi = max(0.0, hi + z - k)
        lo = max(0.0, lo - z - k)
        upper.append(hi)
        lower.append(lo)
    return upper, lower


def _flagged(chart: CUSUM | EWMA) -> list[int]:
    return sorted({p + 1 for s in chart.signals_ for p in s.flagged})


def test_cusum_example_9_1() -> None:
    chart = CUSUM(reference=0.5, decision=5.0, centre=MU0, sigma=SIGMA).fit(TABLE_9_1)
    upper = chart.panels_["upper"]
    assert upper["value"].round(2).tolist() == TABLE_9_2_UPPER
    assert upper["ucl"].tolist() == [5.0] * 30
    _, lower = _tabular_cusum(TABLE_9_1, 0.5)
    assert (-chart.panels_["lower"]["value"]).tolist() == pytest.approx(lower, abs=1e-12)
    assert _flagged(chart) == [29, 30]  # C⁺ exceeds h = 5 at periods 29 and 30


@pytest.mark.parametrize(("k", "h"), [(0.25, 4.0), (1.0, 1.0), (0.0, 3.0)])
def test_cusum_other_k_and_h(k: float, h: float) -> None:
    chart = CUSUM(reference=k, decision=h, centre=MU0, sigma=SIGMA).fit(TABLE_9_1)
    upper, lower = _tabular_cusum(TABLE_9_1, k)
    assert chart.panels_["upper"]["value"].tolist() == pytest.approx(upper, abs=1e-12)
    assert (-chart.panels_["lower"]["value"]).tolist() == pytest.approx(lower, abs=1e-12)
    beyond = [i + 1 for i, (u, d) in enumerate(zip(upper, lower, strict=True)) if u > h or d > h]
    assert _flagged(chart) == beyond
    assert chart.panels_["lower"]["lcl"].tolist() == [-h] * 30


def _ewma(x: list[float], lam: float, width: float) -> tuple[list[float], list[float]]:
    """zᵢ and the exact upper limits by the textbook formula (no pdca code)."""
    z, prev, ucl = [], MU0, []
    for i, xi in enumerate(x, start=1):
        prev = lam * xi + (1 - lam) * prev
        z.append(prev)
        ucl.append(MU0 + width * SIGMA * math.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * i))))
    return z, ucl


@pytest.mark.parametrize(("lam", "width"), [(0.1, 2.7), (0.3, 2.0), (1.0, 1.5)])
def test_ewma_example_9_2_and_other_weights(lam: float, width: float) -> None:
    chart = EWMA(smoothing=lam, nsigmas=width, centre=MU0, sigma=SIGMA).fit(TABLE_9_1)
    z, ucl = _ewma(TABLE_9_1, lam, width)
    assert chart.limits_["value"].tolist() == pytest.approx(z, rel=1e-12)
    assert chart.limits_["ucl"].tolist() == pytest.approx(ucl, rel=1e-12)
    assert chart.limits_["lcl"].tolist() == pytest.approx([2 * MU0 - u for u in ucl], rel=1e-12)
    beyond = [
        i + 1 for i, (zi, u) in enumerate(zip(z, ucl, strict=True)) if abs(zi - MU0) > u - MU0
    ]
    assert _flagged(chart) == beyond


def test_ewma_example_9_2_rounded_values() -> None:
    """Example 9.2 to two decimals: z₁ = 9.945, limits 9.73–10.27 at period 1, 9.38–10.62 later."""
    chart = EWMA(smoothing=0.1, nsigmas=2.7, centre=MU0, sigma=SIGMA).fit(TABLE_9_1)
    first, last = chart.limits_.iloc[0], chart.limits_.iloc[-1]
    assert first["value"] == pytest.approx(9.945)
    assert (round(first["lcl"], 2), round(first["ucl"], 2)) == (9.73, 10.27)
    assert (round(last["lcl"], 2), round(last["ucl"], 2)) == (9.38, 10.62)
    assert np.all(np.diff(chart.limits_["ucl"].to_numpy()) > 0)  # widening towards steady state


@pytest.mark.parametrize(
    ("chart", "message"),
    [
        (EWMA(smoothing=0.0), r"smoothing \(λ\) must be in \(0, 1\], got 0.0"),
        (EWMA(smoothing=1.5), r"smoothing \(λ\) must be in \(0, 1\], got 1.5"),
        (EWMA(nsigmas=0.0), r"nsigmas \(L\) must be a positive number, got 0.0"),
        (EWMA(nsigmas=math.inf), r"nsigmas \(L\) must be a positive number, got inf"),
        (CUSUM(decision=0.0), r"decision \(h\) must be a positive number, got 0.0"),
        (CUSUM(decision=-1.0), r"decision \(h\) must be a positive number, got -1.0"),
        (CUSUM(reference=-0.1), r"reference \(k\) must be 0 or more, got -0.1"),
    ],
)
def test_invalid_parameters(chart: CUSUM | EWMA, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        chart.fit(TABLE_9_1)
