# ruff: noqa: RUF001, RUF002, RUF003  (mathematical notation: σ, −, ′ are meant)
"""Before/after tests: did a change move the process?

Every test reports the effect as *after − before*, a two-sided confidence interval for it at the
confidence asked (whatever the alternative), a p-value for the alternative asked ("two-sided",
"less": after is lower, "greater": after is higher) and a standardised effect size.

Welch t test
    Difference of means x̄_a − x̄_b; se = √(s_a²/n_a + s_b²/n_b); Welch–Satterthwaite degrees
    of freedom ν = se⁴ / ((s_a²/n_a)²/(n_a − 1) + (s_b²/n_b)²/(n_b − 1)); t = difference / se;
    interval difference ± t(1 − α/2, ν)·se. Effect size Hedges' g = J·difference/s_p with
    s_p² = ((n_a − 1)s_a² + (n_b − 1)s_b²)/(n_a + n_b − 2) and J = 1 − 3/(4(n_a + n_b) − 9).
Mann–Whitney U test
    U = the number of (after, before) pairs with after > before, plus half the ties; p-value
    from SciPy (exact when a sample has at most 8 values and there are no ties, else the normal
    approximation with tie and continuity corrections). The
    shift is the Hodges–Lehmann estimate, the median of all n_a·n_b differences after − before;
    its interval runs from the k-th smallest to the k-th largest difference with
    k = ⌊n_a·n_b/2 − z(1 − α/2)·√(n_a·n_b·(n_a + n_b + 1)/12)⌋ (at least 1). Effect size: the
    rank-biserial correlation 2U/(n_a·n_b) − 1 (positive when after tends to be higher).
Two proportions
    p_b = x_b/n_b, p_a = x_a/n_a, difference p_a − p_b; z = difference / √(p̄(1 − p̄)(1/n_a +
    1/n_b)) with the pooled p̄ = (x_a + x_b)/(n_a + n_b); Newcombe's hybrid score interval from
    the two Wilson intervals (l, u): difference − √((p_a − l_a)² + (u_b − p_b)²) to difference
    + √((u_a − p_a)² + (p_b − l_b)²). Effect size Cohen's h = 2·asin√p_a − 2·asin√p_b.
Interrupted time series
    Segmented regression yₜ = β0 + β1·t + β2·Dₜ + β3·(t − t0)·Dₜ + εₜ by ordinary least
    squares, Dₜ = 1 from the first period after the change (t0) on. β2 is the change in level
    at t0, β3 the change in trend per period; the effect at the last period T is
    β2 + β3·(T − t0), the distance from the pre-change trend extended. Standard errors are
    classical, or Newey–West (Bartlett weights 1 − l/(L + 1), L = hac_lags, scaled by
    n/(n − 4)) when the series is autocorrelated; intervals and p-values use t with n − 4
    degrees of freedom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import statsmodels.api as sm  # type: ignore[import-untyped, unused-ignore]
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from pdca.errors import ConfigError, InputError
from pdca.methods.spc import inputs

FloatArray = npt.NDArray[np.float64]
ALTERNATIVES = ("two-sided", "less", "greater")


@dataclass(frozen=True)
class Comparison:
    """Result of a before/after test."""

    test: str
    estimate: float
    """The effect, after − before (difference of means, shift, difference of proportions)."""
    ci_low: float
    ci_high: float
    confidence: float
    statistic: float
    p_value: float
    alternative: str
    effect_size: float
    effect_size_name: str
    n_before: int
    n_after: int
    df: float | None
    message: str


def _check(confidence: float, alternative: str) -> float:
    if not isinstance(confidence, int | float) or not 0 < confidence < 1:
        raise ConfigError(f"confidence must be between 0 and 1, got {confidence!r}")
    if alternative not in ALTERNATIVES:
        raise ConfigError(
            f"unknown alternative {alternative!r}", hint=f"use {', '.join(ALTERNATIVES)}"
        )
    return float(stats.norm.isf((1 - confidence) / 2))


def _p(dist: Any, stat: float, alternative: str) -> float:
    if alternative == "less":
        return float(dist.cdf(stat))
    if alternative == "greater":
        return float(dist.sf(stat))
    return float(min(1.0, 2 * dist.sf(abs(stat))))


def _sample(data: Any, what: str, minimum: int) -> FloatArray:
    x = inputs.values_1d(data, what)
    if x.size < minimum:
        raise InputError(f"{what} has {x.size} value(s); the test needs at least {minimum}")
    return x


def _message(what: str, est: float, ci: tuple[float, float], conf: float, p: float) -> str:
    lo, hi = ci
    return (
        f"{what} changed by {est:+.4g} after the change ({conf:.0%} CI {lo:+.4g} to {hi:+.4g}; "
        f"p = {p:.3g})."
    )


def welch(
    before: Any, after: Any, *, confidence: float = 0.95, alternative: str = "two-sided"
) -> Comparison:
    """Welch's t test of the difference of means, after − before."""
    _check(confidence, alternative)
    b, a = _sample(before, "before", 2), _sample(after, "after", 2)
    vb, va = float(b.var(ddof=1)), float(a.var(ddof=1))
    wb, wa = vb / b.size, va / a.size
    se = math.sqrt(wa + wb)
    if se == 0:
        raise InputError("both samples are constant", hint="there is no variation to test")
    diff = float(a.mean() - b.mean())
    df = (wa + wb) ** 2 / (wa**2 / (a.size - 1) + wb**2 / (b.size - 1))
    t = diff / se
    dist = stats.t(df)
    half = float(dist.isf((1 - confidence) / 2)) * se
    p = _p(dist, t, alternative)
    pooled = math.sqrt(((a.size - 1) * va + (b.size - 1) * vb) / (a.size + b.size - 2))
    g = (1 - 3 / (4 * (a.size + b.size) - 9)) * diff / pooled
    return Comparison(
        test="welch",
        estimate=diff,
        ci_low=diff - half,
        ci_high=diff + half,
        confidence=confidence,
        statistic=t,
        p_value=p,
        alternative=alternative,
        effect_size=g,
        effect_size_name="Hedges' g",
        n_before=int(b.size),
        n_after=int(a.size),
        df=df,
        message=_message("The mean", diff, (diff - half, diff + half), confidence, p),
    )


