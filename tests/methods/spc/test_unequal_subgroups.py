# ruff: noqa: RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""X̄-S charts with unequal subgroup sizes: Montgomery's Example 6.4 and qcc's variable limits.

Montgomery, *Introduction to Statistical Quality Control* (6th ed.), Table 6.4 is the piston-ring
data of Table 6.3 (25 samples) with 12 observations removed, so samples have 3 to 5 rings. The
qcc reference case in ../shared/data/spc_reference holds those rings; qcc's vignette removes the
same 12 observations (``out <- c(9, 10, 30, 35, 45, 64, 65, 74, 75, 85, 99, 100)``). qcc's copy
differs from Montgomery's in two rings of sample 21 (the case's data_source note:
73.988/74.009 in qcc, 73.982/74.015 in the book), so :func:`table_6_4` puts the book's back.

Oracles:
- the published Table 6.4 columns x̄ᵢ and sᵢ of samples 1–22 (as reproduced at
  transtutors.com, question 686291), which check that the table is rebuilt right;
- Montgomery's weighted grand mean x̿ = 74.001 (Example 6.4), and his pooled s̄ recomputed here
  from the rings with the standard library (no pdca code); the limits use the printed table
  constants A3, B3, B4 (Montgomery Appendix VI) and, exactly, c4 from the gamma function;
- qcc's printed X̄ limits for its own copy of the data (qcc 2.x output recorded in the mistat
  package's tests, Kenett, Zacks & Gedeck 2022): centre 74.00075, σ̂ (UWAVE-R) 0.009856701,
  limits 73.98753–74.01398 (n = 5) and 73.98368–74.01782 (n = 3), and σ̂ (UWAVE-SD) 0.009930923.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from pdca.errors import ConfigError
from pdca.methods.spc import EWMA, XbarR, XbarS
from tests.methods.spc.reference import approx, case

QCC_OUT = (9, 10, 30, 35, 45, 64, 65, 74, 75, 85, 99, 100)
"""Observations (1-based rows) qcc's vignette and Montgomery's Table 6.4 leave out."""
BOOK_SAMPLE_21 = (73.982, 74.001, 74.015, 74.005, 73.996)

# Table 6.4, samples 1-22: n, x̄ᵢ (3 decimals) and sᵢ (4 decimals) as printed
PUBLISHED_1_22 = [
    (5, 74.010, 0.0148), (3, 73.996, 0.0046), (5, 74.008, 0.0147), (5, 74.003, 0.0091),
    (5, 74.003, 0.0122), (4, 73.996, 0.0099), (4, 73.999, 0.0055), (5, 73.997, 0.0123),
    (4, 74.004, 0.0064), (5, 73.998, 0.0063), (5, 73.994, 0.0029), (5, 74.001, 0.0042),
    (3, 73.994, 0.0100), (5, 73.990, 0.0153), (3, 74.008, 0.0087), (5, 73.997, 0.0078),
    (4, 73.999, 0.0115), (5, 74.007, 0.0070), (5, 73.998, 0.0085), (3, 74.008, 0.0068),
    (5, 74.000, 0.0122), (5, 74.002, 0.0074),
]  # fmt: skip

# Montgomery Appendix VI: n -> (A3, B3, B4)
TABLE_CONSTANTS = {3: (1.954, 0.0, 2.568), 4: (1.628, 0.0, 2.266), 5: (1.427, 0.0, 2.089)}
TABLE_REL = 1e-3
"""The printed constants have four significant digits."""


def _qcc_variable() -> pd.DataFrame:
    data, _ = case("pistonrings_xbar_r_s")
    kept = data.drop(index=[i - 1 for i in QCC_OUT]).reset_index(drop=True)
    return kept[kept["sample"] <= 25].reset_index(drop=True)


def table_6_4() -> pd.DataFrame:
    """Montgomery's Table 6.4: qcc's rings without QCC_OUT, sample 21 as in the book."""
    data = _qcc_variable()
    rows = data.index[data["sample"] == 21]
    data.loc[rows, "diameter"] = BOOK_SAMPLE_21
    return data


def _groups(data: pd.DataFrame) -> list[list[float]]:
    return [list(g) for _, g in data.groupby("sample", sort=True)["diameter"]]


def _c4(n: int) -> float:
    return math.sqrt(2 / (n - 1)) * math.gamma(n / 2) / math.gamma((n - 1) / 2)


def test_the_rebuilt_table_is_the_published_one() -> None:
    groups = _groups(table_6_4())
    assert len(groups) == 25
    assert sum(len(g) for g in groups) == 113
    for g, (n, mean, sd) in zip(groups, PUBLISHED_1_22, strict=False):
        assert len(g) == n
        assert round(statistics.fmean(g), 3) == pytest.approx(mean, abs=1e-9)
        assert round(statistics.stdev(g), 4) == pytest.approx(sd, abs=1e-9)


