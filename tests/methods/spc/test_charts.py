# ruff: noqa: RUF003  (mathematical notation: σ, −, ′ are meant)
"""Charts without a published reference case, against closed-form recomputation by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pdca.errors import ConfigError, InputError
from pdca.methods.spc import CUSUM, EWMA, IMR, NP, C, GChart, LaneyP, LaneyU, P, TChart, XbarS

D2_2 = 2 / math.sqrt(math.pi)  # mean range of two standard normal values


def _c4(n: int) -> float:
    return math.sqrt(2 / (n - 1)) * math.gamma(n / 2) / math.gamma((n - 1) / 2)


def test_laney_p() -> None:
    x = np.array([1200, 1350, 980, 1100, 1420, 1010, 1290, 1180], dtype=float)
    n = np.array([10000, 10500, 9800, 9900, 10200, 9700, 10100, 10000], dtype=float)
    chart = LaneyP().fit(x, n)
    pbar = x.sum() / n.sum()
    sp = np.sqrt(pbar * (1 - pbar) / n)
    z = (x / n - pbar) / sp
    sigma_z = np.mean(np.abs(np.diff(z))) / D2_2
    assert chart.estimates_["sigma_z"] == pytest.approx(sigma_z)
    assert sigma_z > 3  # overdispersed: the plain p chart would flag most points
    assert chart.limits_["ucl"].to_numpy() == pytest.approx(pbar + 3 * sp * sigma_z)
    assert chart.limits_["lcl"].to_numpy() == pytest.approx(pbar - 3 * sp * sigma_z)
    assert chart.signals_ == []
    assert len(P().fit(x, n).signals_) >= 4


def test_laney_u() -> None:
    c = np.array([400, 520, 380, 610, 450, 300], dtype=float)
    n = np.array([100, 110, 95, 120, 105, 90], dtype=float)
    chart = LaneyU().fit(c, n)
    ubar = c.sum() / n.sum()
    su = np.sqrt(ubar / n)
    sigma_z = np.mean(np.abs(np.diff((c / n - ubar) / su))) / D2_2
    assert chart.limits_["ucl"].to_numpy() == pytest.approx(ubar + 3 * su * sigma_z)
    assert chart.limits_["sigma"].to_numpy() == pytest.approx(su * sigma_z)


def test_np_with_varying_sizes() -> None:
    x, n = np.array([5.0, 9.0, 4.0, 7.0]), np.array([50.0, 80.0, 40.0, 60.0])
    chart = NP().fit(x, n)
    p = 25 / 230
    assert chart.limits_["centre"].to_numpy() == pytest.approx(n * p)
    assert chart.limits_["ucl"].to_numpy() == pytest.approx(n * p + 3 * np.sqrt(n * p * (1 - p)))


def test_xbar_s_varying_sizes_pooled() -> None:
    groups = [[10.0, 12.0, 11.0], [9.0, 13.0], [11.0, 10.0, 12.0, 13.0, 9.0], [12.0, 14.0]]
    values = [v for g in groups for v in g]
    labels = [i for i, g in enumerate(groups) for _ in g]
    chart = XbarS(sigma="pooled").fit(values, groups=labels)
    sizes = np.array([len(g) for g in groups])
    s2 = np.array([np.var(g, ddof=1) for g in groups])
    sigma = math.sqrt(np.sum((sizes - 1) * s2) / np.sum(sizes - 1)) / _c4(
        int(np.sum(sizes - 1)) + 1
    )
    assert chart.estimates_["sigma"] == pytest.approx(sigma)
    grand = sum(values) / len(values)
    assert chart.limits_["ucl"].to_numpy() == pytest.approx(grand + 3 * sigma / np.sqrt(sizes))
    k = np.array([_c4(n) for n in sizes])
    s_panel = chart.panels_["S"]
    assert s_panel["centre"].to_numpy() == pytest.approx(k * sigma)
    assert s_panel["ucl"].to_numpy() == pytest.approx(k * sigma + 3 * sigma * np.sqrt(1 - k**2))
    # the same subgroups as a list of lists, and as a 2-D array padded with NaN
    assert XbarS(sigma="pooled").fit(groups).estimates_ == chart.estimates_
    padded = np.full((4, 5), np.nan)
    for i, g in enumerate(groups):
        padded[i, : len(g)] = g
    assert XbarS(sigma="pooled").fit(padded).estimates_ == pytest.approx(chart.estimates_)


def test_ewma_varying_sizes_is_the_exact_variance() -> None:
    groups = [[1.0, 2.0], [2.0, 4.0, 3.0], [0.0, 1.0], [3.0, 2.0, 2.0, 5.0]]
    chart = EWMA(smoothing=0.3, sigma=1.5, centre=2.0).fit(groups)
    lam, n = 0.3, np.array([2, 3, 2, 4])
    # Var(w_i) = σ² Σ_j λ²(1 − λ)^(2(i − j)) / n_j
    var = [
        sum(lam**2 * (1 - lam) ** (2 * (i - j)) * 1.5**2 / n[j] for j in range(i + 1))
        for i in range(4)
    ]
    assert chart.limits_["ucl"].to_numpy() == pytest.approx(2.0 + 3 * np.sqrt(var))
    means = [np.mean(g) for g in groups]
    w = 2.0
    for i, m in enumerate(means):
        w = lam * m + (1 - lam) * w
        assert chart.limits_.loc[i, "value"] == pytest.approx(w)


def test_cusum_by_hand() -> None:
    x = [10.5, 11.2, 9.8, 12.4, 12.9, 13.1]
    chart = CUSUM(reference=0.5, decision=4.0, centre=10.0, sigma=1.0).fit(x)
    # z = 0.5, 1.2, −0.2, 2.4, 2.9, 3.1
    upper = [0.0, 0.7, 0.0, 1.9, 4.3, 6.9]
    lower = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert chart.panels_["upper"]["value"].to_numpy() == pytest.approx(upper)
    assert chart.panels_["lower"]["value"].to_numpy() == pytest.approx(lower)
    assert sorted(p for s in chart.signals_ for p in s.flagged) == [4, 5]
    head = CUSUM(reference=0.5, decision=4.0, headstart=2.0, centre=10.0, sigma=1.0).fit(x)
    assert head.panels_["upper"]["value"].iloc[0] == pytest.approx(2.0)
    assert head.panels_["lower"]["value"].iloc[0] == pytest.approx(-1.0)  # 2 − 0.5 − 0.5
    with pytest.raises(ConfigError, match="headstart"):
        CUSUM(decision=4.0, headstart=4.0).fit(x)


def test_t_chart() -> None:
    t = np.array([12.0, 30.0, 5.0, 44.0, 18.0, 9.0, 60.0, 25.0])
    chart = TChart().fit(t)
    y = t ** (1 / 3.6)
    mean, sigma = y.mean(), np.mean(np.abs(np.diff(y))) / D2_2
    row = chart.limits_.iloc[0]
    assert row["centre"] == pytest.approx(mean**3.6)
    assert row["ucl"] == pytest.approx((mean + 3 * sigma) ** 3.6)
    assert row["lcl"] == pytest.approx(max(0.0, mean - 3 * sigma) ** 3.6)
    assert chart.limits_["z"].to_numpy() == pytest.approx((y - mean) / sigma)


def test_g_chart() -> None:
    g = np.array([12.0, 30.0, 5.0, 44.0, 0.0, 9.0, 160.0, 25.0])
    chart = GChart().fit(g)
    mean = g.mean()
    assert chart.limits_.loc[0, "ucl"] == pytest.approx(mean + 3 * math.sqrt(mean * (mean + 1)))
    assert chart.limits_.loc[0, "lcl"] == 0.0
    assert [s.flagged for s in chart.signals_] == [(6,)]
    with pytest.raises(InputError, match="not rare"):
        GChart().fit([0.0, 0.0, 0.0])


def test_known_centre_and_sigma_are_used() -> None:
    chart = IMR(centre=5.0, sigma=2.0).fit([1.0, 9.0, 4.0])
    assert chart.limits_.loc[0, ["centre", "lcl", "ucl"]].tolist() == [5.0, -1.0, 11.0]
    assert P(centre=0.1).fit([1.0, 2.0], [10.0, 10.0]).limits_.loc[0, "centre"] == 0.1


def test_attribute_input_errors() -> None:
    with pytest.raises(InputError, match="cannot exceed"):
        P().fit([5.0, 12.0], [10.0, 10.0])
    with pytest.raises(InputError, match="negative"):
        C().fit([3.0, -1.0, 2.0])
    with pytest.raises(InputError, match="needs sizes"):
        P().fit([1.0, 2.0])
    with pytest.raises(InputError, match="no nonconforming"):
        P().fit([0.0, 0.0], [10.0, 10.0])
    with pytest.raises(InputError, match="takes no sizes"):
        C().fit([1.0, 2.0], [3.0, 3.0])
    with pytest.raises(InputError, match="positive"):
        P().fit([1.0, 2.0], [10.0, 0.0])
    with pytest.raises(InputError, match="at least 2 values"):
        XbarS().fit([[1.0, 2.0], [3.0]])
    with pytest.raises(InputError, match="must be numbers"):
        IMR().fit(["a", "b"])