def _kth_difference(a: FloatArray, b: FloatArray, k: int) -> float:
    """The k-th smallest (1-based) of all differences a_j − b_i, without forming them all."""
    b = np.sort(b)

    def count(d: float) -> int:
        """How many differences are ≤ d: pairs with b_i ≥ a_j − d."""
        return int(a.size * b.size - np.searchsorted(b, a - d, side="left").sum())

    lo, hi = float(a.min() - b[-1]), float(a.max() - b[0])
    if count(lo) >= k:
        return lo
    while True:  # invariant: count(lo) < k <= count(hi)
        mid = lo + (hi - lo) / 2
        if mid <= lo or mid >= hi:
            break
        lo, hi = (lo, mid) if count(mid) >= k else (mid, hi)
    below = np.searchsorted(b, a - hi, side="left")
    ok = below < b.size
    return float(np.max(a[ok] - b[below[ok]]))


def mann_whitney(
    before: Any, after: Any, *, confidence: float = 0.95, alternative: str = "two-sided"
) -> Comparison:
    """Mann–Whitney U test with the Hodges–Lehmann shift, after − before."""
    z = _check(confidence, alternative)
    b, a = _sample(before, "before", 1), _sample(after, "after", 1)
    if a.size + b.size < 3:
        raise InputError("the Mann–Whitney test needs at least 3 values in all")
    res = stats.mannwhitneyu(a, b, alternative=alternative)
    u = float(res.statistic)
    pairs = a.size * b.size
    mid = (pairs + 1) / 2
    shift = (_kth_difference(a, b, math.floor(mid)) + _kth_difference(a, b, math.ceil(mid))) / 2
    k = max(1, math.floor(pairs / 2 - z * math.sqrt(pairs * (a.size + b.size + 1) / 12)))
    lo, hi = _kth_difference(a, b, k), _kth_difference(a, b, pairs - k + 1)
    p = float(res.pvalue)
    return Comparison(
        test="mann-whitney",
        estimate=shift,
        ci_low=lo,
        ci_high=hi,
        confidence=confidence,
        statistic=u,
        p_value=p,
        alternative=alternative,
        effect_size=2 * u / pairs - 1,
        effect_size_name="rank-biserial r",
        n_before=int(b.size),
        n_after=int(a.size),
        df=None,
        message=_message(
            "The typical value (Hodges–Lehmann shift)", shift, (lo, hi), confidence, p
        ),
    )


def _wilson(x: float, n: float, z: float) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def two_proportions(
    x_before: float,
    n_before: float,
    x_after: float,
    n_after: float,
    *,
    confidence: float = 0.95,
    alternative: str = "two-sided",
) -> Comparison:
    """z test of two proportions with Newcombe's interval for p_after − p_before."""
    z = _check(confidence, alternative)
    for x, n, what in ((x_before, n_before, "before"), (x_after, n_after, "after")):
        if not (n > 0 and 0 <= x <= n):
            raise InputError(
                f"{what}: {x:g} events out of {n:g}", hint="need n > 0 and 0 ≤ events ≤ n"
            )
    pb, pa = x_before / n_before, x_after / n_after
    pooled = (x_before + x_after) / (n_before + n_after)
    if pooled in {0.0, 1.0}:
        raise InputError("the proportion is 0 or 1 in both samples; nothing to test")
    diff = pa - pb
    stat = diff / math.sqrt(pooled * (1 - pooled) * (1 / n_before + 1 / n_after))
    p = _p(stats.norm, stat, alternative)
    lb, ub = _wilson(x_before, n_before, z)
    la, ua = _wilson(x_after, n_after, z)
    lo = diff - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    hi = diff + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    h = 2 * math.asin(math.sqrt(pa)) - 2 * math.asin(math.sqrt(pb))
    return Comparison(
        test="two-proportions",
        estimate=diff,
        ci_low=lo,
        ci_high=hi,
        confidence=confidence,
        statistic=stat,
        p_value=p,
        alternative=alternative,
        effect_size=h,
        effect_size_name="Cohen's h",
        n_before=int(n_before),
        n_after=int(n_after),
        df=None,
        message=_message("The proportion", diff, (lo, hi), confidence, p),
    )


