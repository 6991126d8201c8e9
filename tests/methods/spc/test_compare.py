# ruff: noqa: RUF003  (mathematical notation: σ, −, ′ are meant)
"""Before/after tests against SciPy, brute force, published values and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pdca.errors import ConfigError, InputError
from pdca.methods.spc import interrupted_time_series, mann_whitney, two_proportions, welch
from pdca.methods.spc.compare import _kth_difference

RNG = np.random.default_rng(11)
BEFORE = RNG.normal(10, 2, 40)
AFTER = RNG.normal(9, 3, 33)


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_welch_matches_scipy(alternative: str) -> None:
    got = welch(BEFORE, AFTER, alternative=alternative, confidence=0.9)
    ref = stats.ttest_ind(AFTER, BEFORE, equal_var=False, alternative=alternative)
    assert got.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert got.df == pytest.approx(ref.df, rel=1e-12)
    assert got.estimate == pytest.approx(AFTER.mean() - BEFORE.mean())
    ci = stats.ttest_ind(AFTER, BEFORE, equal_var=False).confidence_interval(0.9)
    assert (got.ci_low, got.ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_hedges_g_closed_form() -> None:
    got = welch([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0, 7.0])
    # s_b² = 5/3, s_a² = 5/2; s_p² = (3·5/3 + 4·5/2)/7 = 15/7; J = 1 − 3/(4·9 − 9)
    want = (1 - 3 / 27) * (5.0 - 2.5) / math.sqrt(15 / 7)
    assert got.effect_size == pytest.approx(want)
    assert got.effect_size_name == "Hedges' g"
    assert got.message.startswith("The mean changed by +2.5 after the change (95% CI")


def _pairs(after: np.ndarray, before: np.ndarray) -> np.ndarray:
    return np.sort(np.subtract.outer(after, before).ravel())


def test_mann_whitney_against_brute_force() -> None:
    before, after = np.round(BEFORE), np.round(AFTER)  # ties on purpose
    got = mann_whitney(before, after)
    diffs = _pairs(after, before)
    u = np.sum(diffs > 0) + 0.5 * np.sum(diffs == 0)
    assert got.statistic == u
    assert got.p_value == pytest.approx(stats.mannwhitneyu(after, before).pvalue)
    assert got.estimate == pytest.approx(np.median(diffs))
    assert got.effect_size == pytest.approx(2 * u / diffs.size - 1)
    n = diffs.size
    k = math.floor(n / 2 - 1.959963984540054 * math.sqrt(n * (40 + 33 + 1) / 12))
    assert got.ci_low == pytest.approx(diffs[k - 1], abs=1e-12)
    assert got.ci_high == pytest.approx(diffs[n - k], abs=1e-12)


def test_mann_whitney_normal_approximation_by_hand() -> None:
    before, after = BEFORE, AFTER  # continuous: no ties
    got = mann_whitney(before, after, alternative="less")
    n1, n2 = after.size, before.size
    u = float(np.sum(np.subtract.outer(after, before) > 0))
    z = (u - n1 * n2 / 2 + 0.5) / math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)  # continuity
    assert got.p_value == pytest.approx(stats.norm.cdf(z), rel=1e-9)
    diffs = _pairs(after, before)  # no ties: the interval ends are unique differences
    k = math.floor(n1 * n2 / 2 - 1.959963984540054 * math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12))
    assert got.ci_low == diffs[k - 1]
    assert got.ci_high == diffs[n1 * n2 - k]


@pytest.mark.parametrize("seed", range(5))
def test_kth_difference_equals_sorting_all_pairs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = np.round(rng.normal(0, 3, rng.integers(1, 60)), 1)
    b = np.round(rng.normal(1, 3, rng.integers(1, 60)), 1)
    diffs = np.sort(np.subtract.outer(a, b).ravel())
    for k in {1, 2, diffs.size // 3, diffs.size // 2 + 1, diffs.size}:
        if k >= 1:
            # equal differences may differ in the last bit (1.0 − 2.0 vs 0.1 − 1.1)
            assert _kth_difference(a, b, k) == pytest.approx(diffs[k - 1], abs=1e-12)


def test_two_proportions_newcombe_published() -> None:
    """Newcombe (1998), Stat Med 17:873, Table II: 56/70 vs 48/80, method 10: 0.0524, 0.3339."""
    got = two_proportions(48, 80, 56, 70)
    assert got.estimate == pytest.approx(0.2)
    assert got.ci_low == pytest.approx(0.0524, abs=5e-5)
    assert got.ci_high == pytest.approx(0.3339, abs=5e-5)


def test_two_proportions_z_is_the_chi_square_test() -> None:
    got = two_proportions(30, 200, 18, 210)
    chi2, p, _, _ = stats.chi2_contingency([[30, 170], [18, 192]], correction=False)
    assert got.statistic**2 == pytest.approx(chi2)
    assert got.p_value == pytest.approx(p)
    assert got.statistic < 0
    assert got.effect_size == pytest.approx(
        2 * math.asin(math.sqrt(18 / 210)) - 2 * math.asin(math.sqrt(30 / 200))
    )
    one_sided = two_proportions(30, 200, 18, 210, alternative="less")
    assert one_sided.p_value == pytest.approx(p / 2)


def _series(noise: float, seed: int = 5) -> tuple[np.ndarray, int]:
    rng = np.random.default_rng(seed)
    t = np.arange(30, dtype=float)
    post = t >= 18
    y = 20 + 0.3 * t - 4 * post - 0.5 * (t - 18) * post + rng.normal(0, noise, t.size)
    return y, 18


def test_segmented_regression_recovers_a_noise_free_series() -> None:
    y, t0 = _series(0.0)
    got = interrupted_time_series(y, t0)
    assert got.baseline_level.estimate == pytest.approx(20)
    assert got.baseline_trend.estimate == pytest.approx(0.3)
    assert got.level_change.estimate == pytest.approx(-4)
    assert got.trend_change.estimate == pytest.approx(-0.5)
    assert got.effect_at_end.estimate == pytest.approx(-4 - 0.5 * 11)
    assert got.counterfactual[-1] == pytest.approx(20 + 0.3 * 29)
    assert got.relative_effect == pytest.approx(-9.5 / 28.7)


def test_segmented_regression_equals_two_separate_lines() -> None:
    """With a level and a trend change, the model fits each segment its own line."""
    y, t0 = _series(1.0)
    t = np.arange(y.size, dtype=float)
    got = interrupted_time_series(y, t0, confidence=0.9)
    pre, post = stats.linregress(t[:t0], y[:t0]), stats.linregress(t[t0:], y[t0:])
    at_t0 = lambda line: line.intercept + line.slope * t0  # noqa: E731
    assert got.trend_change.estimate == pytest.approx(post.slope - pre.slope)
    assert got.level_change.estimate == pytest.approx(at_t0(post) - at_t0(pre))
    resid = np.r_[
        y[:t0] - pre.intercept - pre.slope * t[:t0],
        y[t0:] - at_t0(post) - post.slope * (t[t0:] - t0),
    ]
    df = y.size - 4
    s2 = resid @ resid / df
    sxx = [np.sum((t[:t0] - t[:t0].mean()) ** 2), np.sum((t[t0:] - t[t0:].mean()) ** 2)]
    se_trend = math.sqrt(s2 * (1 / sxx[0] + 1 / sxx[1]))
    se_level = math.sqrt(
        s2
        * (
            1 / t0
            + (t0 - t[:t0].mean()) ** 2 / sxx[0]
            + 1 / (y.size - t0)
            + (t0 - t[t0:].mean()) ** 2 / sxx[1]
        )
    )
    assert got.trend_change.se == pytest.approx(se_trend)
    assert got.level_change.se == pytest.approx(se_level)
    q = stats.t.isf(0.05, df)
    assert got.level_change.ci_low == pytest.approx(got.level_change.estimate - q * se_level)
    assert got.trend_change.p_value == pytest.approx(
        2 * stats.t.sf(abs(got.trend_change.estimate / se_trend), df)
    )
    assert got.df == df
    assert got.n_before == 18
    assert got.n_after == 12


def test_newey_west_by_explicit_sums() -> None:
    y, t0 = _series(1.0, seed=9)
    lags = 2
    got = interrupted_time_series(y, t0, hac_lags=lags)
    t = np.arange(y.size, dtype=float)
    d = (t >= t0).astype(float)
    x = np.column_stack([np.ones_like(t), t, d, (t - t0) * d])
    beta = np.linalg.solve(x.T @ x, x.T @ y)
    e = y - x @ beta
    n, k = x.shape
    s = np.zeros((k, k))
    for i in range(n):
        s += e[i] ** 2 * np.outer(x[i], x[i])
    for lag in range(1, lags + 1):
        w = 1 - lag / (lags + 1)
        for i in range(lag, n):
            s += w * e[i] * e[i - lag] * (np.outer(x[i], x[i - lag]) + np.outer(x[i - lag], x[i]))
    inv = np.linalg.inv(x.T @ x)
    cov = inv @ s @ inv * n / (n - k)
    assert got.level_change.se == pytest.approx(math.sqrt(cov[2, 2]))
    assert got.trend_change.se == pytest.approx(math.sqrt(cov[3, 3]))
    assert got.cov_type == "newey-west(2)"


def test_newey_west_matches_statsmodels_when_installed() -> None:
    sm = pytest.importorskip("statsmodels.api")
    y, t0 = _series(1.0, seed=9)
    t = np.arange(y.size, dtype=float)
    d = (t >= t0).astype(float)
    x = np.column_stack([np.ones_like(t), t, d, (t - t0) * d])
    ref = sm.OLS(y, x).fit(
        cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True}, use_t=True
    )
    got = interrupted_time_series(y, t0, hac_lags=2)
    assert got.level_change.se == pytest.approx(ref.bse[2])
    assert got.trend_change.p_value == pytest.approx(ref.pvalues[3])


def test_user_errors() -> None:
    with pytest.raises(InputError, match="at least 2"):
        welch([1.0], [2.0, 3.0])
    with pytest.raises(InputError, match="constant"):
        welch([1.0, 1.0], [2.0, 2.0])
    with pytest.raises(ConfigError, match="alternative"):
        welch(BEFORE, AFTER, alternative="bigger")
    with pytest.raises(ConfigError, match="confidence"):
        mann_whitney(BEFORE, AFTER, confidence=95)
    with pytest.raises(InputError, match=r"events out of"):
        two_proportions(60, 50, 3, 10)
    with pytest.raises(InputError, match="nothing to test"):
        two_proportions(0, 50, 0, 10)
    with pytest.raises(InputError, match="too few periods"):
        interrupted_time_series(np.arange(10.0), 2)
    with pytest.raises(ConfigError):
        interrupted_time_series(np.arange(10.0), 5, hac_lags=-1)