def test_montgomery_example_6_4_pooled_sbar() -> None:
    data = table_6_4()
    groups = _groups(data)
    chart = XbarS(sigma="pooled-sbar").fit(data["diameter"], groups=data["sample"])
    sizes = [len(g) for g in groups]
    grand = sum(sum(g) for g in groups) / sum(sizes)
    sbar = math.sqrt(
        sum((len(g) - 1) * statistics.variance(g) for g in groups) / sum(n - 1 for n in sizes)
    )
    assert round(chart.estimates_["centre"], 3) == 74.001  # Example 6.4's x̿
    assert chart.estimates_["centre"] == pytest.approx(grand, rel=1e-12)
    assert chart.estimates_["sbar"] == pytest.approx(sbar, rel=1e-12)
    assert round(chart.estimates_["sbar"], 4) == 0.0103
    assert math.isnan(chart.estimates_["sigma"])  # σ̂ = s̄/c4(nᵢ) varies with the size
    xbar, s_panel = chart.panels_["xbar"], chart.panels_["S"]
    for i, n in enumerate(sizes):
        a3, b3, b4 = TABLE_CONSTANTS[n]
        assert xbar.loc[i, "ucl"] - grand == pytest.approx(a3 * sbar, rel=TABLE_REL)
        assert grand - xbar.loc[i, "lcl"] == pytest.approx(a3 * sbar, rel=TABLE_REL)
        assert s_panel.loc[i, "centre"] == pytest.approx(sbar, rel=1e-12)
        assert s_panel.loc[i, "ucl"] == pytest.approx(b4 * sbar, rel=TABLE_REL)
        assert s_panel.loc[i, "lcl"] == b3
        # exactly: A3 = 3/(c4·√n), B4 = 1 + 3·√(1 − c4²)/c4
        c4 = _c4(n)
        assert xbar.loc[i, "ucl"] == pytest.approx(grand + 3 * sbar / (c4 * math.sqrt(n)))
        assert s_panel.loc[i, "ucl"] == pytest.approx(sbar * (1 + 3 * math.sqrt(1 - c4**2) / c4))
        assert xbar.loc[i, "sigma"] == pytest.approx(sbar / c4 / math.sqrt(n))
    assert chart.signals_ == []


def test_pooled_sbar_with_one_size_has_one_sigma() -> None:
    data, _ = case("pistonrings_xbar_r_s")
    trial = data[data["phase"] == 1]
    chart = XbarS(sigma="pooled-sbar").fit(trial["diameter"], groups=trial["sample"])
    groups = _groups(trial)
    sp = math.sqrt(statistics.fmean(statistics.variance(g) for g in groups))
    assert chart.estimates_["sbar"] == pytest.approx(sp, rel=1e-12)
    assert chart.estimates_["sigma"] == pytest.approx(sp / _c4(5), rel=1e-12)
    # Minitab's pooled σ̂ divides by c4(Σ(nᵢ − 1) + 1) = c4(101) instead of c4(5)
    minitab = XbarS(sigma="pooled").fit(trial["diameter"], groups=trial["sample"])
    assert minitab.estimates_["sigma"] == pytest.approx(sp / _c4(101), rel=1e-12)


def test_qcc_variable_limits() -> None:
    data = _qcc_variable()
    xr = XbarR().fit(data["diameter"], groups=data["sample"])
    xs = XbarS().fit(data["diameter"], groups=data["sample"])
    assert xr.estimates_["centre"] == approx(74.00075)
    assert xr.estimates_["sigma"] == approx(0.009856701)
    assert xs.estimates_["sigma"] == approx(0.009930923)
    sizes = data.groupby("sample").size().to_numpy()
    for n, (lcl, ucl) in ((5, (73.98753, 74.01398)), (3, (73.98368, 74.01782))):
        row = xr.limits_.iloc[int(np.flatnonzero(sizes == n)[0])]
        assert (row["lcl"], row["ucl"]) == (approx(lcl), approx(ucl))


@pytest.mark.parametrize("chart", [XbarR(sigma="pooled-sbar"), EWMA(sigma="pooled-sbar")])
def test_pooled_sbar_is_only_for_the_xbar_s_chart(chart: XbarR | EWMA) -> None:
    with pytest.raises(ConfigError, match="unknown sigma estimator 'pooled-sbar'"):
        chart.fit([[1.0, 2.0, 3.0], [2.0, 3.0, 5.0]])