@dataclass(frozen=True)
class Coefficient:
    """One estimate of a segmented regression with its interval and p-value (two-sided)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class SegmentedRegression:
    """Interrupted time series result."""

    baseline_level: Coefficient
    baseline_trend: Coefficient
    level_change: Coefficient
    trend_change: Coefficient
    effect_at_end: Coefficient
    """β2 + β3·(T − t0): the last period's distance from the pre-change trend."""
    relative_effect: float
    """effect_at_end divided by the pre-change trend's value at T."""
    counterfactual: FloatArray
    """The pre-change trend extended over every period."""
    fitted: FloatArray
    r_squared: float
    df: int
    n_before: int
    n_after: int
    confidence: float
    cov_type: str
    message: str


def interrupted_time_series(
    values: Any,
    intervention: int,
    *,
    time: Any = None,
    confidence: float = 0.95,
    hac_lags: int | None = None,
) -> SegmentedRegression:
    """Segmented regression of a series with a change before position ``intervention``."""
    _check(confidence, "two-sided")
    y = inputs.values_1d(values)
    t = np.arange(y.size, dtype=np.float64) if time is None else inputs.values_1d(time, "time")
    if t.size != y.size or np.any(np.diff(t) <= 0):
        raise InputError("time must have one increasing value per point")
    if not isinstance(intervention, int) or not 3 <= intervention <= y.size - 3:
        raise InputError(
            f"the change at position {intervention!r} leaves too few periods on one side",
            hint="segmented regression needs at least 3 periods before and 3 after",
        )
    if hac_lags is not None and (not isinstance(hac_lags, int) or hac_lags < 0):
        raise ConfigError(f"hac_lags must be a whole number ≥ 0, got {hac_lags!r}")
    t0 = float(t[intervention])
    post = (np.arange(y.size) >= intervention).astype(np.float64)
    x = np.column_stack([np.ones(y.size), t, post, (t - t0) * post])
    model = sm.OLS(y, x)
    if hac_lags is None:
        fit = model.fit()
        cov_type = "classical"
    else:
        # Newey-West with the small-sample factor n / (n - k), like the classical errors
        fit = model.fit(cov_type="HAC", cov_kwds={"maxlags": hac_lags, "use_correction": True})
        cov_type = f"newey-west({hac_lags})"
    beta = np.asarray(fit.params, dtype=np.float64)
    cov = np.asarray(fit.cov_params(), dtype=np.float64)
    resid = y - x @ beta
    n, k = x.shape
    df = n - k
    tq = float(stats.t.isf((1 - confidence) / 2, df))

    def coef(c: FloatArray) -> Coefficient:
        est = float(c @ beta)
        se = math.sqrt(float(c @ cov @ c))
        p = float(2 * stats.t.sf(abs(est / se), df)) if se > 0 else 0.0
        return Coefficient(est, se, est - tq * se, est + tq * se, p)

    unit = np.eye(k)
    end = np.array([0.0, 0.0, 1.0, float(t[-1]) - t0])
    effect = coef(end)
    counterfactual = beta[0] + beta[1] * t
    level, trend = coef(unit[2]), coef(unit[3])
    message = (
        f"At the change the level moved by {level.estimate:+.4g} ({confidence:.0%} CI "
        f"{level.ci_low:+.4g} to {level.ci_high:+.4g}) and the trend by {trend.estimate:+.4g} "
        f"per period ({trend.ci_low:+.4g} to {trend.ci_high:+.4g}); by the last period the "
        f"series is {effect.estimate:+.4g} from its pre-change trend ({effect.ci_low:+.4g} to "
        f"{effect.ci_high:+.4g}, p = {effect.p_value:.3g})."
    )
    total = float(np.sum((y - y.mean()) ** 2))
    return SegmentedRegression(
        baseline_level=coef(unit[0]),
        baseline_trend=coef(unit[1]),
        level_change=level,
        trend_change=trend,
        effect_at_end=effect,
        relative_effect=effect.estimate / base if (base := float(counterfactual[-1])) else math.nan,
        counterfactual=counterfactual,
        fitted=x @ beta,
        r_squared=1 - float(resid @ resid) / total if total > 0 else math.nan,
        df=df,
        n_before=intervention,
        n_after=int(y.size - intervention),
        confidence=confidence,
        cov_type=cov_type,
        message=message,
    )
